"""Read and change safeguards. Every change is an administrator's audited act with a
reason; reading needs no permission (every service that applies one reads it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from datawash import audit
from datawash.actor import Actor
from datawash.audit import events as ev
from datawash.clock import now
from datawash.errors import InputError
from datawash.permissions import require
from datawash.safeguards.models import SafeguardSetting


@dataclass(frozen=True)
class Safeguard:
    name: str
    kind: type
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None


SAFEGUARDS: dict[str, Safeguard] = {
    s.name: s
    for s in (
        Safeguard(
            "dual_control",
            bool,
            True,
            "Every review decision takes effect only when a different person countersigns.",
        ),
        Safeguard(
            "blind_first_look",
            bool,
            False,
            "The person page hides each record's score and band until the reviewer has "
            "marked identity, so the first look is the reviewer's own.",
        ),
        Safeguard(
            "disclosure_threshold",
            int,
            5,
            "Counts below this are published as 'fewer than N', with secondary suppression "
            "so that no hidden count can be worked out.",
            minimum=2,
            maximum=100,
        ),
        Safeguard(
            "learning_reviews",
            int,
            0,
            "For the first N people reviewed, the queue offers those whose marks teach the "
            "wash most (the least certain, nearest the review threshold), so that what it "
            "learns holds further down the queue; then it returns to priority order. 0: off.",
            minimum=0,
            maximum=1_000_000,
        ),
    )
}


class SafeguardRead(BaseModel):
    name: str
    value: Any
    default: Any
    description: str
    changed_by: str | None
    changed_at: datetime | None
    reason: str | None


def _parse(safeguard: Safeguard, raw: str) -> Any:
    text = raw.strip().lower()
    if safeguard.kind is bool:
        if text in ("true", "on", "yes", "1"):
            return True
        if text in ("false", "off", "no", "0"):
            return False
        raise InputError(f"{safeguard.name} is on or off (true/false)")
    if safeguard.kind is int:
        if not (text.isascii() and text.isdigit()):
            raise InputError(f"{safeguard.name} is a whole number")
        number = int(text)
        low, high = safeguard.minimum, safeguard.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise InputError(f"{safeguard.name} is between {low} and {high}")
        return number
    raise InputError(f"{safeguard.name} cannot be set from text")  # pragma: no cover


def _known(name: str) -> Safeguard:
    try:
        return SAFEGUARDS[name]
    except KeyError:
        raise InputError(
            f"unknown safeguard {name!r}; one of: {', '.join(sorted(SAFEGUARDS))}"
        ) from None


def value(session: Session, name: str) -> Any:
    """The safeguard's value now (its default until an administrator changes it)."""
    safeguard = _known(name)
    row = session.get(SafeguardSetting, name)
    if row is None:
        return safeguard.default
    # Checked on every read: a value written behind datawash's back (a threshold of 1)
    # stops what relies on it rather than quietly weakening it.
    return _parse(safeguard, str(json.loads(row.value)))


def dual_control(session: Session) -> bool:
    return bool(value(session, "dual_control"))


def blind_first_look(session: Session) -> bool:
    return bool(value(session, "blind_first_look"))


def disclosure_threshold(session: Session) -> int:
    return int(value(session, "disclosure_threshold"))


def learning_reviews(session: Session) -> int:
    return int(value(session, "learning_reviews"))


def list_safeguards(session: Session) -> list[SafeguardRead]:
    rows = {r.name: r for r in session.scalars(select(SafeguardSetting))}
    out = []
    for s in SAFEGUARDS.values():
        row = rows.get(s.name)
        out.append(
            SafeguardRead(
                name=s.name,
                value=json.loads(row.value) if row else s.default,
                default=s.default,
                description=s.description,
                changed_by=row.changed_by if row else None,
                changed_at=row.changed_at if row else None,
                reason=row.reason if row else None,
            )
        )
    return out


def change(session: Session, actor: Actor, *, name: str, raw_value: str, reason: str) -> Any:
    """An administrator changes a safeguard, with a reason; recorded in the audit log."""
    require(actor, "safeguards.change")
    safeguard = _known(name)
    if not reason.strip():
        raise InputError("changing a safeguard needs a reason")
    new = _parse(safeguard, raw_value)
    old = value(session, name)
    row = session.get(SafeguardSetting, name)
    if row is None:
        row = SafeguardSetting(name=name, value=json.dumps(new), changed_by=actor.username)
        row.reason = reason
        session.add(row)
    else:
        row.value, row.changed_by, row.reason = json.dumps(new), actor.username, reason
        row.changed_at = now()
    audit.record(
        session,
        actor,
        ev.SAFEGUARD_CHANGED,
        entity_id=name,
        before={"value": old},
        after={"value": new},
        reason=reason,
    )
    session.flush()
    return new
