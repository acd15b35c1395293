"""A canary name planted in every input must appear in no error, log or traceback on any
failure path: bad input, over-long values, a driver error, a bug deep in a service."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from typer.testing import CliRunner

from datawash.cli.main import app
from datawash.config import Settings
from datawash.db import session_scope

CANARY = "Quillfeather"
runner = CliRunner()
HEADER = "person_id,role,forenames,surname,previous_surnames,date_of_birth,gender,address,postcode"


def _seen(result_output: str, data_dir: Path) -> bool:
    log = data_dir / "logs" / "errors.log"
    logged = log.read_text() if log.exists() else ""
    return CANARY.lower() in (result_output + logged).lower()


def _wash(data: Path, workforce: Path, records: Path) -> str:
    result = runner.invoke(
        app,
        ["--data-dir", str(data), "wash", "--workforce", str(workforce), "--records", str(records)],
    )
    assert result.exit_code != 0
    return result.output + (str(result.exception) if result.exception else "")


@pytest.mark.parametrize(
    "row",
    [
        f"P1,officer,Zeb {CANARY},{CANARY},{CANARY},31/02/1980,F,1 {CANARY} Road,ZZ1 1ZZ",
        f"{CANARY * 6},officer,Zeb,{CANARY},,1980-01-01,F,1 {CANARY} Road,ZZ1 1ZZ",
        f"P1,officer,Zeb\x00{CANARY},{CANARY},,1980-01-01,F,,",
        f"P1,{CANARY},Zeb,{CANARY},,1980-01-01,F,,",
        f"P1,officer,Zeb,{CANARY},,1980-01-01,F,,{CANARY} postcode",
    ],
)
def test_bad_workforce_rows_never_echo_personal_data(tmp_path: Path, row: str) -> None:
    wf = tmp_path / "w.csv"
    wf.write_text(HEADER + "\n" + row + "\n")
    rec = tmp_path / "r.csv"
    rec.write_text(f"record_id,forenames,surname\nR1,Zeb,{CANARY}\n")
    out = _wash(tmp_path / "d", wf, rec)
    assert "row 1" in out
    assert not _seen(out, tmp_path / "d")


def test_an_unexpected_error_shows_a_reference_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datawash.review import service

    def broken(**_options: object) -> None:
        raise ValueError(f"could not convert {CANARY}, born 1980-01-01, of 1 {CANARY} Road")

    monkeypatch.setattr(service, "wash", broken)
    wf = tmp_path / "w.csv"
    wf.write_text(HEADER + f"\nP1,officer,Zeb,{CANARY},,1980-01-01,F,,\n")
    data = tmp_path / "d"
    result = runner.invoke(
        app, ["--data-dir", str(data), "wash", "--workforce", str(wf), "--records", str(wf)]
    )
    assert result.exit_code == 70
    assert "Reference" in result.output and "nothing was written" in result.output
    log = (data / "logs" / "errors.log").read_text()
    assert "builtins.ValueError" in log and "broken" in log
    assert not _seen(result.output, data)
    assert (data / "logs" / "errors.log").stat().st_mode & 0o777 == 0o600


def test_driver_errors_carry_no_values(settings: Settings) -> None:
    """A constraint violation's message never quotes the row (hide_parameters)."""
    with pytest.raises(SQLAlchemyError) as err, session_scope(settings) as s:
        for _ in range(2):
            s.execute(
                text(
                    "INSERT INTO users (username, role, display_name, active, created_at, "
                    "failed_attempts, version) VALUES ('u1', 'reviewer', :name, true, "
                    "CURRENT_TIMESTAMP, 0, 1)"
                ),
                {"name": f"Zeb {CANARY}"},
            )
    assert CANARY not in str(err.value)
