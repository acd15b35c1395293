"""Migration 0006 on a database made by the code before it: earlier single-person decisions
are marked, withdrawals get their status, reopenings move from the audit log into the
decisions table."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from datawash import db
from datawash.config import Settings


def _at_revision(settings: Settings, revision: str) -> tuple[Engine, Config]:
    """A database made by the migrations up to ``revision``, and the Alembic configuration
    that takes it further."""
    engine = db.get_engine(settings)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return engine, cfg


def test_0006_marks_and_moves_the_earlier_history(settings: Settings) -> None:
    engine, _cfg = _at_revision(settings, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO wash_runs (id, started_at, status, settings, blocking_plan, "
                "n_people, n_records, n_events, n_comparisons, n_confirmed, n_review, "
                "n_people_with_candidates) VALUES (1, CURRENT_TIMESTAMP, 'completed', "
                "'{}', '[]', 0, 0, 0, 0, 0, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO review_items (id, person_id, state, priority, opened_at, "
                "updated_at, first_run_id, last_run_id, reopened_count) VALUES "
                "(1, 'P1', 'new', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1, 1)"
            )
        )
        for to_state, status, signer, why in (
            ("not_the_person", "effective", None, None),  # nobody countersigned
            ("identity_confirmed", "effective", "robin", "agreed"),
            ("identity_confirmed", "rejected", None, "withdrawn: the item was reopened"),
        ):
            conn.execute(
                text(
                    "INSERT INTO review_decisions (item_id, from_state, to_state, status, "
                    "countersigned_by, countersign_reason, reason, decided_by, decided_at) "
                    "VALUES (1, 'new', :to, :status, :signer, :why, 'r', 'riley', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"to": to_state, "status": status, "signer": signer, "why": why},
            )
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor, actor_role, action, entity_type, "
                "entity_id, before, reason) VALUES (CURRENT_TIMESTAMP, 'sam', 'supervisor', "
                "'review.reopened', 'review_item', '1', '{\"state\": \"not_the_person\"}', "
                "'new candidate R9')"
            )
        )
    db._ready.cache_clear()
    with db.session_scope(settings) as s:
        rows = s.execute(
            text("SELECT kind, to_state, status, dual_control FROM review_decisions ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("decision", "not_the_person", "effective", False),
        ("decision", "identity_confirmed", "effective", True),
        ("decision", "identity_confirmed", "withdrawn", True),
        ("rewash", "new", "effective", False),
    ]


def test_down_to_0005_and_up_again(settings: Settings) -> None:
    """The newest revisions undo cleanly (data made under them aside) and redo."""
    from sqlalchemy import inspect

    with db.session_scope(settings) as s:  # at head, with an audit event in it
        from datawash.auth.service import add_user

        add_user(s, None, username="ada", role="administrator")
    engine = db.get_engine(settings)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    tables = set(inspect(engine).get_table_names())
    assert "web_sessions" not in tables and "safeguard_settings" not in tables
    assert "seq" not in {c["name"] for c in inspect(engine).get_columns("audit_events")}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    assert {"web_sessions", "safeguard_settings"} <= set(inspect(engine).get_table_names())


@pytest.mark.parametrize("revision", ["0010", "0011"])
def test_later_migrations_keep_rows_imported_before_them_as_imported(
    settings: Settings, tmp_path: Path, revision: str
) -> None:
    """A row imported under 0010 or 0011 (its digest over the file's fields then) is, after
    the revisions that add fields (0011: two, 0012: three), still as imported: importing it
    again with a change updates it rather than refusing it as changed in datawash. A row
    changed since its import stays changed."""
    from datawash.cases import service as cases
    from datawash.cases.models import Allegation, import_digest
    from tests.stats.test_registry import PSD

    engine, cfg = _at_revision(settings, revision)
    fields_0010 = {"case_id": "K1", "person_id": "P1", "role_at_time": "officer",
                   "category": "sexual", "stage": "investigation", "outcome": None,
                   "outcome_on": None, **{f: None for f in (
                       "offence_code", "criminal_proceedings", "criminal_outcome_on",
                       "severity_assessed_on", "investigation_started_on",
                       "investigation_ended_on", "hearing_held_on", "appeal_on",
                       "suspended_on", "suspension_ended_on", "restricted_on",
                       "restriction_ended_on", "left_force_on", "leaving_reason")}}  # fmt: skip
    if revision == "0011":
        fields_0010 |= {"charged_on": None, "rank_at_time": None}
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO cases (case_id, recorded_on, source, version, created_at, updated_at)"
            " VALUES ('K1', '2021-01-10', 'complaint', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        for aid, stage in (("A1", "investigation"), ("A2", "hearing")):
            digest = import_digest({**fields_0010, "stage": "investigation"})
            conn.execute(
                text("INSERT INTO allegations (allegation_id, case_id, person_id, role_at_time, "
                     "category, stage, imported_digest, version) VALUES (:a, 'K1', 'P1', "
                     "'officer', 'sexual', :stage, :d, 1)"),
                {"a": aid, "stage": stage, "d": digest},
            )  # fmt: skip
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    db._ready.cache_clear()
    (tmp_path / "c.csv").write_text("case_id,recorded_on,source,severity,closed_on\n"
                                    "K1,2021-01-10,complaint,,\n")  # fmt: skip
    (tmp_path / "a.csv").write_text(
        "allegation_id,case_id,person_id,role_at_time,category,stage,rank_at_time,gender\n"
        "A1,K1,P1,officer,sexual,investigation,sergeant,F\n"
        "A2,K1,P1,officer,sexual,investigation,sergeant,F\n"
    )
    with db.session_scope(settings) as s:
        summary = cases.import_register(s, PSD, cases_path=tmp_path / "c.csv",
                                        allegations_path=tmp_path / "a.csv",
                                        skip_conflicts=True)  # fmt: skip
        a1, a2 = s.get(Allegation, "A1"), s.get(Allegation, "A2")
        assert a1 is not None and a2 is not None
        assert (a1.rank_at_time, a1.gender) == ("sergeant", "F")  # as imported: updated
        assert a2.stage == "hearing" and a2.rank_at_time is None  # A2 changed since: kept
        assert a2.gender is None
    assert [p.row for p in summary.conflicts] == [2]
