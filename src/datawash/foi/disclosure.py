"""Disclosure control before anything leaves: small counts shown as "fewer than N" (primary
suppression) and, where a total or another additive relation would let a reader work a
hidden count out, more cells withheld (secondary suppression). The decision - threshold,
which cells, why - is returned to be recorded with the answer.

Written by hand: the statistical disclosure control packages on PyPI (sdcMicro ports, tau-
argus wrappers) target microdata or need Java tools; a count table with a few totals
needs only the rule below, stated where it is applied. The threshold is a setting because
the Upper Tribunal (IC v Miller [2018] UKUT 229 (AAC)) wants a case-by-case test of
identifiability rather than a fixed rule, and the decision says who chose what.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from datawash.stats.tables import Cell, StatTable

WITHHELD = "withheld"


RATES_NOT_GIVEN = "Rates and shares are not given: they would reveal the figures withheld."


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold}"


@dataclass
class DisclosureDecision:
    threshold: int
    applied: bool = True
    primary: list[str] = field(default_factory=list)
    secondary: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def suppressed(self) -> int:
        return len(self.primary) + len(self.secondary)

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "applied": self.applied,
            "primary": self.primary,
            "secondary": self.secondary,
            "reason": self.reason,
        }

    def summary(self) -> str:
        if not self.applied:
            return f"disclosure control not applied: {self.reason}"
        if not self.suppressed:
            return f"no count below {self.threshold}; nothing suppressed"
        return (
            f"{len(self.primary)} count(s) below {self.threshold} shown as "
            f"'{fewer_than(self.threshold)}'; {len(self.secondary)} more withheld so they "
            "cannot be worked out from totals"
        )


def _is_count(value: Cell) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _pinned(
    cells: list[tuple[int, int]],
    hidden: dict[tuple[int, int], str],
    remainder: int,
    threshold: int,
    suppress_zero: bool,
) -> bool:
    """Whether a reader who knows the line's remainder (total minus the visible parts) and
    what "fewer than N" means can work out any hidden cell exactly: each hidden count lies
    in [1, N-1] (from 0 when zeros are hidden too), a withheld one in [0, unbounded); a
    cell whose feasible interval, given the others', closes to one value is given away
    (e.g. two cells shown as "fewer than 5" that must add up to 8 are both 4)."""
    unbounded = 10**12
    low = {c: (0 if suppress_zero else 1) if hidden[c] == "primary" else 0 for c in cells}
    high = {c: threshold - 1 if hidden[c] == "primary" else unbounded for c in cells}
    for c in cells:
        others_low = sum(low[o] for o in cells if o != c)
        others_high = sum(high[o] for o in cells if o != c)
        if max(low[c], remainder - others_high) >= min(high[c], remainder - others_low):
            return True
    return False


def apply_disclosure_control(
    table: StatTable, threshold: int, *, suppress_zero: bool = False
) -> tuple[StatTable, DisclosureDecision]:
    """A copy of ``table`` safe to publish, and the decision taken.

    Primary: a count from 1 to threshold-1 (and 0 if ``suppress_zero``) becomes
    "fewer than N". Secondary, over every line (total, parts) of the table, until nothing
    changes: if a line with a visible total has hidden parts and either only one part is
    hidden, or the hidden parts sum (total minus visible parts) to fewer than N, or any
    hidden part can be worked out exactly from the others' bounds (``_pinned``), hide the
    smallest visible part; when no part is left to hide, hide the total. Totals of distinct
    people are not sums; treating them as sums only ever hides more.
    """
    decision = DisclosureDecision(threshold=threshold)
    values = [list(r) for r in table.rows]
    hidden: dict[tuple[int, int], str] = {}

    def name(cell: tuple[int, int]) -> str:
        r, c = cell
        labels = [str(x) for x in values[r][: table.label_columns] if x not in (None, "")]
        return f"{' / '.join(labels)}: {table.display_columns[c]}"

    for r, row in enumerate(values):
        for c in table.count_columns:
            v = row[c]
            if _is_count(v) and (0 < int(v or 0) < threshold or (suppress_zero and v == 0)):
                hidden[(r, c)] = "primary"
                decision.primary.append(name((r, c)))

    _withhold_until_safe(table, values, hidden, threshold, suppress_zero, decision, name)
    return _published(table, values, hidden, threshold, decision), decision


def withhold_more(
    safe: StatTable, cells: list[tuple[int, int]], threshold: int
) -> tuple[StatTable, list[str]]:
    """``safe`` (already controlled) with ``cells`` withheld too, and as many more as its
    lines then need so that none can be worked out from totals or differences (the same
    secondary rule as apply_disclosure_control); the names of the cells newly withheld."""
    values = [list(r) for r in safe.rows]
    hidden: dict[tuple[int, int], str] = {}
    for r, row in enumerate(values):
        for c in safe.count_columns:
            v = row[c]
            if isinstance(v, str) and v.startswith("fewer than"):
                hidden[(r, c)] = "primary"
            elif v == WITHHELD:
                hidden[(r, c)] = "secondary"
    before = set(hidden)
    decision = DisclosureDecision(threshold=threshold)

    def name(cell: tuple[int, int]) -> str:
        r, c = cell
        labels = [str(x) for x in values[r][: safe.label_columns] if x not in (None, "")]
        return f"{' / '.join(labels)}: {safe.display_columns[c]}"

    for cell in cells:
        if cell not in hidden:
            hidden[cell] = "secondary"
            decision.secondary.append(name(cell))
    _withhold_until_safe(safe, values, hidden, threshold, False, decision, name)
    if set(hidden) == before:
        return safe, []
    rows = [list(r) for r in values]
    for r, c in set(hidden) - before:
        rows[r][c] = WITHHELD
    rows = measures_follow(safe, rows)
    # Rates and shares shown while nothing was hidden would give the withheld figures back.
    notes = list(safe.notes)
    if safe.count_notes and RATES_NOT_GIVEN not in notes:
        notes.append(RATES_NOT_GIVEN)
    note = (
        "Some figures are withheld so that, read beside figures already published, they "
        "do not give away a count withheld."
    )
    if note not in notes:
        notes.append(note)
    return replace(safe, rows=rows, notes=notes, count_notes=[]), decision.secondary


def _withhold_until_safe(
    table: StatTable,
    values: list[list[Cell]],
    hidden: dict[tuple[int, int], str],
    threshold: int,
    suppress_zero: bool,
    decision: DisclosureDecision,
    name: Callable[[tuple[int, int]], str],
) -> None:
    """The secondary rule of apply_disclosure_control, over every line of ``table``, until
    nothing changes; ``hidden`` grows in place."""
    lines = table.all_lines()
    changed = bool(hidden)
    while changed:
        changed = False
        for total, *parts in lines:
            if total in hidden or not _is_count(values[total[0]][total[1]]):
                continue
            hidden_parts = [p for p in parts if p in hidden]
            if not hidden_parts:
                continue
            visible = [p for p in parts if p not in hidden and _is_count(values[p[0]][p[1]])]
            remainder = int(values[total[0]][total[1]] or 0) - sum(
                int(values[p[0]][p[1]] or 0) for p in visible
            )
            if (
                len(hidden_parts) >= 2
                and not 0 < remainder < threshold
                and not _pinned(hidden_parts, hidden, remainder, threshold, suppress_zero)
            ):
                continue
            target = _smallest(visible, values) if visible else total
            hidden[target] = "secondary"
            decision.secondary.append(name(target))
            changed = True
        for bound in table.bounds:
            # "At most the sum of" read beside the lines can narrow a small count either way:
            # a hidden cell capped by the cells bounding it (finished 41 = 25 + fewer than 5
            # + referred, referred at most 13: the small one is 3 or 4), or hidden bounding
            # cells given a floor by the cell they bound (referred 7, two referrals fewer
            # than 5: each is 3 or 4). Withhold until the bound adds nothing: the capped cell
            # if shown, else the smallest bounding cell shown, else the smallest shown cell of
            # a line through the capped one.
            if not _bound_narrows(lines, bound, values, hidden, threshold, suppress_zero):
                continue
            capped, *bounding = bound
            through = [c for line in lines if capped in line for c in line]
            for group in ([capped], bounding, through):
                shown = [c for c in group if c not in hidden and _is_count(values[c[0]][c[1]])]
                if shown:
                    target = _smallest(shown, values)
                    hidden[target] = "secondary"
                    decision.secondary.append(name(target))
                    changed = True
                    break


def _bound_narrows(
    lines: list[list[tuple[int, int]]],
    bound: list[tuple[int, int]],
    values: list[list[Cell]],
    hidden: dict[tuple[int, int], str],
    threshold: int,
    suppress_zero: bool,
) -> bool:
    """Whether, beside the table's lines (as sums), ``bound`` (cell <= sum of the others)
    narrows what a reader can prove of some hidden small count; a bound the figures
    contradict counts as narrowing (fail closed). Linear programmes over the hidden cells
    (a handful: tables with bounds are short)."""
    import numpy as np  # here, not at the top: the CLI imports this module on every command
    from scipy.optimize import linprog

    cells = sorted(hidden)
    if not cells:
        return False
    index = {c: i for i, c in enumerate(cells)}

    def relation(terms: list[tuple[tuple[int, int], int]]) -> tuple[Any, float] | None:
        row, known = np.zeros(len(cells)), 0.0
        for cell, sign in terms:
            if cell in index:
                row[index[cell]] += sign
            elif _is_count(values[cell[0]][cell[1]]):
                known += sign * int(values[cell[0]][cell[1]] or 0)
            else:
                return None  # "not applicable": no relation to read
        return row, known

    eq = [r for total, *parts in lines
          if (r := relation([(total, 1), *[(p, -1) for p in parts]])) and r[0].any()]  # fmt: skip
    capped, *bounding = bound
    ub = relation([(capped, 1), *[(b, -1) for b in bounding]])
    if ub is None or not ub[0].any():
        return False
    low = 0 if suppress_zero else 1
    box = [(low, threshold - 1) if hidden[c] == "primary" else (0, None) for c in cells]

    def ranges(with_bound: bool) -> list[tuple[float, float]] | None:
        a_ub = np.array([ub[0]]) if with_bound else None
        b_ub = np.array([-ub[1]]) if with_bound else None
        a_eq = np.array([r for r, _k in eq]) if eq else None
        b_eq = np.array([-k for _r, k in eq]) if eq else None
        out = []
        for i, c in enumerate(cells):
            if hidden[c] != "primary":
                continue
            ends = []
            for sign in (1.0, -1.0):
                goal = np.zeros(len(cells))
                goal[i] = sign
                res = linprog(goal, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=box)
                if res.status != 0:
                    return None
                ends.append(sign * res.fun)
            out.append((ends[0], ends[1]))
        return out

    without = ranges(False)
    if without is None:  # the lines alone cannot hold as sums: people, not sums
        return False
    with_bound = ranges(True)
    if with_bound is None:
        return True
    return any(w[0] > o[0] + 1e-6 or w[1] < o[1] - 1e-6
               for w, o in zip(with_bound, without, strict=True))  # fmt: skip


def _smallest(cells: list[tuple[int, int]], values: list[list[Cell]]) -> tuple[int, int]:
    """The cell to withhold next: the smallest count, zeros last (a zero hides nothing)."""
    return min(cells, key=lambda p: (int(values[p[0]][p[1]] or 0) == 0, values[p[0]][p[1]]))


def _published(
    table: StatTable,
    values: list[list[Cell]],
    hidden: dict[tuple[int, int], str],
    threshold: int,
    decision: DisclosureDecision,
) -> StatTable:
    out_rows: list[list[Cell]] = [list(r) for r in values]
    for (r, c), kind in hidden.items():
        out_rows[r][c] = fewer_than(threshold) if kind == "primary" else WITHHELD
    notes = list(table.notes)
    if hidden and table.count_notes:
        notes.append(RATES_NOT_GIVEN)
    if decision.primary:
        notes.append(
            f"Counts from 1 to {threshold - 1} are shown as '{fewer_than(threshold)}' so that no "
            "individual can be identified (FOIA s40(2))."
        )
    if decision.secondary:
        notes.append(
            "Some other figures are withheld so that those counts cannot be worked out from "
            "totals or differences."
        )
    safe = replace(
        table,
        rows=measures_follow(table, out_rows),
        parameters=dict(table.parameters),
        notes=notes,
        lines=[list(line) for line in table.lines],
        bounds=[list(b) for b in table.bounds],
        headings=list(table.headings),
        # Shown after the notes while nothing is withheld (withhold_more drops them later).
        count_notes=[] if hidden else list(table.count_notes),
    )
    return safe


def measures_follow(table: StatTable, rows: list[list[Cell]]) -> list[list[Cell]]:
    """Each measure (the mean days of the cases counted beside it) shown only where its
    count is: of fewer than N records, or of a count withheld, a mean or a median would say
    something of the few records behind it, so it is withheld too. A share (a percentage of
    the row's "all" row) also only where that total is: a part and its share give the
    total."""
    out = [list(r) for r in rows]
    total_of = table.line_totals
    for m, c in table.measures:
        for k, row in enumerate(out):
            of_total = m in table.shares and k in total_of
            if not _is_count(row[c]) or (of_total and not _is_count(out[total_of[k]][c])):
                row[m] = WITHHELD
    return out


# Words for the counts a text may state in words (a threshold above 20 is checked in digits).
_NUMBER_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
# What a count in an FOI answer counts: people and their cases. Written here: no library
# reads counts of people out of English text, and a small list of the register's own nouns
# is what an FOI officer writes ("two officers were dismissed", "3 allegations", "two
# sergeants", "both men").
_COUNTED = (
    r"(?:police\s+)?(?:officers?|constables?|members?\s+of\s+(?:police\s+)?staff|staff|"
    r"employees?|people|persons?|individuals?|specials?|special\s+constables?|volunteers?|"
    r"(?:chief\s+)?(?:inspectors?|superintendents?)|sergeants?|detectives?|pcs|pcsos?|"
    r"dcs|dss|probationers?|recruits?|trainees?|colleagues?|men|women|males?|females?|"
    r"victims?|complainants?|"
    r"cases?|allegations?|complaints?|investigations?|referrals?|dismissals?)"
)

# Words that stand for a count: "a single officer", "both officers", "a couple of cases".
# Not "single" or "sole" alone ("single women" is not a count).
_COUNT_WORDS = {
    "a single": 1,
    "a sole": 1,
    "a lone": 1,
    "the only": 1,
    "the sole": 1,
    "both": 2,
    "a couple of": 2,
    "a pair of": 2,
}
# Nouns of several people: after a word meaning one ("the only officers dismissed were...")
# they are not a count of one.
_PLURAL = re.compile(r"(?:[^s]s|people|men|women|staff)$", re.IGNORECASE)


# Words that may stand between a number and what it counts ("two serving police officers").
_QUALIFIERS = (
    r"(?:serving|former|police|male|female|more|further|other|separate|different|new|"
    r"uniformed|sworn|civilian|additional|individual|of|the|these|those|our|its|such|"
    r"detective|acting|temporary|student|trainee|probationary|senior|junior)"
)


# Words before a number that names a part of something, not a count.
_NUMBERED = frozenset(
    {
        "schedule",
        "section",
        "part",
        "table",
        "question",
        "paragraph",
        "annex",
        "appendix",
        "chapter",
        "regulation",
        "article",
        "page",
        "figure",
        "item",
        "rule",
    }
)


def _count_value(word: str) -> int:
    value = " ".join(word.lower().split())
    if value.isdigit():
        return int(value)
    if value in _COUNT_WORDS:
        return _COUNT_WORDS[value]
    return _NUMBER_WORDS.index(value) + 1


# A bound before a number: "more than one allegation", "at least one officer"; with "no" or
# "not" before it, the other way ("no more than one": at most one).
_BOUND = re.compile(
    r"(?:\b(no|not)\s+)?\b(more\s+than|at\s+least|fewer\s+than|less\s+than)\s*$",
    re.IGNORECASE,
)
# Where one sentence ends: a second bound in it could close the range the first leaves open
# ("more than one and fewer than three").
_SENTENCE_END = re.compile(r"[.;:!?\n]")


def _leaves_open(text: str, start: int, end: int, value: int, threshold: int) -> bool:
    """Whether the number at text[start:end] is a bound that leaves at least two of the
    counts a table hides (1 to threshold-1) possible, and is the only number of its
    sentence: "officers with more than one allegation" counts officers, and "more than one
    officer" beside a "fewer than 5" still leaves 2, 3 or 4. A bound that leaves one ("more
    than three officers", "no more than one officer"), or two bounds together, state it."""
    bound = _BOUND.search(text[:start])
    if bound is None:
        return False
    word = " ".join(bound.group(2).lower().split())
    if bound.group(1):  # "no more than" is at most, "not fewer than" at least
        word = {"more than": "at most", "at least": "fewer than",
                "fewer than": "at least", "less than": "at least"}[word]  # fmt: skip
    if word == "more than":
        possible = threshold - 1 - value
    elif word == "at least":
        possible = threshold - value
    elif word == "at most":
        possible = value
    else:  # fewer than, less than
        possible = value - 1
    if possible < 2:
        return False
    begins = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    ends = next((m.start() for m in _SENTENCE_END.finditer(text, end)), len(text))
    sentence = text[begins:start] + text[end:ends]
    return not re.search(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|both|"
        r"single|couple)\b",
        sentence,
        re.IGNORECASE,
    )


def small_counts_in_text(text: str, threshold: int) -> list[str]:
    """The phrases of ``text`` that state a count from 1 to threshold-1 of people or cases
    ("two officers", "3 allegations", "one member of staff", "both sergeants", "a single
    officer", "officers dismissed: 2"): what the tables would show as "fewer than N" must
    not be written out beside them. Numbers that count anything else (dates, times,
    sections, days, proportions) are not read."""
    words = "|".join(_NUMBER_WORDS[: max(0, min(threshold - 1, len(_NUMBER_WORDS)))])
    phrases = "|".join(w.replace(" ", r"\s+") for w, n in _COUNT_WORDS.items() if n < threshold)
    # Not part of a larger number (3,004; 0.3; 1-4; 01/04/2020; 10:04), a date (1 April
    # 2020; 3rd May), a percentage (3%, 3 per cent) or a proportion (1 in 5).
    digits = (
        r"(?<![\d.,:/-])\b(\d+)\b(?![.,:/-]?\d)"
        r"(?!\s*(?:%|st\b|nd\b|rd\b|th\b|per\s*cent\b|percent\b|in\s+\d|out\s+of\b))"
        r"(?!\s+(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b)"
    )
    spelt = "|".join(x for x in (words, phrases) if x)
    number = rf"(?:{digits}|\b({spelt})\b)" if spelt else digits
    found: list[tuple[int, int, str]] = []
    before_noun = rf"{number}\s+(?:{_QUALIFIERS}\s+){{0,3}}({_COUNTED})\b"
    for m in re.finditer(before_noun, text, flags=re.IGNORECASE):
        before = text[: m.start()].split()
        if before and before[-1].lower().strip("(") in _NUMBERED:
            continue  # "Schedule 3 complaints", "section 2 cases": a number of a part
        said = m.group(1) or m.group(2)
        value = _count_value(said)
        if m.group(2) and " ".join(said.lower().split()) in _COUNT_WORDS:
            noun = m.group(3)
            if value == 1 and _PLURAL.search(noun) and "member" not in noun.lower():
                continue  # "the only officers dismissed were ...": not one
            if value == 2 and re.match(r"\s+(?:and|or)\b", text[m.end() :], re.IGNORECASE):
                continue  # "both officers and staff": the two kinds, not two people
        if 0 < value < threshold and not _leaves_open(text, m.start(), m.end(), value, threshold):
            found.append((m.start(), m.end(), " ".join(m.group(0).split())))
    # A label and its figure: "Officers dismissed: 2", "Number of sergeants = 3"; the label
    # in words, the figure in digits or number words.
    figure = rf"(?:{digits}|\b({words})\b)" if words else digits
    labelled = rf"\b{_COUNTED}\b(?:\s+[A-Za-z'-]+){{0,4}}\s*(?<!\d)[:=]\s*{figure}"
    for m in re.finditer(labelled, text, flags=re.IGNORECASE):
        if 0 < _count_value(m.group(1) or m.group(2)) < threshold:
            found.append((m.start(), m.end(), " ".join(m.group(0).split())))
    # Each stretch of text once ("Officers: 2 officers" is one statement).
    kept: list[tuple[int, int, str]] = []
    for start, end, phrase in sorted(found):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, phrase))
    return [phrase for _, _, phrase in kept]


def disclose_count(value: int, threshold: int) -> str:
    """One count in running text, under the same rule as a table cell."""
    return fewer_than(threshold) if 0 < value < threshold else f"{value:,}"
