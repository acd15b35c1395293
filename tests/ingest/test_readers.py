"""Reading the canonical files: formats, mapping, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datawash.errors import InputError, ValidationFailed
from datawash.ingest.mapping import load_map_file, parse_map_options
from datawash.ingest.readers import load_table

HEADER = "person_id,role,forenames,surname,previous_surnames,date_of_birth,gender,address,postcode"
GOOD_ROWS = [
    "P1,officer,Ann Marie,Smith,Jones,1980-05-01,F,1 High Street,B1 1AA",
    "P2,staff,Tom,Brown,,07/11/1987,m,,",
]


def _csv(tmp_path: Path, lines: list[str], name: str = "workforce.csv", **kw: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=kw.get("encoding", "utf-8"))
    return path


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def _problems(con: duckdb.DuckDBPyConnection, path: Path, kind: str = "workforce") -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_table(con, path, kind)
    assert _tables(con) == set(), "nothing may be left behind"
    return [str(p) for p in info.value.problems]


def test_good_csv_is_typed_and_keeps_extras(tmp_path: Path) -> None:
    path = _csv(tmp_path, [HEADER + ",collar_number", *(r + ",1234" for r in GOOD_ROWS)])
    con = duckdb.connect()
    loaded = load_table(con, path, "workforce")
    assert loaded.rows == 2
    assert loaded.extra_columns == ["collar_number"]
    assert len(loaded.sha256) == 64
    rows = con.execute(
        "SELECT _row, person_id, role, date_of_birth, gender, postcode, collar_number "
        "FROM workforce ORDER BY _row"
    ).fetchall()
    assert str(rows[0][3]) == "1980-05-01"
    assert str(rows[1][3]) == "1987-11-07"  # day first
    assert rows[1][4] == "M"
    assert rows[1][5] is None  # empty cell is missing
    assert rows[0][6] == "1234"
    assert [r[0] for r in rows] == [1, 2]


def test_bom_and_windows_1252(tmp_path: Path) -> None:
    con = duckdb.connect()
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode())
    assert load_table(con, bom, "workforce").rows == 2
    cp = tmp_path / "cp1252.csv"
    cp.write_bytes(
        ("\n".join([HEADER, "P1,officer,Zoë,Brontë,,1980-05-01,F,,"]) + "\n").encode("cp1252")
    )
    load_table(con, cp, "workforce", table="w2")
    assert con.execute("SELECT forenames, surname FROM w2").fetchall() == [("Zoë", "Brontë")]


def test_undecodable_text_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        ("\n".join([HEADER, GOOD_ROWS[0]]) + "\n").encode()
        + b"P3,staff,A\x81\x8d,B,,1980-01-01,,,\n"
    )
    problems = _problems(duckdb.connect(), path)
    assert any("row 2" in p and "undecodable" in p for p in problems)


def test_missing_required_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["person_id,role,forenames,date_of_birth", "P1,officer,Ann,1980-01-01"])
    problems = _problems(duckdb.connect(), path)
    assert problems == [f"{path}, column 'surname': required column is missing"]


def test_every_row_problem_is_reported_with_row_and_column(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        [
            HEADER,
            "P1,officer,Ann,Smith,,1980-05-01,F,,",
            "P1,staff,Tom,Brown,,1981-05-01,M,,",  # duplicate id
            "P3,officer,,Green,,1982-05-01,,,",  # empty forename
            "P4,officer,Al,White,,1990-02-30,,,",  # impossible date
            "P5,officer,Bo,Black,,5th May 1990,,,",  # unparseable date
            "P6,chief,Cy,Grey,,1985-01-01,,,",  # unknown role
            "P7,officer,Di,Rose,,2099-01-01,,,",  # in the future
            "P8,officer,Ed,Lane,,2020-01-01,,,",  # too young
            "P9,officer,Flo,Hill,,1985-01-01,Q,,",  # unknown gender
        ],
    )
    problems = _problems(duckdb.connect(), path)
    text = "\n".join(problems)
    assert "row 2, column 'person_id': duplicate person_id (first at row 1" in text
    assert "row 3, column 'forenames': empty value in a required column" in text
    assert "row 4, column 'date_of_birth': not a real date" in text
    assert "row 5, column 'date_of_birth': not a date (expected YYYY-MM-DD or DD/MM/YYYY)" in text
    assert "row 6, column 'role': not one of: officer, staff, special, volunteer" in text
    assert "row 7, column 'date_of_birth': date is in the future" in text
    assert "row 8, column 'date_of_birth': date of birth gives an age under 16" in text
    assert "row 9, column 'gender': not one of: M, F, X" in text
    # No personal data in the messages.
    assert "Ann" not in text and "Green" not in text and "1990-02-30" not in text


def test_whitespace_only_values_and_nul_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "workforce.csv"
    path.write_bytes(
        (
            HEADER + "\n"
            "P1,officer,\t \u00a0,Smith,,1980-05-01,F,,\n"  # tab, space and no-break space
            "\t,officer,Ann,Smith,,1980-05-01,F,,\n"  # tab-only id
            "P3,officer,Ann,Sm\x00ith,,1980-05-01,F,,\n"  # NUL inside a name
            "P4,officer, Bo ,Black,,1980-05-01,M,,\n"  # padded: fine, trimmed
        ).encode()
    )
    text = "\n".join(_problems(duckdb.connect(), path))
    assert "row 1, column 'forenames': empty value in a required column" in text
    assert "row 2, column 'person_id': empty value in a required column" in text
    assert "row 3, column 'surname': holds a NUL byte" in text
    assert "row 4" not in text
    assert "Smith" not in text


def test_cells_are_trimmed_of_every_kind_of_space_at_either_end(tmp_path: Path) -> None:
    con = duckdb.connect()
    rows = {
        "R1": ("Ann\u00a0", "Smith"),  # a no-break space at the end only
        "R2": ("\tBo", " Black\u3000"),  # a tab at the start; an ideographic space
        "R3": ("\u00c9mile ", "\u2003O'Neil\u2003"),  # an accented first letter; em spaces
        "R4": ("Cy", "Dale"),  # nothing to trim
        "R5": ("\u00a0", "Eve"),  # only a space: no value
    }
    lines = ["record_id,forenames,surname"] + [f"{k},{f},{s}" for k, (f, s) in rows.items()]
    path = tmp_path / "records.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_table(con, path, "records")
    got = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT record_id, forenames, surname FROM records").fetchall()}  # fmt: skip
    assert got == {
        "R1": ("Ann", "Smith"),
        "R2": ("Bo", "Black"),
        "R3": ("\u00c9mile", "O'Neil"),
        "R4": ("Cy", "Dale"),
        "R5": (None, "Eve"),
    }


def test_records_may_have_empty_names_but_not_empty_ids(tmp_path: Path) -> None:
    con = duckdb.connect()
    ok = _csv(
        tmp_path,
        ["record_id,forenames,surname,date_of_birth", "R1,,Smith,", "R2,Ann,,1980-01-01"],
        name="records.csv",
    )
    assert load_table(con, ok, "records").rows == 2
    bad = _csv(tmp_path, ["record_id,forenames,surname", ",Ann,Smith"], name="records2.csv")
    with pytest.raises(ValidationFailed, match="row 1, column 'record_id'"):
        load_table(con, bad, "records", table="r2")


def test_parquet_and_xlsx(tmp_path: Path) -> None:
    con = duckdb.connect()
    pq.write_table(
        pa.table(
            {
                "record_id": ["R1", "R1"],
                "forenames": ["Ann", "Bo"],
                "surname": ["Smith", "Jones"],
            }
        ),
        tmp_path / "records.parquet",
    )
    with pytest.raises(ValidationFailed, match="row 2, column 'record_id': duplicate"):
        load_table(con, tmp_path / "records.parquet", "records")

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Person_ID", "Role", "Forenames", "Surname", "Date_of_birth"])
    ws.append(["P1", "Officer", "Ann", "Smith", "1980-05-01"])
    ws.append(["P2", "staff", "Tom", "Brown", None])
    wb.save(tmp_path / "workforce.xlsx")
    with pytest.raises(ValidationFailed, match="row 2, column 'date_of_birth': empty value"):
        load_table(con, tmp_path / "workforce.xlsx", "workforce")


def test_mapping_from_options_and_file(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        ["EMP_NO,ROLE,FIRST_NAMES,LAST_NAME,DOB", "E1,officer,Ann,Smith,1980-05-01"],
    )
    con = duckdb.connect()
    cmap = parse_map_options(
        ["person_id=EMP_NO", "forenames=first_names", "surname=LAST_NAME", "date_of_birth=DOB"]
    )
    loaded = load_table(con, path, "workforce", column_map=cmap)
    assert loaded.column_map["surname"] == "LAST_NAME"
    assert con.execute("SELECT person_id, surname FROM workforce").fetchall() == [("E1", "Smith")]

    mapfile = tmp_path / "map.toml"
    mapfile.write_text(
        '[workforce]\nperson_id = "EMP_NO"\nforenames = "FIRST_NAMES"\nsurname = "LAST_NAME"\n'
        'date_of_birth = "DOB"\n'
    )
    loaded = load_table(con, path, "workforce", column_map=load_map_file(mapfile), table="w2")
    assert loaded.rows == 1


def test_bad_mapping_and_unknown_file_type(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a canonical column name"):
        parse_map_options(["nickname=NICK"])
    with pytest.raises(InputError, match="expected canonical=SOURCE_HEADER"):
        parse_map_options(["surname"])
    other = tmp_path / "workforce.json"
    other.write_text("{}")
    with pytest.raises(InputError, match="unsupported file type"):
        load_table(duckdb.connect(), other, "workforce")
    with pytest.raises(InputError, match="no such file"):
        load_table(duckdb.connect(), tmp_path / "missing.csv", "workforce")


def test_empty_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, [HEADER])
    assert _problems(duckdb.connect(), path) == [f"{path}: the file has no data rows"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        ("person_id,role\nP1,officer\n".encode("utf-16"), "UTF-16"),
        (("c," * 600 + "x\n").encode(), "more than 500 columns"),
        (("x" * 200_000 + "\n").encode(), "header row is longer"),
        (
            (HEADER + "\nP1,officer,Ann,Smith,,1980-05-01,F,,,extra,cells\n").encode(),
            "more or fewer cells than the header",
        ),
    ],
)
def test_unreadable_csv_files_are_named_plainly(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "workforce.csv"
    path.write_bytes(content)
    problems = "\n".join(_problems(duckdb.connect(), path))
    assert message in problems
    assert "Smith" not in problems


def test_xlsx_with_several_sheets_or_merged_cells_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["P1", "officer", "Ann", "Smith", None, "1980-05-01", "F", None, None])
    book.create_sheet("old export")
    two = tmp_path / "two.xlsx"
    book.save(two)
    assert "2 sheets" in "\n".join(_problems(duckdb.connect(), two))
    del book["old export"]
    sheet.merge_cells("C2:D2")
    merged = tmp_path / "merged.xlsx"
    book.save(merged)
    assert "merged cells" in "\n".join(_problems(duckdb.connect(), merged))


def test_register_dates_before_1985_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("case_id,recorded_on,source\nC1,1066-10-14,complaint\nC2,2020-01-01,other\n")
    problems = "\n".join(_problems(duckdb.connect(), path, "cases"))
    assert "row 1, column 'recorded_on': date is before 1985-01-01" in problems
    assert "row 2" not in problems


def test_xlsx_repeated_headers_and_ragged_rows_are_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER.split(","), "Surname"])
    sheet.append(["P1", "officer", "Ann", "Smith", None, "1980-05-01", "F", None, None, "X"])
    path = tmp_path / "w.xlsx"
    book.save(path)
    assert "repeats an earlier column" in "\n".join(_problems(duckdb.connect(), path))
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["P1", "officer", "Ann", "Smith", None, "1980-05-01", "F", None, None, "extra"])
    book.save(path)
    assert "beyond the last column" in "\n".join(_problems(duckdb.connect(), path))


def test_the_future_is_after_the_uk_day_not_the_machines(tmp_path: Path) -> None:
    """ "In the future" and ages are read against the UK's day (clock.today), which the rest
    of datawash uses (disclosure control takes no date after it): as at 1 June 2024 in the
    UK, a case recorded on 2 June 2024 is refused, whatever day the machine says it is."""
    from datetime import UTC, datetime

    from datawash import clock

    path = _csv(tmp_path, ["case_id,recorded_on,source,severity,closed_on",
                           "K1,2024-06-02,complaint,,", "K2,2024-06-01,complaint,,"],
                name="cases.csv")  # fmt: skip
    with clock.frozen_at(datetime(2024, 6, 1, 22, 30, tzinfo=UTC)):  # 23:30 in the UK
        problems = _problems(duckdb.connect(), path, "cases")
    assert problems == [f"{path}, row 1, column 'recorded_on': date is in the future"]
