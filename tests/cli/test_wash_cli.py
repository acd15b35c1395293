"""The `datawash wash` and `synth` commands as a user calls them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from datawash.cli.main import app

runner = CliRunner()


def test_wash_prints_a_summary_and_exports(small_synth: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(tmp_path / "d"),
            "wash",
            "--workforce",
            str(small_synth / "workforce.csv"),
            "--records",
            str(small_synth / "records.csv"),
            "--export",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "people screened" in result.output
    assert "600" in result.output
    assert "of the matched people, work the queue down to probability" in result.output
    assert out.read_text().startswith("person_id,record_id,match_probability")


def test_wash_bad_input_exits_non_zero_with_file_row_column(
    small_synth: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "w.csv"
    bad.write_text("person_id,role,forenames,surname,date_of_birth\nP1,officer,,Smith,1980-01-01\n")
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(tmp_path / "d"),
            "wash",
            "--workforce",
            str(bad),
            "--records",
            str(small_synth / "records.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "row 1" in result.output and "forenames" in result.output
    assert (
        not (tmp_path / "d" / "datawash.sqlite").exists() or "nothing was written" in result.output
    )


def test_wash_with_column_mapping(small_synth: Path, tmp_path: Path) -> None:
    src = (small_synth / "workforce.csv").read_text().splitlines()
    src[0] = src[0].replace("surname", "LAST_NAME", 1)
    wf = tmp_path / "hr.csv"
    wf.write_text("\n".join(src) + "\n")
    result = runner.invoke(
        app,
        [
            "--data-dir",
            str(tmp_path / "d"),
            "wash",
            "--workforce",
            str(wf),
            "--records",
            str(small_synth / "records.csv"),
            "--map",
            "workforce.surname=LAST_NAME",
        ],
    )
    assert result.exit_code == 0, result.output


def test_synth_command(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", str(tmp_path / "s"), "--workforce", "50", "--records", "800", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s" / "truth.csv").exists()
    assert "records" in result.output


def test_export_is_private_and_formula_safe(small_synth: Path, tmp_path: Path) -> None:
    import csv as csvlib
    import os

    wf = tmp_path / "w.csv"
    lines = (small_synth / "workforce.csv").read_text().splitlines()
    lines[1] = "=" + lines[1]  # an id a spreadsheet would run
    wf.write_text("\n".join(lines) + "\n")
    out = tmp_path / "exports" / "pairs.csv"
    result = runner.invoke(
        app,
        [
            *("--data-dir", str(tmp_path / "d"), "wash", "--workforce", str(wf)),
            *("--records", str(small_synth / "records.csv"), "--export", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as fh:
        rows = list(csvlib.DictReader(fh))
    assert rows and all(r["person_id"][:1] not in "=+-@" for r in rows)
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "d" / "datawash.sqlite").st_mode & 0o777 == 0o600
    assert not list(out.parent.glob("*.partial"))


def test_demo_refuses_a_live_data_directory(small_synth: Path, tmp_path: Path) -> None:
    live = tmp_path / "live"
    result = runner.invoke(
        app,
        [
            *("--data-dir", str(live), "wash", "--workforce", str(small_synth / "workforce.csv")),
            *("--records", str(small_synth / "records.csv")),
        ],
    )
    assert result.exit_code == 0, result.output
    before = (live / "datawash.sqlite").read_bytes()
    demo = runner.invoke(app, ["--data-dir", str(live), "demo", "--workforce", "30"])
    assert demo.exit_code == 2 and "never runs on live data" in demo.output
    assert (live / "datawash.sqlite").read_bytes() == before
    synth = runner.invoke(app, ["synth", str(live), "--workforce", "5", "--records", "50"])
    assert synth.exit_code == 2 and "folder of its own" in synth.output


def test_a_demo_marker_does_not_make_live_data_the_demos(tmp_path: Path) -> None:
    from datawash.auth.service import add_user, get_actor
    from datawash.config import Settings
    from datawash.db import session_scope

    data = tmp_path / "d"
    first = runner.invoke(
        app, ["--data-dir", str(data), "demo", "--workforce", "40", "--records", "800"]
    )
    assert first.exit_code == 0, first.output
    with session_scope(Settings(data_dir=data)) as s:
        add_user(s, get_actor(s, "admin"), username="real.person", role="reviewer")
    again = runner.invoke(app, ["--data-dir", str(data), "demo", "--workforce", "40"])
    assert again.exit_code == 2 and "never runs on live data" in again.output
