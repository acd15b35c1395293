"""Load one input file into DuckDB with canonical, typed columns — or report every problem.

CSV (UTF-8 with or without BOM, Windows-1252 as a fallback), Parquet and XLSX. Validation
is vectorised SQL so a 10,000,000-row extract is checked in seconds; problems name the
file, the row (first data row = 1) and the column, never the personal data in the cell.
If anything is wrong nothing is left behind: the tables created are dropped.
"""

from __future__ import annotations

import codecs
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from datawash import clock
from datawash.errors import InputError, Problem, ValidationFailed
from datawash.ingest.mapping import ColumnMap
from datawash.ingest.schema import KINDS, Column, ColumnType, FileKind

MAX_PER_CHECK = 200
MIN_AGE, MAX_AGE = 16, 100
_CHUNK = 1 << 22


@dataclass(frozen=True)
class LoadedTable:
    kind: str
    path: Path
    table: str
    rows: int
    sha256: str
    column_map: dict[str, str]
    extra_columns: list[str]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes; else the 1-based data row of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                newlines += chunk[: exc.start].count(b"\n")
                return False, newlines  # header is line 1, so data row = newlines
            newlines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, newlines
    return True, 0


@contextmanager
def _utf8_csv(path: Path) -> Iterator[Path]:
    """The CSV as UTF-8: as it is, or transcoded from Windows-1252 into a temporary file.
    Files that are not text in either (UTF-16, empty, a header too wide to be a real
    export) are refused first, each with its own message."""
    _check_csv_shape(path)
    ok, bad_row = _decodes(path, "utf-8-sig")
    if ok:
        yield path
        return
    ok_1252, _ = _decodes(path, "cp1252")
    if not ok_1252:
        raise ValidationFailed(
            [
                Problem(
                    str(path), max(bad_row, 1), None, "undecodable text (not UTF-8 or Windows-1252)"
                )
            ]
        )
    with tempfile.TemporaryDirectory(prefix="datawash-") as tmp:
        out = Path(tmp) / "utf8.csv"
        with (
            path.open("r", encoding="cp1252", newline="") as src,
            out.open("w", encoding="utf-8", newline="") as dst,
        ):
            for block in iter(lambda: src.read(_CHUNK), ""):
                dst.write(block)
        yield out


# More columns than any real export has: a header this wide is a broken or hostile file,
# refused before DuckDB sizes a table for it (100,000 columns took 2.7 GB).
MAX_COLUMNS = 500
MAX_HEADER_BYTES = 64 * 1024


def _check_csv_shape(path: Path) -> None:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed([Problem(str(path), None, None, message)])

    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise refuse("the file is empty (no header, no rows)")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00":
        raise refuse("the file is UTF-16 text: save it as CSV UTF-8 (or Windows-1252)")
    first_line, newline, _ = head.partition(b"\n")
    if (not newline and len(head) >= 1 << 20) or len(first_line) > MAX_HEADER_BYTES:
        raise refuse(f"the header row is longer than {MAX_HEADER_BYTES:,} bytes")
    if first_line.count(b",") + 1 > MAX_COLUMNS:
        raise refuse(f"the header has more than {MAX_COLUMNS} columns")


def _csv_header(original: Path, path: Path) -> list[str]:
    """The header row's cells (comma-separated, as docs/formats.md says)."""
    import csv

    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if not header or not any(h.strip() for h in header):
        raise ValidationFailed([Problem(str(original), None, None, "the header row is empty")])
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise ValidationFailed(
                [Problem(str(original), 0, None, f"column {header.index(h) + 1} of the header "
                         "repeats an earlier column's name")]
            )  # fmt: skip
        seen.add(h)
    return header


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _raw_table(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> Iterator[None]:
    """Table `raw`: `_row` plus every column of the file as VARCHAR, original headers."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        with _utf8_csv(path) as csv_path:
            con.execute("SET preserve_insertion_order = true")
            try:
                header = _csv_header(path, csv_path)
                # The header read here, not sniffed: DuckDB's sniffer, given one row with
                # extra cells, takes that row's width and reads the file as empty. With the
                # columns given and strict mode, a ragged row is an error naming its line.
                columns = "{" + ", ".join(f"{_sql_str(h)}: 'VARCHAR'" for h in header) + "}"
                con.execute(
                    f"CREATE TEMP TABLE {raw} AS SELECT row_number() OVER () AS _row, * "
                    f"FROM read_csv({_sql_str(str(csv_path))}, header = true, delim = ',', "
                    f"quote = '\"', escape = '\"', columns = {columns}, strict_mode = true, "
                    "null_padding = false)"
                )
            except duckdb.Error as exc:
                raise ValidationFailed([_csv_problem(path, csv_path, len(header), exc)]) from None
    elif suffix in (".parquet", ".pq"):
        try:
            cols = con.execute(
                f"SELECT name FROM parquet_schema({_sql_str(str(path))}) WHERE name <> 'schema' "
                "AND num_children IS NULL"
            ).fetchall()
            casts = ", ".join(f"CAST({_ident(c[0])} AS VARCHAR) AS {_ident(c[0])}" for c in cols)
            con.execute(
                f"CREATE TEMP TABLE {raw} AS SELECT file_row_number + 1 AS _row, {casts} "
                f"FROM read_parquet({_sql_str(str(path))}, file_row_number = true)"
            )
        except duckdb.Error as exc:
            raise ValidationFailed(
                [
                    Problem(
                        str(path), None, None, f"not a readable Parquet file ({_first_line(exc)})"
                    )
                ]
            ) from None
    elif suffix == ".xlsx":
        con.register(f"{raw}_arrow", _xlsx_to_arrow(path))
        con.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {raw}_arrow")
        con.unregister(f"{raw}_arrow")
    else:
        raise InputError(f"{path}: unsupported file type {suffix!r} (use .csv, .parquet or .xlsx)")
    try:
        yield
    finally:
        con.execute(f"DROP TABLE IF EXISTS {raw}")


def _csv_problem(original: Path, path: Path, width: int, exc: Exception) -> Problem:
    """What DuckDB could not read, said plainly. On this failure path only, the file is
    read again to find the first row whose cells do not match the header (DuckDB's own
    message names no row, and its later lines quote the row's values)."""
    import csv

    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        try:
            for n, cells in enumerate(csv.reader(fh)):
                if n and cells and len(cells) != width:
                    return Problem(
                        str(original),
                        n,
                        None,
                        f"{len(cells)} cells where the header has {width}: more or fewer "
                        "cells than the header",
                    )
        except csv.Error:
            return Problem(str(original), None, None, "a quote is opened and never closed")
    return Problem(str(original), None, None, f"not a readable CSV file ({_first_line(exc)})")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:160]


def _xlsx_to_arrow(path: Path) -> pa.Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ValidationFailed(
            [Problem(str(path), None, None, f"not a readable XLSX file ({type(exc).__name__})")]
        ) from None
    if len(wb.worksheets) > 1:
        sheets = [w.title for w in wb.worksheets]
        wb.close()
        raise ValidationFailed(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"the workbook has {len(sheets)} sheets: save the one "
                    "to import on its own, so an old sheet is never read by mistake",
                )
            ]
        )
    if _has_merged_cells(path):
        wb.close()
        raise ValidationFailed(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "the sheet has merged cells: unmerge them (a merged cell's value belongs to "
                    "one row only, and the others would be read as empty)",
                )
            ]
        )
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ValidationFailed([Problem(str(path), None, None, "the file is empty (no header)")])
    names = [str(h).strip() if h is not None else "" for h in header]
    while names and not names[-1]:  # the sheet's width pads the header with empty cells
        names.pop()
    lowered = [n.lower() for n in names if n]
    repeated = next((i for i, n in enumerate(lowered) if n in lowered[:i]), None)
    if repeated is not None:
        wb.close()
        raise ValidationFailed(
            [Problem(str(path), 0, None, f"column {repeated + 1} repeats an earlier column's name")]
        )
    columns: list[list[str | None]] = [[] for _ in names]
    row_numbers: list[int] = []
    for i, row in enumerate(rows, start=1):
        if row is None or all(v is None for v in row):
            continue
        if any(v not in (None, "") for v in row[len(names) :]):
            wb.close()
            raise ValidationFailed(
                [Problem(str(path), i, None, "cells beyond the last column of the header")]
            )
        row_numbers.append(i)
        for j in range(len(names)):
            value = row[j] if j < len(row) else None
            columns[j].append(_cell_text(value))
    wb.close()
    data = {"_row": pa.array(row_numbers, pa.int64())}
    for name, values in zip(names, columns, strict=True):
        data[name] = pa.array(values, pa.string())
    return pa.table(data)


def _has_merged_cells(path: Path) -> bool:
    """openpyxl's read-only mode cannot see merged ranges; the sheet's XML says so."""
    import zipfile

    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with book.open(name) as sheet:
                    for chunk in iter(lambda: sheet.read(1 << 20), b""):
                        if b"<mergeCell " in chunk or b"<mergeCells" in chunk:
                            return True
    return False


def _cell_text(value: object) -> str | None:
    from datetime import date, datetime

    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date_sql(expr: str) -> str:
    return f"coalesce(try_strptime({expr}, '%Y-%m-%d'), try_strptime({expr}, '%d/%m/%Y'))::DATE"


_DATE_SHAPE = r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})$"


class _Checks:
    """Collects problems from SQL checks, at most MAX_PER_CHECK rows each. The checks are
    gathered and then run together: one scan of the file counts every check's offending
    rows, and only a check that fails reads its rows (a valid file of a million rows was
    scanned once per check, about forty times)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file: str, raw: str) -> None:
        self.con, self.file, self.raw = con, file, raw
        self.problems: list[Problem] = []
        self.pending: list[tuple[str, str, str]] = []

    def rows(self, where: str, column: str, message: str) -> None:
        self.pending.append((where, column, message))

    def run(self) -> None:
        if not self.pending:
            return
        counts = self.con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {where})" for where, _c, _m in self.pending)
            + f" FROM {self.raw}"
        ).fetchall()[0]
        for (where, column, message), total in zip(self.pending, counts, strict=True):
            if not total:
                continue
            found = self.con.execute(
                f"SELECT _row FROM {self.raw} WHERE {where} ORDER BY _row LIMIT {MAX_PER_CHECK}"
            ).fetchall()
            for (row,) in found:
                self.problems.append(Problem(self.file, int(row), column, message))
            if int(total) > MAX_PER_CHECK:
                self.problems.append(
                    Problem(self.file, None, column, f"{message}: {total} rows in all")
                )
        self.pending = []


def load_table(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    kind: str,
    *,
    column_map: ColumnMap | None = None,
    table: str | None = None,
    age_bounds: tuple[int, int] = (MIN_AGE, MAX_AGE),
) -> LoadedTable:
    """Read, validate and type one canonical file into DuckDB table `table` (default: kind).

    age_bounds: the youngest and oldest a workforce member can be (date of birth check)."""
    if kind not in KINDS:
        raise InputError(f"unknown file kind {kind!r}; one of {', '.join(KINDS)}")
    spec = KINDS[kind]
    path = Path(path)
    target = table or kind
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    sha = file_sha256(path)
    raw = f"__dw_raw_{target}"
    with _raw_table(con, path, raw):
        headers = [
            r[0] for r in con.execute(f"SELECT name FROM pragma_table_info('{raw}')").fetchall()
        ]
        used, extras = _resolve_columns(str(path), spec, headers, column_map)
        rows = int(con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0][0])
        if rows == 0:
            raise ValidationFailed([Problem(str(path), None, None, "the file has no data rows")])
        # Every cell trimmed once, into a table the checks and the typing then read: each
        # of them trimming the raw cells again made three passes of an 18-character trim
        # over every cell (half of the load of a million-row extract).
        named = list(dict.fromkeys([h for h in used.values() if h is not None]
                                   + [h for h, _ in extras]))  # fmt: skip
        clean = f"__dw_clean_{target}"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {clean} AS SELECT _row"
            + "".join(f", {_clean(_ident(h))} AS {_ident(h)}" for h in named)
            + f" FROM {raw}"
        )
        con.execute(f"DROP TABLE IF EXISTS {raw}")  # not kept beside its trimmed copy
        try:
            return _checked_and_typed(con, path, kind, spec, clean, target, rows, sha, used,
                                      extras, age_bounds)  # fmt: skip
        finally:
            con.execute(f"DROP TABLE IF EXISTS {clean}")


def _checked_and_typed(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    kind: str,
    spec: FileKind,
    clean: str,
    target: str,
    rows: int,
    sha: str,
    used: dict[str, str | None],
    extras: list[tuple[str, str]],
    age_bounds: tuple[int, int],
) -> LoadedTable:
    """Check every cell of ``clean`` (trimmed, empty as NULL) and type it into ``target``."""
    checks = _Checks(con, str(path), clean)
    for col in spec.columns:
        _check_column(checks, spec, col, used.get(col.name), age_bounds)
    for header in [h for h in used.values() if h is not None] + [h for h, _ in extras]:
        checks.rows(
            f"strpos(CAST({_ident(header)} AS VARCHAR), chr(0)) > 0",
            header,
            "holds a NUL byte (a binary or corrupted file?)",
        )
    checks.run()
    _check_duplicates(con, checks, spec, used[spec.id_column])
    if checks.problems:
        raise ValidationFailed(checks.problems)
    selects = ["_row"]
    for col in spec.columns:
        selects.append(f"{_typed(col, used.get(col.name))} AS {_ident(col.name)}")
    for header, name in extras:
        selects.append(f"{_ident(header)} AS {_ident(name)}")
    con.execute(f"DROP TABLE IF EXISTS {target}")
    con.execute(f"CREATE TABLE {target} AS SELECT {', '.join(selects)} FROM {clean}")
    return LoadedTable(
        kind=kind,
        path=path,
        table=target,
        rows=rows,
        sha256=sha,
        column_map={k: v for k, v in used.items() if v is not None},
        extra_columns=[name for _, name in extras],
    )


def _resolve_columns(
    file: str, spec: FileKind, headers: list[str], column_map: ColumnMap | None
) -> tuple[dict[str, str | None], list[tuple[str, str]]]:
    """canonical -> header used (None if absent), and the extra (header, name) columns."""
    by_lower: dict[str, str] = {}
    problems: list[Problem] = []
    for h in headers:
        if h == "_row":
            continue
        key = h.strip().lower()
        if key in by_lower:
            known = key if key in {c.name for c in spec.columns} else None
            where = f"'{known}'" if known else f"{headers.index(h)}"
            problems.append(Problem(file, None, known, f"the column {where} appears twice"))
        by_lower[key] = h
    mapping = column_map.for_kind(spec.name) if column_map else {}
    used: dict[str, str | None] = {}
    for col in spec.columns:
        source = mapping.get(col.name, col.name).strip().lower()
        header = by_lower.get(source)
        if header is None and col.required:
            hint = f" (mapped from {mapping[col.name]!r})" if col.name in mapping else ""
            problems.append(Problem(file, None, col.name, f"required column is missing{hint}"))
        used[col.name] = header
    if problems:
        raise ValidationFailed(problems)
    taken = {h for h in used.values() if h is not None}
    canonical = set(spec.names)
    extras = [
        (h, h.strip().lower())
        for h in headers
        if h != "_row" and h not in taken and h.strip().lower() not in canonical
    ]
    return used, extras


# Whitespace a cell may be padded with or consist of: spaces, tabs, line breaks, form
# feed, vertical tab and the no-break space a spreadsheet leaves (DuckDB's one-argument
# trim() removes spaces only, so a tab-only name would pass as a value).
_WHITESPACE = " || ".join(
    f"chr({c})"
    for c in (32, 9, 10, 11, 12, 13, 160, 0x1680, *range(0x2000, 0x200C), 0x2028, 0x2029,
              0x202F, 0x205F, 0x3000, 0xFEFF)
)  # fmt: skip


def _clean(expr: str) -> str:
    # Most cells start and end with a printable ASCII character and need nothing: checking
    # the two ends is eight times faster than trimming the whole set of spaces from every
    # cell, and any other cell (empty, padded, starting with an accented letter) is
    # trimmed in full.
    full = f"nullif(trim({expr}, {_WHITESPACE}), '')"
    return (
        f"CASE WHEN unicode({expr}) BETWEEN 33 AND 126 AND ord(({expr})[-1:]) BETWEEN 33 AND "
        f"126 THEN {expr} ELSE {full} END"
    )


def _value(header: str | None) -> str:
    """A column of the trimmed table the checks read (load_table): already cleaned."""
    return "NULL" if header is None else _ident(header)


def _check_column(
    checks: _Checks,
    spec: FileKind,
    col: Column,
    header: str | None,
    age_bounds: tuple[int, int] = (MIN_AGE, MAX_AGE),
) -> None:
    if header is None:
        return
    v = _value(header)
    if col.value_required:
        checks.rows(f"{v} IS NULL", col.name, "empty value in a required column")
    if col.length_limit is not None:
        checks.rows(
            f"length({v}) > {col.length_limit}",
            col.name,
            f"longer than {col.length_limit} characters",
        )
    if col.type is ColumnType.DATE:
        # "Today" is the UK's day (clock.today), as everywhere else in datawash (disclosure
        # control takes no date of the register to be after it), not the machine's.
        today = f"DATE '{clock.today().isoformat()}'"
        checks.rows(
            f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '{_DATE_SHAPE}')",
            col.name,
            "not a date (expected YYYY-MM-DD or DD/MM/YYYY)",
        )
        checks.rows(
            f"{v} IS NOT NULL AND regexp_full_match({v}, '{_DATE_SHAPE}') "
            f"AND {_date_sql(v)} IS NULL",
            col.name,
            "not a real date",
        )
        if col.name in spec.not_future:
            checks.rows(f"{_date_sql(v)} > {today}", col.name, "date is in the future")
        if spec.earliest is not None:
            checks.rows(
                f"{_date_sql(v)} < DATE '{spec.earliest}'",
                col.name,
                f"date is before {spec.earliest}",
            )
        if spec.name == "workforce" and col.name == "date_of_birth":
            youngest, oldest = age_bounds
            checks.rows(
                f"{_date_sql(v)} > {today} - INTERVAL {int(youngest)} YEAR "
                f"AND {_date_sql(v)} <= {today}",
                col.name,
                f"date of birth gives an age under {youngest}",
            )
            checks.rows(
                f"{_date_sql(v)} < {today} - INTERVAL {int(oldest)} YEAR",
                col.name,
                f"date of birth gives an age over {oldest}",
            )
    if col.type is ColumnType.ENUM:
        norm = f"upper({v})" if col.upper else f"lower({v})"
        allowed = ", ".join(_sql_str(a) for a in col.allowed)
        checks.rows(
            f"{v} IS NOT NULL AND {norm} NOT IN ({allowed})",
            col.name,
            f"not one of: {', '.join(col.allowed)}",
        )


def _check_duplicates(
    con: duckdb.DuckDBPyConnection, checks: _Checks, spec: FileKind, header: str | None
) -> None:
    if header is None:
        return
    v = _value(header)
    dups = con.execute(
        f"SELECT {v} AS id, list(_row ORDER BY _row) AS rows FROM {checks.raw} "
        f"WHERE {v} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 ORDER BY min(_row) "
        f"LIMIT {MAX_PER_CHECK}"
    ).fetchall()
    for _id, rows in dups:
        others = ", ".join(str(r) for r in rows[1:6])
        checks.problems.append(
            Problem(
                checks.file,
                int(rows[1]),
                spec.id_column,
                f"duplicate {spec.id_column} (first at row {rows[0]}; also {others})",
            )
        )


def _typed(col: Column, header: str | None) -> str:
    v = _value(header)
    if header is None:
        return "CAST(NULL AS DATE)" if col.type is ColumnType.DATE else "CAST(NULL AS VARCHAR)"
    if col.type is ColumnType.DATE:
        return _date_sql(v)
    if col.type is ColumnType.ENUM:
        return f"upper({v})" if col.upper else f"lower({v})"
    return v
