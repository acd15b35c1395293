"""Triage: what each linked event is about and whether the person was suspect or victim."""

from datawash.triage.classify import EventTriage, classify_event, person_priority

__all__ = ["EventTriage", "classify_event", "person_priority"]
