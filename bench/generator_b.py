"""A second synthetic force and national extract, built on a different population model
from `datawash synth`, so that no figure is tuned to one generator (issue 11).

    python bench/generator_b.py OUT_DIR [--workforce 12225] [--records 1000000] [--seed 5]

What differs from `datawash synth`:
- names come from Faker's British, Irish and Indian name lists (not datawash's pools);
  surnames are drawn by a Zipf law on their rank, so namesakes arise as often as the
  surname's frequency says, and forenames follow birth cohorts (each name has a peak year);
- the corruption mix differs (more nicknames and middle names used as forenames, more
  moves, missing values, one-digit typos in any digit of the date);
- deliberate hard negatives: namesakes with the same full name, born the same year with a
  date of birth one digit off, elsewhere; a twin-like sibling whose forename is the
  person's middle name (or a short form of it), same surname and date of birth; relatives
  at the same address; same-name parents and children a generation apart.
Writes workforce.csv, records.csv, truth.csv (person_id, record_id) and hard_negatives.csv.
Synthetic people only.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np

SHORT_FORMS = {
    "catherine": ["kate", "cathy", "kath"], "katherine": ["kate", "kathy"],
    "margaret": ["maggie", "peggy", "meg"], "elizabeth": ["liz", "beth", "lizzie"],
    "john": ["jack", "johnny"], "henry": ["harry", "hal"], "edward": ["ted", "ed", "eddie"],
    "alexander": ["alex", "sandy", "sasha"], "william": ["will", "bill", "liam"],
    "robert": ["rob", "bob", "bobby"], "richard": ["rick", "dick", "richie"],
    "james": ["jim", "jimmy", "jamie"], "thomas": ["tom", "tommy"], "joseph": ["joe"],
    "michael": ["mike", "mick"], "christopher": ["chris", "kit"], "daniel": ["dan", "danny"],
    "matthew": ["matt"], "anthony": ["tony"], "patrick": ["pat", "paddy"],
    "jennifer": ["jen", "jenny"], "rebecca": ["becky", "becca"], "victoria": ["vicky", "tori"],
    "samantha": ["sam"], "samuel": ["sam"], "charlotte": ["lottie", "charlie"],
    "deborah": ["debbie", "deb"], "susan": ["sue", "susie"], "stephen": ["steve"],
    "nicholas": ["nick"], "benjamin": ["ben"], "jonathan": ["jon"], "timothy": ["tim"],
    "abigail": ["abby"], "frederick": ["fred", "freddie"], "gregory": ["greg"],
}  # fmt: skip
TOWNS = [
    ("Leeds", "LS", 1, 29), ("Bradford", "BD", 1, 24), ("Sheffield", "S", 1, 36),
    ("York", "YO", 1, 32), ("Hull", "HU", 1, 20), ("Wakefield", "WF", 1, 17),
    ("Doncaster", "DN", 1, 40), ("Harrogate", "HG", 1, 5), ("Halifax", "HX", 1, 7),
    ("Huddersfield", "HD", 1, 9),
]  # fmt: skip
TODAY = date(2026, 11, 1)


def _names() -> tuple[list[str], list[tuple[str, str]]]:
    """Surnames (by rank) and forenames with gender, from Faker's locale lists."""
    import faker.providers.person.en_GB as gb
    import faker.providers.person.en_IE as ie
    import faker.providers.person.en_IN as inn

    surnames: list[str] = []
    for prov in (gb.Provider, inn.Provider, ie.Provider):
        for s in prov.last_names:
            if s.isalpha() and s not in surnames:
                surnames.append(s)
    fore: list[tuple[str, str]] = []
    seen = set()
    for prov in (gb.Provider, ie.Provider, inn.Provider):
        for g, names in (("M", prov.first_names_male), ("F", prov.first_names_female)):
            for n in names:
                if n.isalpha() and n not in seen:
                    seen.add(n)
                    fore.append((n, g))
    return surnames, fore


class Population:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.surnames, fore = _names()
        ranks = np.arange(1, len(self.surnames) + 1)
        w = 1.0 / ranks**1.05  # Zipf: a few surnames are very common
        self.surname_p = w / w.sum()
        self.fore = {g: [n for n, gg in fore if gg == g] for g in "MF"}
        # Each forename is popular around a peak birth year (cohorts).
        self.peak = {g: rng.uniform(1925, 2015, len(v)) for g, v in self.fore.items()}
        self.pop = {g: 1.0 / np.arange(1, len(v) + 1) ** 0.9 for g, v in self.fore.items()}
        for g in self.pop:
            rng.shuffle(self.pop[g])
        streets = [f"{s} {suf}" for s in self.surnames[:400]
                   for suf in ("Road", "Street", "Lane", "Close", "Avenue", "Grove")]  # fmt: skip
        self.streets = streets
        self.street_town = rng.integers(0, len(TOWNS), len(streets))
        self.street_district = np.array(
            [rng.integers(TOWNS[t][2], TOWNS[t][3] + 1) for t in self.street_town]
        )
        self.street_sector = rng.integers(1, 10, len(streets))
        self.street_unit = ["".join(rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), 2)) for _ in streets]

    def forename(self, gender: str, year: int) -> str:
        p = self.pop[gender] * np.exp(-((year - self.peak[gender]) ** 2) / (2 * 18.0**2))
        return str(self.rng.choice(self.fore[gender], p=p / p.sum()))

    def forenames(self, gender: np.ndarray, years: np.ndarray) -> list[str]:
        """Vectorised by 5-year cohort."""
        out = [""] * len(gender)
        for g in "MF":
            for lo in range(1920, 2030, 5):
                idx = np.flatnonzero((gender == g) & (years >= lo) & (years < lo + 5))
                if not len(idx):
                    continue
                p = self.pop[g] * np.exp(-((lo + 2 - self.peak[g]) ** 2) / (2 * 18.0**2))
                picks = self.rng.choice(len(self.fore[g]), size=len(idx), p=p / p.sum())
                for i, k in zip(idx, picks, strict=True):
                    out[i] = self.fore[g][k]
        return out

    def address(self) -> tuple[str, str]:
        s = int(self.rng.integers(0, len(self.streets)))
        return self._addr(s, int(self.rng.integers(1, 180)))

    def _addr(self, s: int, house: int) -> tuple[str, str]:
        town, area = TOWNS[self.street_town[s]][0], TOWNS[self.street_town[s]][1]
        unit = self.street_unit[s]
        pc = f"{area}{self.street_district[s]} {self.street_sector[s]}{unit}"
        return f"{house} {self.streets[s]}, {town}", pc


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 3:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.35:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op < 0.7:
        return s[:i] + rng.choice("aeiourstnl") + s[i + 1 :]
    return s[:i] + s[i + 1 :]


def _dob_digit(rng: random.Random, d: date) -> date:
    """One digit of the date keyed wrongly (any digit), still a valid date."""
    text = d.strftime("%Y%m%d")
    for _ in range(20):
        pos = rng.choice([2, 3, 4, 5, 6, 7])
        new = text[:pos] + str(rng.randrange(10)) + text[pos + 1 :]
        try:
            nd = date(int(new[:4]), int(new[4:6]), int(new[6:]))
        except ValueError:
            continue
        if nd != d and nd < TODAY:
            return nd
    return d + timedelta(days=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--workforce", type=int, default=12225)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    nrng = np.random.default_rng(a.seed)
    rng = random.Random(a.seed)
    pop = Population(nrng)

    def people(n: int, min_age: int, max_age: int) -> list[dict[str, object]]:
        days = nrng.integers(min_age * 365, max_age * 365, n)
        dobs = [TODAY - timedelta(days=int(x)) for x in days]
        years = np.array([d.year for d in dobs])
        gender = np.where(nrng.random(n) < 0.5, "M", "F")
        first = pop.forenames(gender, years)
        has_middle = nrng.random(n) < 0.55
        middle = pop.forenames(gender, years)
        sn_idx = nrng.choice(len(pop.surnames), size=n, p=pop.surname_p)
        rows = []
        for i in range(n):
            addr, pc = pop.address()
            mid = middle[i] if has_middle[i] and middle[i] != first[i] else ""
            rows.append({
                "first": first[i], "middle": mid,
                "surname": pop.surnames[sn_idx[i]], "dob": dobs[i], "gender": str(gender[i]),
                "address": addr, "postcode": pc, "maiden": "",
            })  # fmt: skip
        return rows

    staff = people(a.workforce, 18, 66)
    for p in staff:
        if p["gender"] == "F" and rng.random() < 0.25:
            p["maiden"] = pop.surnames[int(nrng.choice(len(pop.surnames), p=pop.surname_p))]
    records: list[dict[str, object]] = []
    truth: list[tuple[str, int]] = []
    hard: list[tuple[str, int, str]] = []

    def add(rec: dict[str, object]) -> int:
        records.append(rec)
        return len(records) - 1

    def keyed(p: dict[str, object]) -> dict[str, object]:
        """One record of a person as another system keyed it (the B corruption mix)."""
        first, middle, sn = str(p["first"]), str(p["middle"]), str(p["surname"])
        r = rng.random()
        if r < 0.12 and first.lower() in SHORT_FORMS:
            first = rng.choice(SHORT_FORMS[first.lower()]).title()
        elif r < 0.19 and middle:
            first, middle = middle, ""
        elif r < 0.25:
            first = _typo(rng, first)
        if p["maiden"] and rng.random() < 0.4:
            sn = str(p["maiden"])
        elif rng.random() < 0.06:
            sn = _typo(rng, sn)
        dob: date | None = p["dob"]  # type: ignore[assignment]
        r = rng.random()
        if r < 0.07:
            dob = _dob_digit(rng, dob)  # type: ignore[arg-type]
        elif r < 0.10 and dob.day <= 12 and dob.day != dob.month:  # type: ignore[union-attr]
            dob = date(dob.year, dob.day, dob.month)  # type: ignore[union-attr]
        elif r < 0.15:
            dob = None
        elif r < 0.18:
            dob = date(dob.year, 1, 1)  # type: ignore[union-attr]
        addr, pc = str(p["address"]), str(p["postcode"])
        r = rng.random()
        if r < 0.5:
            addr, pc = pop.address()
        if rng.random() < 0.10:
            pc = ""
        if rng.random() < 0.05:
            addr, pc = "", ""
        g = str(p["gender"])
        r = rng.random()
        if r < 0.04:
            g = ""
        elif r < 0.05:
            g = "F" if g == "M" else "M"
        fn = " ".join(x for x in (first, middle if rng.random() < 0.5 else "") if x)
        if rng.random() < 0.02:
            fn, sn = sn, fn.split(" ")[0]
        rec = {"forenames": fn, "surname": sn, "aliases": "", "dob": dob, "gender": g,
               "address": addr, "postcode": pc}  # fmt: skip
        if rng.random() < 0.2:
            rec["forenames"], rec["surname"] = str(rec["forenames"]).upper(), sn.upper()
        return rec

    for i, p in enumerate(staff):
        pid = f"W{i + 1:06d}"
        p["person_id"] = pid
        if rng.random() < 0.25:
            for _ in range(rng.choices([1, 2, 3], [0.55, 0.3, 0.15])[0]):
                truth.append((pid, add(keyed(p))))
        k = rng.random()
        dob: date = p["dob"]  # type: ignore[assignment]
        if k < 0.04:  # namesake: same full name, same year, one digit off, elsewhere
            other = _dob_digit(rng, dob)
            if other.year == dob.year:
                addr, pc = pop.address()
                hard.append((pid, add({"forenames": p["first"], "surname": p["surname"],
                    "aliases": "", "dob": other, "gender": p["gender"], "address": addr,
                    "postcode": pc}), "namesake_one_digit"))  # fmt: skip
        elif k < 0.055 and p["middle"]:  # twin-like: forename = middle name (or short form)
            m = str(p["middle"])
            fn = rng.choice(SHORT_FORMS.get(m.lower(), [m])).title()
            same_home = rng.random() < 0.5
            addr, pc = (p["address"], p["postcode"]) if same_home else pop.address()
            g = p["gender"] if rng.random() < 0.5 else ("F" if p["gender"] == "M" else "M")
            hard.append((pid, add({"forenames": fn, "surname": p["surname"], "aliases": "",
                "dob": dob, "gender": g, "address": addr, "postcode": pc}),
                "twin_middle_name"))  # fmt: skip
        elif k < 0.105:  # relatives at the same address
            for years in (rng.randint(-8, 8), rng.randint(20, 35) * rng.choice([-1, 1])):
                rd = date(max(1925, min(2024, dob.year + years)), dob.month, min(dob.day, 28))
                g = rng.choice("MF")
                hard.append((pid, add({"forenames": pop.forename(g, rd.year),
                    "surname": p["surname"], "aliases": "", "dob": rd, "gender": g,
                    "address": p["address"], "postcode": p["postcode"]}),
                    "relative_same_address"))  # fmt: skip
        elif k < 0.125:  # same-name parent or child at the same address
            gap = rng.randint(19, 40) * rng.choice([-1, 1])
            year = dob.year - abs(gap) if dob.year + gap > 2024 else dob.year + gap
            rd = date(year, dob.month, min(dob.day, 28))
            hard.append((pid, add({"forenames": p["first"], "surname": p["surname"],
                "aliases": "", "dob": rd, "gender": p["gender"], "address": p["address"],
                "postcode": p["postcode"]}), "same_name_parent_or_child"))  # fmt: skip
    background = max(0, a.records - len(records))
    for p in people(background, 0, 95):
        add({"forenames": " ".join(x for x in (p["first"], p["middle"]) if x),
             "surname": p["surname"], "aliases": "", "dob": p["dob"], "gender": p["gender"],
             "address": p["address"], "postcode": p["postcode"]})  # fmt: skip
    order = list(range(len(records)))
    rng.shuffle(order)
    rid = {j: f"N{9_000_000 + pos:08d}" for pos, j in enumerate(order)}
    with (out / "workforce.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "role", "forenames", "surname", "previous_surnames",
                    "date_of_birth", "gender", "address", "postcode"])  # fmt: skip
        for p in staff:
            w.writerow([p["person_id"], rng.choice(["officer", "staff", "special", "volunteer"]),
                        " ".join(x for x in (p["first"], p["middle"]) if x), p["surname"],
                        p["maiden"] if p["maiden"] and rng.random() < 0.7 else "",
                        p["dob"].isoformat(), p["gender"], p["address"], p["postcode"]])  # type: ignore[attr-defined]  # fmt: skip
    with (out / "records.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record_id", "forenames", "surname", "aliases", "date_of_birth", "gender",
                    "address", "postcode"])  # fmt: skip
        for j in order:
            r = records[j]
            dob = r["dob"]
            w.writerow([rid[j], r["forenames"], r["surname"], r["aliases"],
                        dob.isoformat() if dob else "", r["gender"], r["address"],
                        r["postcode"]])  # type: ignore[attr-defined]  # fmt: skip
    with (out / "truth.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "record_id"])
        w.writerows((pid, rid[j]) for pid, j in truth)
    with (out / "hard_negatives.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_id", "record_id", "kind"])
        w.writerows((pid, rid[j], kind) for pid, j, kind in hard)
    print(f"{len(staff)} people, {len(records)} records, {len(truth)} true pairs, "
          f"{len(hard)} hard negatives -> {out}")  # fmt: skip


if __name__ == "__main__":
    main()
