"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from datawash.wash.models import WashCandidate, WashEvent, WashInput, WashPerson, WashRecord, WashRun

__all__ = ["WashCandidate", "WashEvent", "WashInput", "WashPerson", "WashRecord", "WashRun"]
