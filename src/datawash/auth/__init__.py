"""Actors, roles and the named actions each role may take."""

from datawash.auth.service import Actor, Role, add_user, get_actor, require

__all__ = ["Actor", "Role", "add_user", "get_actor", "require"]
