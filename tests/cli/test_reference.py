from pathlib import Path

from datawash.cli.reference import cli_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    """docs/cli.md is generated from --help (`make docs`); it must not drift, and every
    command's help renders (markup in a help text once crashed it)."""
    reference = cli_reference()
    assert "unexpected error" not in reference
    assert DOC.read_text() == reference + "\n"


def test_architecture_is_current() -> None:
    """docs/architecture.md is generated from the permissions, workflow and events."""
    from datawash.cli.architecture import architecture

    doc = DOC.parent / "architecture.md"
    assert doc.read_text() == architecture()
