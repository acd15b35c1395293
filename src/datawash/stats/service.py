"""Statistics for the CLI, the FOI service and (later) the web: one permission check, then
the named statistic. Results are aggregates; no person is named in any of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.permissions import require
from datawash.stats.registry import STATISTICS, Statistic, StatParams, get_statistic
from datawash.stats.tables import StatTable


def list_statistics(actor: Actor) -> list[Statistic]:
    require(actor, "stats.run")
    return [STATISTICS[k] for k in sorted(STATISTICS)]


def run_statistic(
    session: Session, actor: Actor, name: str, params: StatParams | dict[str, Any] | None = None
) -> StatTable:
    """Compute the statistic ``name`` with ``params`` (a StatParams or its dict form)."""
    require(actor, "stats.run")
    statistic = get_statistic(name)
    if params is None:
        params = StatParams()
    elif isinstance(params, dict):
        params = StatParams.from_dict(params)
    params.check()
    return statistic.compute(session, params)
