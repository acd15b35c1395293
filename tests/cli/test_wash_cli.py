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
