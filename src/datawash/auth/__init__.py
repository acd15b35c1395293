"""Users, passwords and authentication: who may act, proven."""

from datawash.auth.service import Actor, Role, add_user, authenticate, require

__all__ = ["Actor", "Role", "add_user", "authenticate", "require"]
