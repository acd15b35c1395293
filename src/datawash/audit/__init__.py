"""Append-only audit log: who did what, when, to what, with the before and after."""

from datawash.audit.service import query, record

__all__ = ["query", "record"]
