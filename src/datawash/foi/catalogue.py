"""The catalogue of FOIA sections (data/exemptions.json): absolute or qualified, the
subsection that excludes the duty to confirm or deny, and the standard wording."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from datawash.errors import InputError


@dataclass(frozen=True)
class Exemption:
    section: str
    title: str
    kind: str  # absolute | qualified | procedural
    ncnd_forms: tuple[str, ...]  # subsections that remove the duty to confirm or deny
    reason: str  # when information is withheld
    ncnd_reason: str | None = None  # when the force neither confirms nor denies
    for_disclosure: str | None = None
    for_exemption: str | None = None
    balance: str | None = None
    # Neither confirming nor denying has its own harm and public interest test: whether to
    # confirm or deny, not whether to disclose.
    ncnd_harm: str | None = None
    for_confirming: str | None = None
    against_confirming: str | None = None
    ncnd_balance: str | None = None

    @property
    def qualified(self) -> bool:
        return self.kind == "qualified"

    @property
    def ncnd(self) -> str | None:
        """The usual NCND subsection (30(3), 40(5) ...), None if the section has none."""
        return self.ncnd_forms[0] if self.ncnd_forms else None


@dataclass(frozen=True)
class Citation:
    """One section as cited in an answer, e.g. ``30(3)``: ``ncnd`` when the subsection
    cited is one that removes the duty to confirm or deny."""

    exemption: Exemption
    cited: str

    @property
    def ncnd(self) -> bool:
        return self.cited in self.exemption.ncnd_forms

    @property
    def label(self) -> str:
        return f"s{self.cited} {self.exemption.title}"

    @property
    def reason(self) -> str:
        if self.ncnd and self.exemption.ncnd_reason:
            return self.exemption.ncnd_reason
        return self.exemption.reason


@cache
def catalogue() -> dict[str, Exemption]:
    raw = json.loads(
        resources.files("datawash.foi").joinpath("data/exemptions.json").read_text("utf-8")
    )
    return {
        e["section"]: Exemption(**{**e, "ncnd_forms": tuple(e.get("ncnd_forms", ()))})
        for e in raw["sections"]
    }


def _statutory(parts: str) -> str:
    """Subsections as the Act spells them: inserted ones with a capital ("(5B)"),
    paragraphs and sub-paragraphs in lower case ("(2)(b)", "(1)(a)(ii)")."""
    groups = re.findall(r"\((\w+)\)", parts)
    return "".join(f"({g.upper() if g[0].isdigit() else g.lower()})" for g in groups)


_REF = re.compile(r"^\s*(?:s(?:ection)?\.?\s*)?(\d+)((?:\(\w+\))*)\s*$", re.IGNORECASE)


def cite(reference: str) -> Citation:
    """``"30(3)"``, ``"s31(3)"``, ``"section 40(2)"`` or ``"12"`` -> a Citation."""
    m = _REF.match(reference)
    if not m or m.group(1) not in catalogue():
        known = ", ".join(sorted(catalogue(), key=int))
        raise InputError(f"{reference!r} is not a section in the catalogue ({known})")
    return Citation(catalogue()[m.group(1)], f"{m.group(1)}{_statutory(m.group(2))}")


def cite_for_ncnd(section: str) -> Citation:
    """The NCND subsection of ``section`` (``"30"`` -> ``30(3)``)."""
    c = cite(section)
    if c.exemption.ncnd is None:
        raise InputError(f"section {c.exemption.section} has no neither-confirm-nor-deny provision")
    return Citation(c.exemption, c.exemption.ncnd)


def ncnd_statement(citations: list[Citation], authority: str) -> str:
    """The NCND answer. It is built from the sections cited and nothing else, so it reads
    the same whether or not the information is held (as s1(1)(a) NCND must)."""
    names = "; ".join(c.label for c in citations)
    return (
        f"{authority} can neither confirm nor deny that it holds the information you have "
        f"requested, by virtue of the following: {names}. The reasons are set out in the "
        "refusal notice below."
    )
