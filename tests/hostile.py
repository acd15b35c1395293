"""Hostile strings every output path is tested with: spreadsheet formulas, rich markup,
terminal escape codes, bidirectional overrides, HTML and script, NUL, very long text."""

HOSTILE = [
    '=HYPERLINK("http://example.invalid","click")',
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\tleading tab",
    "[/]",
    "[bold red]markup[/bold red]",
    "[link=http://example.invalid]x[/link]",
    "\x1b[2J\x1b[31mcleared\x1b[0m",
    "\u202eevil\u202c",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "O'Brien; DROP TABLE users; --",
    "x" * 5000,
]
