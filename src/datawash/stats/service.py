"""Statistics for the CLI, the FOI service and (later) the web: one permission check, then
the named statistic. Results are aggregates; no person is named in any of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from datawash.actor import Actor
from datawash.errors import InputError
from datawash.permissions import require
from datawash.stats.periods import PeriodKind, parse_period
from datawash.stats.registry import (
    STATISTICS,
    Statistic,
    StatParams,
    check_given,
    get_statistic,
)
from datawash.stats.tables import StatTable
from datawash.vocabulary import Category, Outcome, WorkforceRole, parse
from datawash.vocabulary import values as values_of


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
    check_given(statistic, params)
    return statistic.compute(session, params)


def _split(values: Sequence[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


def params_from(
    *,
    from_: str | None,
    to: str | None,
    period: str,
    by: Sequence[str] | None,
    category: Sequence[str] | None,
    role: Sequence[str] | None,
    outcome: Sequence[str] | None,
    count: str,
    as_of: str | None,
    run: int | None,
    extra: Sequence[str] = (),
    statistic: str | None = None,
) -> StatParams:
    """Statistic parameters from what a person typed, each value checked on its own so the
    error names it (``InputError.field``: from_period, to_period, count, as_of, by,
    categories, roles, outcomes). ``statistic``: the one they are for, whose defaults fill
    what is not given."""
    kind = parse(PeriodKind, period, what="period", field="period")
    values: dict[str, Any] = {
        "from_period": from_,
        "to_period": to,
        "period": kind,
        "count": count,
        "run_id": run,
    }
    if as_of:
        try:
            values["as_of"] = date.fromisoformat(as_of.strip())
        except ValueError:
            raise InputError(f"{as_of!r} is not a date (YYYY-MM-DD)", field="as_of") from None
    for key, text in (("from_period", from_), ("to_period", to)):
        if text is not None:
            try:
                parse_period(text, kind)
            except InputError as exc:
                raise InputError(str(exc), field=key) from None
    if count not in ("people", "cases", "allegations"):
        raise InputError(f"must be people, cases or allegations, not {count!r}", field="count")
    for key, given, allowed in (
        ("by", by, None),
        ("categories", category, values_of(Category)),
        ("roles", role, values_of(WorkforceRole)),
        ("outcomes", outcome, (*values_of(Outcome), "any")),
    ):
        split = _split(given)
        if split is None:
            continue
        bad = [v for v in split if allowed is not None and v not in allowed]
        if bad:
            raise InputError(
                f"unknown value {bad[0]!r}; one of {', '.join(allowed or ())}", field=key
            )
        values[key] = split
    # Any other parameter a statistic documents (register_count's date_field, span_from,
    # severities …), as key=value; checked by StatParams like the rest.
    for item in extra:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{item!r}: write it as key=value", field="param")
        values[key.strip()] = text.strip()
    # What is not given takes the statistic's own default (the general count: every outcome).
    defaults = get_statistic(statistic).defaults if statistic else {}
    return StatParams.from_dict({**defaults, **values, "period": kind.value})
