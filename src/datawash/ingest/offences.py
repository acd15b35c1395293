"""Home Office offence codes, read as written in any of their usual forms.

Codes arrive as `19C`, `19c`, `019C`, `088/05` or `88/5` (class/subclass with a numbered
subclass: 01 = A, 02 = B ...; class 4 uses decimal subclasses, 004/01 = 4.1). One reading for
the national extract's events (triage) and the register's allegations (cases).
"""

from __future__ import annotations

import re

OFFENCE_CODE_FORMS = "such as 19C, 8N, 4.1 or 088/05"


def normalise_offence_code(raw: str | None) -> str | None:
    """`088/05` -> `88E`, ` 19c ` -> `19C`, `004/01` -> `4.1`; None if empty or unreadable."""
    if raw is None:
        return None
    s = re.sub(r"\s+", "", raw).upper()
    if not s:
        return None
    m = re.fullmatch(r"0*(\d{1,3})/0*(\d{1,2})", s)
    if m:
        cls, sub = int(m.group(1)), int(m.group(2))
        if sub == 0:
            return str(cls)
        if cls == 4:
            return f"4.{sub}"
        if 1 <= sub <= 26:
            return f"{cls}{chr(64 + sub)}"
        return None
    m = re.fullmatch(r"0*(\d{1,3})(?:\.(\d{1,2})|([A-Z]))?", s)
    if not m:
        return None
    cls = int(m.group(1))
    if m.group(2) is not None:  # a decimal subclass: class 4 only, read as a number
        sub = int(m.group(2))
        return f"4.{sub}" if cls == 4 and sub > 0 else None
    return f"{cls}{m.group(3) or ''}"
