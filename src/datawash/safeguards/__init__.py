"""Safeguards: settings that protect people (dual control …), held in the database and
changed only by an administrator through a service, so each change is recorded and a
user cannot switch one off for themselves with an environment variable."""
