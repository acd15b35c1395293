"""Generate a realistic synthetic force, national extract, events and misconduct register.

Everything is drawn from a seeded numpy Generator, so a seed gives the same files byte for
byte. Background people are drawn in vectorised chunks (10,000,000 records fit in a few
GB); the workforce, its true records and the hard negatives are few enough for Python.

The linkage is judged on this data, so it is built to be hard and honest: the name tables,
short forms and transliterations here are the generator's own (synth/data), not the
matcher's, and true records carry the perturbations other agencies really introduce.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from nicknames import name_triplets

from datawash.errors import InputError
from datawash.ingest.schema import ALLEGATIONS

Progress = Callable[[str, float], None]
CHUNK = 1_000_000
TODAY = date(2025, 3, 31)

ORIGIN_SHARES = {
    "english": 0.70,
    "irish": 0.05,
    "south_asian": 0.15,
    "polish": 0.04,
    "caribbean_african": 0.04,
    "chinese": 0.02,
}
ROLE_SHARES = {"officer": 0.55, "staff": 0.38, "special": 0.05, "volunteer": 0.02}
STREET_WORDS = (
    "Church",
    "Park",
    "Victoria",
    "Station",
    "Mill",
    "Green",
    "Queens",
    "Kings",
    "Albert",
    "School",
    "Grove",
    "Manor",
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Willow",
    "Cedar",
    "Maple",
    "Holly",
    "Hawthorn",
    "Meadow",
    "Brook",
    "Orchard",
    "Spring",
    "Hill",
    "Windsor",
    "York",
    "Warwick",
    "Stafford",
    "Dudley",
    "Coventry",
    "Birmingham",
    "Lichfield",
    "Tamworth",
    "Lodge",
    "Farm",
    "Court",
    "Chapel",
    "Bridge",
    "Castle",
    "Abbey",
    "Priory",
    "Vicarage",
    "Rectory",
    "Forge",
    "Tannery",
    "Canal",
)
STREET_TYPES = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Crescent", "Grove", "Way")
EVENT_TYPES = ("crime", "intelligence", "custody", "incident", "conviction", "caution")
INTEGRITY_ROLES = ("suspect", "offender", "accused", "arrested")
OTHER_ROLES = ("victim", "witness", "informant", "associate")


def _table(name: str) -> list[dict[str, str]]:
    text = files("datawash.synth").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


ENGLISH_PARTS = (
    "ash black brad brook cald craw cross dal fair ford green hart hay hol kings lang "
    "lock marsh mid new north oak pen ray red rock rush sal shep south stan stock sut thorn "
    "wake wal west whit wind wood york bar brom chad dun hurst",
    "ley ton field worth ford ham wood by well more bridge shaw cliffe dale hurst stone "
    "combe well wick land den brook croft",
)
POLISH_PARTS = (
    "kowal nowa wis woj kam lewan ziel szyman woz dab koz jank mazur kwiat kraw piotr grab "
    "paw mich now adam dud zaj wiecz jabl maj olsz sob bor pietr cz",
    "ski czyk wicz ak ek owski iak ewski",
)
IRISH_PARTS = (
    "mc o",
    "carthy gowan kenna namara guire loughlin sweeney donnell grath mahon bride garry "
    "hale leary neill rourke sullivan dwyer keeffe brien riordan",
)


def _composed(parts: tuple[str, str]) -> list[str]:
    return sorted({a + b for a in parts[0].split() for b in parts[1].split()})


def _with_tail(
    items: list[tuple[str, float]], tail: list[str], *, share: float
) -> list[tuple[str, float]]:
    known = {n for n, _ in items}
    tail = [t for t in tail if t not in known]
    head_total = sum(w for _, w in items)
    ranks = np.arange(1, len(tail) + 1, dtype=float) ** -0.6
    scale = head_total * share / (1 - share) / ranks.sum()
    return items + [(t, float(r * scale)) for t, r in zip(tail, ranks, strict=True)]


@dataclass
class Pools:
    """Name and place tables as arrays with normalised weights."""

    forenames: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    surnames: dict[str, tuple[np.ndarray, np.ndarray]]
    variants: dict[str, list[tuple[str, str]]]
    towns: list[dict[str, str]]
    town_weights: np.ndarray
    offences: list[dict[str, str]]

    @classmethod
    def load(cls) -> Pools:
        fn: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for row in _table("forenames.csv"):
            fn.setdefault((row["origin"], row["gender"]), []).append(
                (row["name"], float(row["weight"]))
            )
        sn: dict[str, list[tuple[str, float]]] = {}
        for row in _table("surnames.csv"):
            sn.setdefault(row["origin"], []).append((row["name"], float(row["weight"])))
        variants: dict[str, list[tuple[str, str]]] = {}
        for row in _table("variants.csv"):
            variants.setdefault(row["name"], []).append((row["variant"], row["kind"]))
        towns = _table("places.csv")
        tw = np.array([float(t["weight"]) for t in towns])

        def arr(items: list[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
            names = np.array([n for n, _ in items], dtype=object)
            w = np.array([x for _, x in items], dtype=float) ** 1.1  # skew: Zipf-like
            return names, w / w.sum()

        # Real surname distributions have a long tail (the 340 listed names cover well
        # under half of the population): compose rarer English and Polish surnames and
        # give them the remaining mass with a Zipf tail.
        # Forenames too: the formal names of the `nicknames` package (used here only as a
        # list of plausible given names, split between the sexes by a stable hash).
        given = sorted(
            {t.name1.strip().lower() for t in name_triplets() if len(t.name1.strip()) >= 4}
        )
        for g, parity in (("M", 0), ("F", 1)):
            tail = [n for n in given if sum(map(ord, n)) % 2 == parity]
            fn[("english", g)] = _with_tail(fn[("english", g)], tail, share=0.35)
        sn["english"] = _with_tail(sn["english"], _composed(ENGLISH_PARTS), share=0.55)
        sn["polish"] = _with_tail(sn["polish"], _composed(POLISH_PARTS), share=0.4)
        sn["irish"] = _with_tail(sn["irish"], _composed(IRISH_PARTS), share=0.3)

        return cls(
            forenames={k: arr(v) for k, v in fn.items()},
            surnames={k: arr(v) for k, v in sn.items()},
            variants=variants,
            towns=towns,
            town_weights=tw / tw.sum(),
            offences=_table("offences.csv"),
        )


@dataclass
class SynthSummary:
    people: int = 0
    records: int = 0
    true_pairs: int = 0
    people_with_records: int = 0
    hard_negatives: dict[str, int] = field(default_factory=dict)
    events: int = 0
    cases: int = 0
    allegations: int = 0
    exact_share: float = 0.0
    paths: dict[str, Path] = field(default_factory=dict)


def _title(name: str) -> str:
    if name.startswith(("mc", "o")) and name in {"obrien", "oconnor", "oneill", "odonnell"}:
        return "O'" + name[1:].capitalize()
    if name.startswith("mc") and len(name) > 3:
        return "Mc" + name[2:].capitalize()
    return "-".join(p.capitalize() for p in name.split("-"))


class _Population:
    """Vectorised draws of people from the name, date and place tables."""

    def __init__(self, pools: Pools, rng: np.random.Generator) -> None:
        self.pools = pools
        self.rng = rng

    def draw(self, n: int, *, born_from: int = 1935, born_to: int = 2006) -> dict[str, np.ndarray]:
        rng, pools = self.rng, self.pools
        origins = np.array(list(ORIGIN_SHARES), dtype=object)
        origin = rng.choice(origins, n, p=np.array(list(ORIGIN_SHARES.values())))
        gender = rng.choice(np.array(["M", "F"], dtype=object), n)
        first = np.empty(n, dtype=object)
        middle = np.empty(n, dtype=object)
        surname = np.empty(n, dtype=object)
        for o in ORIGIN_SHARES:
            in_o = origin == o
            for g in ("M", "F"):
                idx = np.flatnonzero(in_o & (gender == g))
                if idx.size == 0:
                    continue
                names, w = pools.forenames[(o, g)]
                first[idx] = rng.choice(names, idx.size, p=w)
                middle[idx] = rng.choice(names, idx.size, p=w)
            idx = np.flatnonzero(in_o)
            names, w = pools.surnames[o]
            surname[idx] = rng.choice(names, idx.size, p=w)
        has_middle = rng.random(n) < 0.5
        middle[~has_middle | (middle == first)] = None
        double = (origin == "english") & (rng.random(n) < 0.03)
        if double.any():
            names, w = pools.surnames["english"]
            second = rng.choice(names, int(double.sum()), p=w)
            surname[double] = [f"{a}-{b}" for a, b in zip(surname[double], second, strict=True)]
        start = date(born_from, 1, 1).toordinal()
        end = date(born_to, 12, 31).toordinal()
        dob = rng.integers(start, end, n)
        address, postcode = self.addresses(n)
        return {
            "origin": origin,
            "gender": gender,
            "first": first,
            "middle": middle,
            "surname": surname,
            "dob": dob,
            "address": address,
            "postcode": postcode,
        }

    def addresses(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        rng, pools = self.rng, self.pools
        t = rng.choice(len(pools.towns), n, p=pools.town_weights)
        towns = np.array([p["town"] for p in pools.towns], dtype=object)[t]
        areas = np.array([p["area"] for p in pools.towns], dtype=object)[t]
        lo = np.array([int(p["district_from"]) for p in pools.towns])[t]
        hi = np.array([int(p["district_to"]) for p in pools.towns])[t]
        district = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
        sector = rng.integers(1, 10, n)
        letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)
        unit = rng.choice(letters, n) + rng.choice(letters, n)
        number = rng.integers(1, 250, n).astype(str).astype(object)
        street = (
            rng.choice(np.array(STREET_WORDS, dtype=object), n)
            + " "
            + rng.choice(np.array(STREET_TYPES, dtype=object), n)
        )
        address = number + " " + street + ", " + towns
        postcode = (
            areas
            + district.astype(str).astype(object)
            + " "
            + sector.astype(str).astype(object)
            + unit
        )
        return address, postcode


def _iso(ordinal: int | None) -> str | None:
    return None if ordinal is None else date.fromordinal(int(ordinal)).isoformat()


class _Keyer:
    """Perturbs a person's details the way another agency would key them."""

    def __init__(self, pools: Pools, rng: np.random.Generator, population: _Population) -> None:
        self.pools, self.rng, self.population = pools, rng, population

    def typo(self, name: str) -> str:
        if len(name) < 4:
            return name
        rng = self.rng
        i = int(rng.integers(1, len(name) - 1))
        kind = int(rng.integers(0, 4))
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
        if kind == 0:
            return name[:i] + letter + name[i + 1 :]
        if kind == 1:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        if kind == 2:
            return name[:i] + name[i + 1 :]
        return name[:i] + letter + name[i:]

    def variant(self, name: str, kind: str) -> str | None:
        options = [v for v, k in self.pools.variants.get(name, []) if k == kind]
        if not options:
            # short forms in the other direction: record has the formal name
            if kind == "nickname":
                back = [n for n, vs in self.pools.variants.items() if (name, "nickname") in vs]
                if back:
                    return back[int(self.rng.integers(0, len(back)))]
            return None
        return options[int(self.rng.integers(0, len(options)))]

    def record(self, p: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        rng = self.rng
        phen: list[str] = []
        first, middle, surname = p["first"], p["middle"], p["surname"]
        # Which forenames the agency keyed.
        forenames = [first] + ([middle] if middle and rng.random() < 0.5 else [])
        if rng.random() < 0.17:
            v = self.variant(first, "nickname")
            if v:
                forenames[0] = v
                phen.append("nickname")
        if "nickname" not in phen and rng.random() < 0.6:
            v = self.variant(first, "translit")
            if v:
                forenames[0] = v
                phen.append("transliteration")
        if middle and rng.random() < 0.07:
            forenames = [middle]
            phen.append("middle_name_first")
        rec_surname = surname
        aliases: list[str] = []
        if p.get("previous") and rng.random() < 0.55:
            rec_surname = p["previous"]
            phen.append("previous_surname")
            if rng.random() < 0.4:
                aliases.append(f"{_title(first)} {_title(surname)}")
                phen.append("alias")
        elif "-" in surname and rng.random() < 0.5:
            rec_surname = surname.split("-")[int(rng.integers(0, 2))]
            phen.append("double_barrel_half")
        elif rng.random() < 0.5:
            v = self.variant(surname, "translit")
            if v:
                rec_surname = v
                phen.append("transliteration")
        if rng.random() < 0.07:
            forenames[0] = self.typo(forenames[0])
            phen.append("typo_forename")
        if rng.random() < 0.07:
            rec_surname = self.typo(rec_surname)
            phen.append("typo_surname")
        fn_text = " ".join(_title(f) for f in forenames)
        sn_text = _title(rec_surname)
        if rng.random() < 0.03:
            fn_text, sn_text = _title(rec_surname), _title(forenames[0])
            phen.append("names_swapped")
        d = date.fromordinal(int(p["dob"]))
        dob: date | None = d
        u = rng.random()
        if u < 0.06 and d.day <= 12 and d.day != d.month:
            dob = date(d.year, d.day, d.month)
            phen.append("dob_day_month_swapped")
        elif u < 0.11:
            dob = _digit_off(d, rng)
            phen.append("dob_one_digit_off")
        elif u < 0.16:
            dob = None
            phen.append("dob_missing")
        elif u < 0.20:
            dob = date(d.year, 1, 1)
            phen.append("dob_1_january")
        address, postcode = p["address"], p["postcode"]
        if rng.random() < 0.45:
            a, pc = self.population.addresses(1)
            address, postcode = a[0], pc[0]
            phen.append("moved_address")
        if rng.random() < 0.15:
            postcode = None
            phen.append("missing_postcode")
        gender: str | None = p["gender"]
        if rng.random() < 0.1:
            gender = None
        if not phen:
            phen.append("exact")
        return {
            "forenames": fn_text,
            "surname": sn_text,
            "aliases": ";".join(aliases) or None,
            "date_of_birth": dob.isoformat() if dob else None,
            "gender": gender,
            "address": address,
            "postcode": postcode,
        }, phen


def _digit_off(d: date, rng: np.random.Generator) -> date:
    text = d.isoformat()
    for _ in range(20):
        pos = int(rng.choice([2, 3, 5, 6, 8, 9]))
        digit = str(int(rng.integers(0, 10)))
        if digit == text[pos]:
            continue
        cand = text[:pos] + digit + text[pos + 1 :]
        try:
            out = date.fromisoformat(cand)
        except ValueError:
            continue
        if out < TODAY:
            return out
    return d + timedelta(days=1)


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def _cols(rows: list[dict[str, Any]], names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([r.get(n) for r in rows], pa.string()) for n in names})


RECORD_COLUMNS = [
    "record_id",
    "forenames",
    "surname",
    "aliases",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
]
WORKFORCE_COLUMNS = [
    "person_id",
    "role",
    "forenames",
    "surname",
    "previous_surnames",
    "date_of_birth",
    "gender",
    "address",
    "postcode",
    "collar_number",
    "department",
    "start_date",
    "vetting_level",
]
EVENT_COLUMNS = [
    "event_id",
    "record_id",
    "event_type",
    "role",
    "offence_code",
    "offence_description",
    "domestic_abuse",
    "event_date",
]


SYNTH_MARKER = ".datawash-synth"
SYNTH_FILES = (
    "workforce.csv", "workforce.parquet", "records.csv", "records.parquet", "events.csv",
    "events.parquet", "truth.csv", "hard_negatives.csv", "cases.csv", "allegations.csv",
)  # fmt: skip


def _prepare_out_dir(out_dir: Path) -> None:
    """Synthetic files go into a new or empty folder, or one an earlier synth marked: never
    over real exports that share their names. Links where the files go are removed, not
    followed."""
    if out_dir.is_symlink():
        raise InputError(f"{out_dir} is a link: give synth a real folder")
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / SYNTH_MARKER).exists():
        raise InputError(
            f"{out_dir} already holds files: synthetic data goes into a new or empty folder"
        )
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in SYNTH_FILES:
        if (out_dir / name).is_symlink():
            (out_dir / name).unlink()
    (out_dir / SYNTH_MARKER).write_text("made by `datawash synth`; a later synth may replace it\n")


def generate(
    out_dir: Path,
    *,
    workforce: int = 12225,
    records: int = 1_000_000,
    seed: int = 42,
    fmt: str = "csv",
    with_events: bool = True,
    with_register: bool = True,
    progress: Progress | None = None,
) -> SynthSummary:
    """Write workforce, records, events, truth, hard negatives (and register) to out_dir."""
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be csv or parquet")
    if (out_dir / "datawash.sqlite").exists():
        # Synthetic files beside a live database invite importing them into it.
        raise InputError(
            f"{out_dir} is a datawash data directory (it holds a database): synthetic data "
            "goes into a folder of its own"
        )
    _prepare_out_dir(out_dir)
    step = progress or (lambda _s, _f: None)
    rng = np.random.default_rng(seed)
    pools = Pools.load()
    population = _Population(pools, rng)
    keyer = _Keyer(pools, rng, population)
    summary = SynthSummary(people=workforce)
    step("synth", 0.0)

    # The workforce.
    w = population.draw(workforce, born_from=1960, born_to=2006)
    people: list[dict[str, Any]] = []
    roles = rng.choice(
        np.array(list(ROLE_SHARES), dtype=object), workforce, p=np.array(list(ROLE_SHARES.values()))
    )
    for i in range(workforce):
        p = {k: w[k][i] for k in w}
        p["person_id"] = f"P{100000 + i}"
        p["previous"] = None
        age = TODAY.year - date.fromordinal(int(p["dob"])).year
        if p["gender"] == "F" and age > 25 and rng.random() < 0.35:
            # married: HR holds the married surname, the birth surname is "previous"
            p["previous"] = p["surname"]
            p["surname"] = population.draw(1)["surname"][0]
        people.append(p)
    wf_rows = []
    for p, role in zip(people, roles, strict=True):
        wf_rows.append(
            {
                "person_id": p["person_id"],
                "role": role,
                "forenames": " ".join(_title(x) for x in (p["first"], p["middle"]) if x),
                "surname": _title(p["surname"]),
                "previous_surnames": _title(p["previous"]) if p["previous"] else None,
                "date_of_birth": _iso(p["dob"]),
                "gender": p["gender"],
                "address": p["address"],
                "postcode": p["postcode"],
                "collar_number": str(1000 + int(rng.integers(0, 9000)))
                if role in ("officer", "special")
                else None,
                "department": str(
                    rng.choice(
                        [
                            "Response",
                            "CID",
                            "Neighbourhood",
                            "Contact",
                            "HR",
                            "Finance",
                            "Custody",
                            "PSD",
                        ]
                    )
                ),
                "start_date": _iso(int(p["dob"]) + int(rng.integers(18 * 365, 40 * 365))),
                "vetting_level": str(rng.choice(["RV", "MV", "NPPV2", "NPPV3"])),
            }
        )
    for row in wf_rows:  # a start date cannot be in the future
        if row["start_date"] and row["start_date"] > TODAY.isoformat():
            row["start_date"] = TODAY.isoformat()

    # True records and hard negatives.
    special: list[dict[str, Any]] = []
    truth: list[tuple[str, int, str]] = []
    hard: list[tuple[str, int, str]] = []
    in_extract = rng.random(workforce) < 0.25
    for idx in np.flatnonzero(in_extract):
        p = people[int(idx)]
        for _ in range(int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))):
            rec, phen = keyer.record(p)
            special.append(rec)
            truth.append((p["person_id"], len(special) - 1, ";".join(phen)))
    kinds = rng.random(workforce)
    for i in range(workforce):
        p = people[i]
        k = kinds[i]
        if k < 0.04:  # relatives at the same address
            rel = population.draw(2)
            for j, years in enumerate((int(rng.integers(-6, 7)), int(rng.integers(20, 36)))):
                g = "F" if p["gender"] == "M" else "M"
                first = (
                    rel["first"][j] if rel["first"][j] != p["first"] else rel["middle"][j] or "alex"
                )
                special.append(
                    {
                        "forenames": _title(first),
                        "surname": _title(p["surname"]),
                        "aliases": None,
                        "date_of_birth": _iso(
                            min(
                                int(p["dob"]) + years * 365 + int(rng.integers(0, 300)),
                                TODAY.toordinal() - 400,
                            )
                        ),
                        "gender": g if j == 0 else rel["gender"][j],
                        "address": p["address"],
                        "postcode": p["postcode"],
                    }
                )
                hard.append((p["person_id"], len(special) - 1, "relative_same_address"))
        elif k < 0.065:  # a parent or child with the same name at the same address
            gap = int(rng.integers(18, 41)) * 365 + int(rng.integers(0, 300))
            dob = int(p["dob"]) - gap if rng.random() < 0.6 else int(p["dob"]) + gap
            if dob >= TODAY.toordinal() - 365:
                dob = int(p["dob"]) - gap
            special.append(
                {
                    "forenames": _title(p["first"]),
                    "surname": _title(p["surname"]),
                    "aliases": None,
                    "date_of_birth": _iso(dob),
                    "gender": p["gender"],
                    "address": p["address"],
                    "postcode": p["postcode"],
                }
            )
            hard.append((p["person_id"], len(special) - 1, "same_name_parent_or_child"))
        elif k < 0.09:  # a namesake born the same year, elsewhere
            d = date.fromordinal(int(p["dob"]))
            other = date(d.year, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            if other == d:
                other = date(d.year, d.month % 12 + 1, min(d.day, 28))
            a, pc = population.addresses(1)
            special.append(
                {
                    "forenames": _title(p["first"]),
                    "surname": _title(p["surname"]),
                    "aliases": None,
                    "date_of_birth": other.isoformat(),
                    "gender": p["gender"],
                    "address": a[0],
                    "postcode": pc[0],
                }
            )
            hard.append((p["person_id"], len(special) - 1, "namesake_same_year"))
    step("synth", 0.2)

    n_background = max(records - len(special), 0)
    total = len(special) + n_background
    ids = rng.permutation(total) + 100_000_000
    record_ids = np.array([f"R{x}" for x in ids], dtype=object)
    suffix = fmt
    rec_path = out_dir / f"records.{suffix}"
    ev_rows_all: list[pa.Table] = []
    # Chunk 0: the special records (shuffled into the file) plus background.
    written = 0
    n_events: int = 0
    writer_csv = None
    writer_pq = None
    order = rng.permutation(len(special))
    special_tbl = _cols([{**special[j], "record_id": record_ids[j]} for j in order], RECORD_COLUMNS)
    chunks: list[pa.Table] = [special_tbl]
    remaining = n_background
    offset = len(special)
    while True:
        tbl = chunks.pop(0) if chunks else None
        if tbl is None:
            if remaining <= 0:
                break
            n = min(CHUNK, remaining)
            tbl = _background(population, rng, record_ids[offset : offset + n])
            offset += n
            remaining -= n
        if with_events:
            ids_chunk = tbl.column("record_id").to_numpy(zero_copy_only=False)
            ev = _events(rng, pools, ids_chunk, n_events)
            n_events += ev.num_rows
            ev_rows_all.append(ev)
        if fmt == "parquet":
            if writer_pq is None:
                writer_pq = pq.ParquetWriter(rec_path, tbl.schema)
            writer_pq.write_table(tbl)
        else:
            if writer_csv is None:
                writer_csv = pacsv.CSVWriter(
                    rec_path, tbl.schema, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            writer_csv.write_table(tbl)
        written += tbl.num_rows
        step("synth", 0.2 + 0.7 * written / max(total, 1))
    if writer_pq is not None:
        writer_pq.close()
    if writer_csv is not None:
        writer_csv.close()

    _write(_cols(wf_rows, WORKFORCE_COLUMNS), out_dir / f"workforce.{suffix}", fmt)
    if with_events:
        events = pa.concat_tables(ev_rows_all) if ev_rows_all else _cols([], EVENT_COLUMNS)
        _write(events, out_dir / f"events.{suffix}", fmt)
        summary.events = events.num_rows
        summary.paths["events"] = out_dir / f"events.{suffix}"
    with (out_dir / "truth.csv").open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["person_id", "record_id", "phenomena"])
        for pid, j, phen_text in truth:
            wr.writerow([pid, record_ids[j], phen_text])
    with (out_dir / "hard_negatives.csv").open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["person_id", "record_id", "kind"])
        for pid, j, kind in hard:
            wr.writerow([pid, record_ids[j], kind])
    if with_register:
        n_cases, n_alleg = _register(
            out_dir, rng, [p["person_id"] for p in people], roles,
            {p["person_id"]: p["gender"] for p in people},
        )  # fmt: skip
        summary.cases, summary.allegations = n_cases, n_alleg
    step("synth", 1.0)

    by_id = {p["person_id"]: r for p, r in zip(people, wf_rows, strict=True)}
    exact = sum(
        1
        for pid, j, _ in truth
        if special[j]["forenames"] == by_id[pid]["forenames"]
        and special[j]["surname"] == by_id[pid]["surname"]
        and special[j]["date_of_birth"] == by_id[pid]["date_of_birth"]
    )
    summary.records = total
    summary.true_pairs = len(truth)
    summary.people_with_records = len({t[0] for t in truth})
    summary.exact_share = exact / len(truth) if truth else 0.0
    for _, _, kind in hard:
        summary.hard_negatives[kind] = summary.hard_negatives.get(kind, 0) + 1
    summary.paths.update(
        workforce=out_dir / f"workforce.{suffix}",
        records=rec_path,
        truth=out_dir / "truth.csv",
        hard_negatives=out_dir / "hard_negatives.csv",
    )
    return summary


def _background(population: _Population, rng: np.random.Generator, ids: np.ndarray) -> pa.Table:
    n = ids.size
    b = population.draw(n)
    forenames = np.array([_title(x) for x in b["first"]], dtype=object)
    with_middle = (b["middle"] != None) & (rng.random(n) < 0.4)  # noqa: E711
    forenames[with_middle] = (
        forenames[with_middle]
        + " "
        + np.array([_title(x) for x in b["middle"][with_middle]], dtype=object)
    )
    dob = np.array([date.fromordinal(int(x)).isoformat() for x in b["dob"]], dtype=object)
    dob[rng.random(n) < 0.05] = None
    postcode = b["postcode"].copy()
    postcode[rng.random(n) < 0.15] = None
    gender = b["gender"].copy()
    gender[rng.random(n) < 0.1] = None
    return pa.table(
        {
            "record_id": pa.array(ids, pa.string()),
            "forenames": pa.array(forenames, pa.string()),
            "surname": pa.array([_title(x) for x in b["surname"]], pa.string()),
            "aliases": pa.nulls(n, pa.string()),
            "date_of_birth": pa.array(dob, pa.string()),
            "gender": pa.array(gender, pa.string()),
            "address": pa.array(b["address"], pa.string()),
            "postcode": pa.array(postcode, pa.string()),
        }
    )


def _code_text(code: str, rng: np.random.Generator) -> str:
    """Home Office codes as forces write them: 19C, 019/03, 19c ..."""
    u = rng.random()
    digits = "".join(ch for ch in code if ch.isdigit())
    letter = "".join(ch for ch in code if ch.isalpha())
    if u < 0.3 and letter:
        return f"{int(digits):03d}/{ord(letter) - 64:02d}"
    if u < 0.4:
        return code.lower()
    return code


def _events(rng: np.random.Generator, pools: Pools, record_ids: np.ndarray, start: int) -> pa.Table:
    counts = np.minimum(rng.poisson(0.7, record_ids.size), 4)
    n = int(counts.sum())
    rid = np.repeat(record_ids, counts)
    off = rng.integers(0, len(pools.offences), n)
    codes = [pools.offences[i] for i in off]
    has_code = rng.random(n) < 0.85
    integrity = rng.random(n) < 0.55
    roles = np.where(
        integrity,
        rng.choice(np.array(INTEGRITY_ROLES, dtype=object), n),
        rng.choice(np.array(OTHER_ROLES, dtype=object), n),
    )
    da = rng.random(n)
    first_day = date(2000, 1, 1).toordinal()
    days = rng.integers(first_day, date(2023, 12, 31).toordinal(), n)
    return pa.table(
        {
            "event_id": pa.array(
                [
                    f"E{start + i:010d}{j}"
                    for i, j in zip(range(n), rng.integers(0, 10, n), strict=True)
                ],
                pa.string(),
            ),
            "record_id": pa.array(rid, pa.string()),
            "event_type": pa.array(rng.choice(np.array(EVENT_TYPES, dtype=object), n), pa.string()),
            "role": pa.array(roles, pa.string()),
            "offence_code": pa.array(
                [
                    _code_text(c["code"], rng) if h else None
                    for c, h in zip(codes, has_code, strict=True)
                ],
                pa.string(),
            ),
            "offence_description": pa.array([c["description"] for c in codes], pa.string()),
            "domestic_abuse": pa.array(
                np.select([da < 0.15, da < 0.8], ["Y", "N"], default="").astype(object), pa.string()
            ),
            "event_date": pa.array(
                [date.fromordinal(int(d)).isoformat() for d in days], pa.string()
            ),
        }
    )


CATEGORY_SHARES = {
    "sexual": 0.22,
    "domestic_abuse": 0.16,
    "other_vawg": 0.06,
    "violence": 0.14,
    "dishonesty": 0.18,
    "drugs": 0.06,
    "other": 0.18,
}
COMPLETED_OUTCOMES = {
    "no_case_to_answer": 0.2,
    "no_further_action": 0.12,
    "reflective_practice": 0.1,
    "written_warning": 0.14,
    "final_written_warning": 0.12,
    "reduction_in_rank": 0.02,
    "dismissed": 0.16,
    "would_have_been_dismissed": 0.04,
    "resigned_or_retired": 0.04,
    "not_proven": 0.06,
}


# Home Office offence codes of the conduct alleged, where it would be an offence.
OFFENCE_CODES = {
    "sexual": ["17A", "17B", "19C", "20A", "22B", "88E"],
    "domestic_abuse": ["8N", "105A", "8L", "8Q"],
    "violence": ["8N", "105A", "5D"],
    "drugs": ["92A", "92D"],
    "dishonesty": ["44", "53H"],
}
DISMISSED = ("dismissed", "would_have_been_dismissed")


def _case_history(
    rng: np.random.Generator,
    row: dict[str, Any],
    recorded: date,
    severity: str,
    outcome_on: date | None,
    gone: set[str],
) -> dict[str, Any]:
    """One allegation's history in the register (docs/formats.md): every date after the case
    was recorded and not after TODAY, each spell's end after its start and by the outcome,
    leaving with its reason, criminal proceedings with their date."""

    def day(after: date, most: int, by: date | None = None) -> date:
        d = after + timedelta(days=int(rng.integers(1, most)))
        return min(d, by or TODAY, TODAY)

    out: dict[str, Any] = {}
    category, outcome = str(row["category"]), row["outcome"]
    end = outcome_on or TODAY
    assessed = day(recorded, 30, end)
    out["severity_assessed_on"] = assessed
    if row["stage"] != "assessment":
        started = day(assessed, 30, end)
        out["investigation_started_on"] = started
        if outcome_on is not None:
            out["investigation_ended_on"] = day(started, 300, outcome_on)
    if outcome_on is not None and severity == "gross_misconduct" and rng.random() < 0.8:
        out["hearing_held_on"] = outcome_on  # the outcome given at the hearing
    if (
        outcome in ("dismissed", "final_written_warning", "reduction_in_rank")
        and rng.random() < 0.3
    ):
        out["appeal_on"] = day(outcome_on, 90) if outcome_on else None  # to a tribunal
    serious = category in ("sexual", "domestic_abuse") and severity == "gross_misconduct"
    if serious and rng.random() < 0.35:
        out["suspended_on"] = day(recorded, 20, end)
        if outcome_on is not None:
            out["suspension_ended_on"] = outcome_on
    elif rng.random() < 0.25:
        out["restricted_on"] = day(recorded, 30, end)
        if outcome_on is not None:
            out["restriction_ended_on"] = outcome_on
    if str(row["person_id"]) in gone:
        pass  # left already, in connection with another case
    elif outcome in DISMISSED or outcome == "resigned_or_retired":
        # Dismissed on the day; "would have been dismissed" and "resigned or retired" had
        # left while under investigation.
        if outcome == "dismissed":
            out["left_force_on"], out["leaving_reason"] = outcome_on, "dismissed"
        else:
            out["left_force_on"] = day(recorded, 120, end)
            out["leaving_reason"] = str(rng.choice(["resigned", "retired"], p=[0.7, 0.3]))
    elif outcome_on is None and rng.random() < 0.06:
        out["left_force_on"] = day(recorded, 200)
        out["leaving_reason"] = str(rng.choice(["resigned", "retired"], p=[0.7, 0.3]))
    if "left_force_on" in out:
        gone.add(str(row["person_id"]))
    codes = OFFENCE_CODES.get(category)
    if codes and rng.random() < 0.6:
        out["offence_code"] = str(rng.choice(codes))
        if rng.random() < 0.5:
            done = outcome_on is not None
            out["criminal_proceedings"] = str(
                rng.choice(["no_further_action", "charged", "convicted", "acquitted"],
                           p=[0.5, 0.15, 0.25, 0.1])
                if done
                else rng.choice(["under_investigation", "charged"], p=[0.8, 0.2])
            )  # fmt: skip
            if out["criminal_proceedings"] != "under_investigation":
                reached = day(recorded, 400)
                out["criminal_outcome_on"] = reached
                # Charged on the day proceedings reached "charged", or half way to a verdict
                # (worked out, not drawn: the stream, so the rest of the register, is as was).
                if out["criminal_proceedings"] == "charged":
                    out["charged_on"] = reached
                elif out["criminal_proceedings"] in ("convicted", "acquitted"):
                    out["charged_on"] = recorded + (reached - recorded) / 2
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}


# How officers in misconduct cases are spread over the ranks (constables most).
RANK_SHARES = ["constable", "sergeant", "inspector", "chief_inspector", "superintendent",
               "chief_superintendent", "chief_officer"]  # fmt: skip
RANK_P = np.array([0.68, 0.18, 0.08, 0.03, 0.015, 0.01, 0.005])


# The ethnic groups of people in misconduct cases (England and Wales police workforce,
# roughly) and how a row records it: the group, or a self-defined ethnicity code of it.
ETHNIC_SHARES = {"white": 0.90, "asian": 0.04, "black": 0.015, "mixed": 0.03, "other": 0.005,
                 "not_stated": 0.01}  # fmt: skip
ETHNIC_CODES = {"white": ["W1", "W2", "W9"], "asian": ["A1", "A2", "A5"],
                "black": ["B1", "B2"], "mixed": ["M1", "M3", "M4"], "other": ["O1", "O9"],
                "not_stated": ["NS"]}  # fmt: skip


def _subject(
    rng: np.random.Generator, pid: str, gender: str | None, known: dict[str, tuple[Any, Any]]
) -> tuple[Any, Any]:
    """A subject's gender (HR's, else drawn; empty now and then) and ethnicity as a register
    row writes them, the same for the person in every case."""
    if pid not in known:
        g = gender or str(rng.choice(["M", "F"], p=[0.7, 0.3]))
        group = str(rng.choice(list(ETHNIC_SHARES), p=list(ETHNIC_SHARES.values())))
        code = str(rng.choice(ETHNIC_CODES[group])) if rng.random() < 0.3 else group
        known[pid] = (g if rng.random() < 0.95 else None, code if rng.random() < 0.9 else None)
    return known[pid]


def _register(
    out_dir: Path,
    rng: np.random.Generator,
    person_ids: list[str],
    roles: np.ndarray,
    genders: dict[str, str | None],
) -> tuple[int, int]:
    role_of = dict(zip(person_ids, roles, strict=True))
    # The register's history (stages, suspension, leaving, criminal proceedings, offence
    # codes) from a stream of its own, so the cases and outcomes stay as they were.
    extra = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    # ... and officers' ranks from another (most are constables; left empty now and then).
    ranks = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    # ... and the subjects' gender and ethnicity, and IOPC referrals, from a third.
    third = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    subjects_seen: dict[str, tuple[Any, Any]] = {}
    gone: set[str] = set()  # people who have left: each leaves once
    former = [f"F{900000 + i}" for i in range(60)]
    cases: list[dict[str, Any]] = []
    allegations: list[dict[str, Any]] = []
    cats = list(CATEGORY_SHARES)
    cat_p = np.array(list(CATEGORY_SHARES.values()))
    outs = list(COMPLETED_OUTCOMES)
    out_p = np.array(list(COMPLETED_OUTCOMES.values()))
    # A few people are subject of several cases (at most a quarter of a small force).
    repeaters = list(rng.choice(person_ids, min(25, max(1, len(person_ids) // 4)), replace=False))
    first = date(2017, 4, 1).toordinal()
    last = date(2024, 12, 31).toordinal()
    for c in range(360):
        recorded = date.fromordinal(int(rng.integers(first, last)))
        live = recorded.year >= 2023 and rng.random() < 0.45
        source = str(
            rng.choice(
                ["complaint", "conduct_matter", "vetting", "other"], p=[0.5, 0.35, 0.1, 0.05]
            )
        )
        if recorded.year == 2023 and rng.random() < 0.3:
            source = "data_wash"
        severity = str(rng.choice(["misconduct", "gross_misconduct"], p=[0.6, 0.4]))
        case_id = f"PSD-{recorded.year}-{c + 1:04d}"
        n_subjects = int(rng.choice([1, 2, 3], p=[0.8, 0.15, 0.05]))
        subjects: list[str] = []
        while len(subjects) < n_subjects:
            u = rng.random()
            pid = (
                str(rng.choice(repeaters))
                if u < 0.15
                else str(rng.choice(former))
                if u < 0.3
                else str(rng.choice(person_ids))
            )
            if pid not in subjects:
                subjects.append(pid)
        category = str(rng.choice(cats, p=cat_p))
        closed_on: date | None = None
        for k, pid in enumerate(subjects):
            role = str(role_of.get(pid, rng.choice(["officer", "staff"], p=[0.7, 0.3])))
            outcome = None
            outcome_on: date | None = None
            stage = str(rng.choice(["assessment", "investigation", "hearing"]))
            if not live:
                outcome = str(rng.choice(outs, p=out_p))
                if role in ("staff", "volunteer") and outcome == "reduction_in_rank":
                    outcome = "final_written_warning"
                if recorded < date(2020, 2, 1) and outcome == "reflective_practice":
                    outcome = "management_advice"
                outcome_on = recorded + timedelta(days=int(rng.integers(60, 700)))
                if outcome_on > TODAY:
                    outcome_on = TODAY
                stage = "closed"
                closed_on = max(closed_on or outcome_on, outcome_on)
            row = {
                "allegation_id": f"{case_id}-A{k + 1}",
                "case_id": case_id,
                "person_id": pid,
                "role_at_time": role,
                "category": category
                if k == 0 or rng.random() < 0.7
                else str(rng.choice(cats, p=cat_p)),
                "stage": stage,
                "outcome": outcome,
                "outcome_on": outcome_on.isoformat() if outcome_on else None,
            }
            row.update(_case_history(extra, row, recorded, severity, outcome_on, gone))
            if role in ("officer", "special") and ranks.random() < 0.9:
                row["rank_at_time"] = str(ranks.choice(RANK_SHARES, p=RANK_P))
            row["gender"], row["ethnicity"] = _subject(third, pid, genders.get(pid), subjects_seen)
            # Serious cases are referred to the IOPC (mandatory referrals: within weeks).
            if severity == "gross_misconduct" and third.random() < 0.3:
                referred = recorded + timedelta(days=int(third.integers(1, 60)))
                row["iopc_referred_on"] = min(referred, TODAY).isoformat()
            allegations.append(row)
        cases.append(
            {
                "case_id": case_id,
                "recorded_on": recorded.isoformat(),
                "source": source,
                "severity": severity,
                "closed_on": closed_on.isoformat() if closed_on else None,
            }
        )
    _write(
        _cols(cases, ["case_id", "recorded_on", "source", "severity", "closed_on"]),
        out_dir / "cases.csv",
        "csv",
    )
    _write(
        _cols(
            allegations,
            # Every column of the format (docs/formats.md), empty where not generated.
            [c.name for c in ALLEGATIONS.columns],
        ),
        out_dir / "allegations.csv",
        "csv",
    )
    return len(cases), len(allegations)
