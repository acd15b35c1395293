import duckdb
import pytest

from datawash.errors import BlockingExplosion
from datawash.linkage.blocking import BlockingRule, count_sql, plan


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(
        "CREATE TABLE l AS SELECT * FROM (VALUES "
        "('1', 'john', 'smith', 1980, ['jon', 'john'], 'B1', 'M'), "
        "('2', 'john', 'smith', 1981, ['john'], 'B1', 'M'), "
        "('3', 'ann', 'jones', 1990, ['ann', 'anna'], 'B2', 'F')) "
        "t(unique_id, fn1, sn, dob_year, keys, pc_district, gender)"
    )
    c.execute(
        "CREATE TABLE r AS SELECT 'r' || i AS unique_id, "
        "CASE WHEN i % 2 = 0 THEN 'john' ELSE 'ann' END AS fn1, "
        "CASE WHEN i % 3 = 0 THEN 'smith' ELSE 'jones' END AS sn, "
        "1980 + (i % 3) AS dob_year, "
        "CASE WHEN i % 2 = 0 THEN ['john'] ELSE ['anna'] END AS keys, "
        "'B1' AS pc_district, 'M' AS gender "
        "FROM range(60) t(i)"
    )
    return c


def _brute(con: duckdb.DuckDBPyConnection, rule: BlockingRule) -> int:
    cond = " AND ".join(f"l.{a} = r.{b}" for a, b in rule.keys)
    return int(con.execute(f"SELECT count(*) FROM l, r WHERE {cond}").fetchall()[0][0])


def test_count_is_exact_for_equality_rules(con: duckdb.DuckDBPyConnection) -> None:
    for rule in [
        BlockingRule("fn", (("fn1", "fn1"),)),
        BlockingRule("fn+sn", (("fn1", "fn1"), ("sn", "sn"))),
        BlockingRule("swap", (("fn1", "sn"),)),
    ]:
        got = con.execute(count_sql("l", "r", rule)).fetchall()[0][0]
        assert got == _brute(con, rule)


def test_exploded_rule_counts_key_overlaps(con: duckdb.DuckDBPyConnection) -> None:
    rule = BlockingRule("keys", (("keys", "keys"),), explode=("keys",))
    got = con.execute(count_sql("l", "r", rule)).fetchall()[0][0]
    brute = con.execute(
        "SELECT count(*) FROM (SELECT unnest(keys) k FROM l) a "
        "JOIN (SELECT unnest(keys) k FROM r) b USING (k)"
    ).fetchall()[0][0]
    assert got == brute > 0


def test_rule_over_the_limit_is_replanned(con: duckdb.DuckDBPyConnection) -> None:
    rule = BlockingRule("same forename", (("fn1", "fn1"),))
    full = _brute(con, rule)
    planned = plan(con, "l", "r", max_comparisons=full - 1, rules=(rule,))
    assert planned[0].replanned_from == "same forename"
    assert planned[0].rule.uses("dob_year")
    assert planned[0].comparisons <= full - 1
    assert planned[0].comparisons == _brute(con, planned[0].rule)


def test_rule_that_cannot_be_tamed_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    rule = BlockingRule("same forename", (("fn1", "fn1"),))
    with pytest.raises(BlockingExplosion, match="same forename"):
        plan(con, "l", "r", max_comparisons=1, rules=(rule,))


def test_rule_under_the_limit_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    rule = BlockingRule("fn+sn", (("fn1", "fn1"), ("sn", "sn")))
    planned = plan(con, "l", "r", max_comparisons=10_000, rules=(rule,))
    assert planned[0].rule == rule
    assert planned[0].replanned_from is None


def test_a_refinement_keeps_the_records_missing_its_key(con: duckdb.DuckDBPyConnection) -> None:
    """Refining "same forename" by birth year must not lose every record without a date of
    birth: a companion rule keeps them, counted exactly, and its Splink rule finds them."""
    from datawash.linkage.blocking import candidate_records_sql

    con.execute("UPDATE r SET dob_year = NULL WHERE unique_id IN ('r2', 'r4')")
    rule = BlockingRule("same forename", (("fn1", "fn1"),))
    planned = plan(con, "l", "r", max_comparisons=_brute(con, rule) - 1, rules=(rule,))
    gap = next(p for p in planned if p.rule.missing == "dob_year")
    assert gap.rule.name == "same forename, dob_year missing"
    assert gap.comparisons == 4  # two people called john x two records without a year
    brute = con.execute(f"SELECT count(*) FROM l, r WHERE {gap.rule.splink_rule()}").fetchall()
    assert brute[0][0] == gap.comparisons
    found = con.execute(candidate_records_sql("l", "r", [p.rule for p in planned])).fetchall()
    assert {"r2", "r4"} <= {row[0] for row in found}
