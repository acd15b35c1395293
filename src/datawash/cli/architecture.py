"""docs/architecture.md: the layers (from the import-linter contract), the permissions
table and the audit events, generated from the code (`make docs`) so it cannot drift."""

from __future__ import annotations

import tomllib
from pathlib import Path

from datawash.actor import Role
from datawash.audit.events import CATALOGUE
from datawash.permissions import PERMISSIONS, ROLE_DUTIES
from datawash.review.workflow import DONE, PERMISSION, State

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"

INTRO = """# Architecture

Generated from the code by `make docs` (`python -m datawash.cli.architecture`); a test
fails if it drifts.

datawash is one set of services used by two adapters: the command line (`datawash …`) and,
from issue 10, the web application. An adapter parses, authenticates the user (argon2id
password: `auth.service.authenticate`), calls **one** service and renders what it returns.
Every rule lives in a service: permissions are checked there (`permissions.require`), audit
events are written there in the same transaction as the change they describe, and services
return pydantic read models, never ORM objects. The acting user is an `Actor` (username,
role, channel `cli`/`web`/`job`, operating-system account); only `authenticate` makes one for
a person. Time comes from one clock (`datawash.clock`: UTC instants, UK local dates).

Two people acting on the same review item, case, allegation or user at once: every such
row carries a version (SQLAlchemy's optimistic `version_id_col`); the loser's transaction
is rolled back whole and they get `Conflict` (exit code 7) - tested with concurrent threads
on SQLite and PostgreSQL. Safeguards (dual control) are held in the database and changed
only by an administrator (`datawash safeguards set`, audited, with a reason).
"""


def _layers() -> list[str]:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    out = [
        "## Layers",
        "",
        "Highest first; a layer imports only from layers below it, `|` separates packages "
        "that may not import each other, and no two sibling packages import each other in a "
        "cycle (import-linter, run by `make lint`).",
        "",
        "| layer | packages |",
        "|---:|---|",
    ]
    for n, layer in enumerate(contract["layers"], start=1):
        out.append(f"| {n} | {', '.join(f'`{p.strip()}`' for p in layer.split('|'))} |")
    return out


def _permissions() -> list[str]:
    roles = list(Role)
    out = [
        "## Permissions",
        "",
        "Each service checks the named action against this table (`datawash/permissions.py`); "
        "a test walks it. Analysts and FOI officers see counts, never a person.",
        "",
        "| action | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |",
        "|---|" + "|".join(":---:" for _ in roles) + "|",
    ]
    for action, allowed in PERMISSIONS.items():
        marks = " | ".join("yes" if r in allowed else "" for r in roles)
        out.append(f"| `{action}` | {marks} |")
    out += ["", "Each role, reviewed for least privilege:", ""]
    out += [f"- **{r.value.replace('_', ' ')}**: {ROLE_DUTIES[r]}" for r in roles]
    return out


def _workflow() -> list[str]:
    out = [
        "## Review workflow",
        "",
        "Every change below waits for a different person's countersignature while the "
        "`dual_control` safeguard is on (the default); with it off, a decision takes effect "
        "at once and is marked as made without a second person wherever it is shown or "
        "counted. A later wash with new or changed candidate records reopens an item at once. "
        f"Done states: {', '.join(s.value for s in sorted(DONE))}.",
        "",
        "| from | to | permission |",
        "|---|---|---|",
    ]
    for (current, target), permission in sorted(PERMISSION.items()):
        out.append(f"| {current.value} | {target.value} | `{permission}` |")
    identity = ", ".join(
        s.value for s in (State.IDENTITY_CONFIRMED, State.NOT_THE_PERSON, State.NEEDS_INFORMATION)
    )
    out += [
        "",
        f"Identity decisions ({identity}) carry a mark for every live candidate record "
        "(this_person, not_this_person, unsure) and must agree with them; a referral that "
        "opens a case names the events of records marked this_person that become allegations.",
    ]
    return out


def _events() -> list[str]:
    out = [
        "## Audit events",
        "",
        "Every event records who (user, role, channel, OS account), when, what (entity, "
        "person or case), the before and after, and the reason (`datawash/audit/events.py`).",
        "",
        "| action | entity | meaning |",
        "|---|---|---|",
    ]
    for event in CATALOGUE.values():
        out.append(f"| `{event.action}` | {event.entity_type} | {event.description} |")
    return out


def architecture() -> str:
    parts = [INTRO, *_layers(), "", *_permissions(), "", *_workflow(), "", *_events()]
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(architecture(), end="")
