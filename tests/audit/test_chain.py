"""The audit log's hash chain and `audit verify`: ordinary work verifies; a rewritten,
forged, removed or replaced event breaks the chain where it happened; a decision or an
outcome changed with SQL behind datawash's back is caught against the log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from datawash.audit.models import AuditEvent
from datawash.config import Settings
from datawash.db import session_scope
from datawash.errors import PermissionDenied
from datawash.review.integrity import verify_all
from tests.review.helpers import ADMIN, FOI, decided, make_run, propose


def _work(settings: Settings) -> None:
    with session_scope(settings) as s:
        make_run(s, {("P1", "R1"): "a", ("P2", "R2"): "b", ("P3", "R3"): "c"})
        decided(s, "P1", "not_the_person")
        decided(s, "P2", "identity_confirmed", "no_further_action")
        propose(s, "P3", "needs_information")


def _report(settings: Settings):  # type: ignore[no-untyped-def]
    with session_scope(settings) as s:
        return verify_all(s, ADMIN)


def test_ordinary_work_verifies(settings: Settings) -> None:
    _work(settings)
    report = _report(settings)
    assert report.ok, (report.chain_break, report.mismatches)
    assert report.chained == report.events >= 10 and report.head_seq == report.chained
    with session_scope(settings) as s:
        seqs = [e.seq for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert seqs == list(range(1, len(seqs) + 1))
        with pytest.raises(PermissionDenied):
            verify_all(s, FOI)


def _drop_guards(settings: Settings) -> None:
    """What an attacker with the database would do first: the append-only triggers go."""
    with session_scope(settings) as s:
        if s.get_bind().dialect.name == "sqlite":
            for verb in ("update", "delete"):
                s.execute(text(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}"))
        else:
            s.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


def test_a_rewritten_event_breaks_the_chain_there(settings: Settings) -> None:
    _work(settings)
    _drop_guards(settings)
    with session_scope(settings) as s:
        victim = s.scalars(select(AuditEvent).where(AuditEvent.seq == 5)).one()
        s.execute(
            text("UPDATE audit_events SET actor = 'somebody_else' WHERE id = :id"),
            {"id": victim.id},
        )
    report = _report(settings)
    assert report.chain_break is not None and "number 5" in report.chain_break
    assert "changed" in report.chain_break


def test_removed_newest_events_and_forged_ones_are_found(settings: Settings) -> None:
    _work(settings)
    _drop_guards(settings)
    with session_scope(settings) as s:
        newest = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        s.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": newest})
    assert "removed" in (_report(settings).chain_break or "")
    with session_scope(settings) as s:
        s.execute(
            text(
                "INSERT INTO audit_events (at, actor, actor_role, channel, action, entity_type, "
                "entity_id) VALUES (CURRENT_TIMESTAMP, 'robin', 'reviewer', 'cli', "
                "'review.countersigned', 'review_item', '3')"
            )
        )
    assert _report(settings).chain_break is not None


def test_sqlite_replace_is_caught(sqlite_settings: Settings) -> None:
    _work(sqlite_settings)
    with session_scope(sqlite_settings) as s:
        row = s.execute(text("SELECT * FROM audit_events WHERE seq = 3")).mappings().one()
        values = dict(row) | {"actor": "forged"}
        names = ", ".join(values)
        params = ", ".join(f":{k}" for k in values)
        s.execute(text(f"INSERT OR REPLACE INTO audit_events ({names}) VALUES ({params})"), values)
    assert "number 3" in (_report(sqlite_settings).chain_break or "")


def test_a_decision_flipped_with_sql_is_caught(settings: Settings) -> None:
    _work(settings)
    with session_scope(settings) as s:
        s.execute(text("UPDATE review_items SET state = 'not_the_person' WHERE person_id = 'P3'"))
        s.execute(
            text(
                "UPDATE review_decisions SET status = 'effective', "
                "effective_at = CURRENT_TIMESTAMP WHERE status = 'pending'"
            )
        )
    report = _report(settings)
    assert report.chain_break is None
    assert any("no audited countersignature" in m for m in report.mismatches)
    assert any("its decisions make it" in m for m in report.mismatches) or report.mismatches


def test_an_outcome_changed_with_sql_is_caught(settings: Settings, tmp_path: Path) -> None:
    from datawash.cases import service as cases
    from tests.review.helpers import Actor, Role

    psd = Actor("pat", Role.PSD_INVESTIGATOR)
    c, a = tmp_path / "c.csv", tmp_path / "a.csv"
    c.write_text("case_id,recorded_on,source\nC1,2022-01-01,complaint\n")
    a.write_text(
        "allegation_id,case_id,person_id,role_at_time,category,stage\n"
        "A1,C1,P1,officer,sexual,hearing\n"
    )
    with session_scope(settings) as s:
        cases.import_register(s, psd, cases_path=c, allegations_path=a)
        cases.record_outcome(s, psd, allegation_id="A1", outcome="dismissed",
                             outcome_on=date(2023, 1, 1), reason="hearing")  # fmt: skip
    assert _report(settings).ok, _report(settings).mismatches
    with session_scope(settings) as s:
        s.execute(text("UPDATE allegations SET outcome = 'written_warning'"))
    assert any("A1" in m for m in _report(settings).mismatches)


def test_more_sql_tampering_is_caught(settings: Settings) -> None:
    _work(settings)
    with session_scope(settings) as s:
        from datawash.safeguards.service import change

        change(s, ADMIN, name="dual_control", raw_value="on", reason="set")
    assert _report(settings).ok, _report(settings).mismatches
    for statement, expected in (
        ("UPDATE review_decisions SET to_state = 'no_further_action' WHERE id = 2", "audited as"),
        ("UPDATE review_decisions SET countersigned_by = 'riley' WHERE id = 1", "audited as robin"),
        ("UPDATE users SET role = 'administrator' WHERE username = 'fran'", "user fran"),
        ("UPDATE safeguard_settings SET value = 'false'", "safeguard dual_control"),
        ("DELETE FROM review_decisions WHERE id = 1", "gone from the table"),
    ):
        with session_scope(settings) as s:
            s.execute(text(statement))
        assert any(expected in m for m in _report(settings).mismatches), statement
