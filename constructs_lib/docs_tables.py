"""The generated parts of the documentation, written between their markers in docs/:

    python -m constructs_lib.docs_tables        # after adding a rule or a command option (`make docs` runs it)

docs/rules.md holds the rule catalogue (`rules.rules_table`), docs/cli.md the CLI reference
(`cli.cli_reference`); tests/test_docs.py fails when either is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def tables() -> dict[str, tuple[str, Callable[[], str]]]:
    """docs file -> (marker name, what goes between its markers)."""
    from .cli import cli_reference
    from .rules import rules_table

    return {"rules.md": ("rules", rules_table), "cli.md": ("cli", cli_reference)}


def between(text: str, marker: str) -> str:
    """What a page holds between `<!-- marker:start -->` and `<!-- marker:end -->`."""
    return text.split(f"<!-- {marker}:start -->\n", 1)[1].split(f"\n<!-- {marker}:end -->", 1)[0]


def write(docs: Path) -> list[str]:
    """Regenerate every table in the pages under `docs`; the pages changed."""
    changed = []
    for name, (marker, make) in tables().items():
        page = docs / name
        text = page.read_text()
        old = between(text, marker)
        new = make()
        if old != new:
            page.write_text(text.replace(f"<!-- {marker}:start -->\n{old}\n", f"<!-- {marker}:start -->\n{new}\n", 1))
            changed.append(name)
    return changed


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for name in write(folder):
        print(f"written: {folder / name}")
