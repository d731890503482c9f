"""The docs embed the diagram printed from the code, so the picture is never out of date."""

from __future__ import annotations

import re
from pathlib import Path

from workflow.diagram import mermaid_diagram

ROOT = Path(__file__).resolve().parents[2]


def embedded(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- diagram:start -->\n```mermaid\n(.*?)\n```\n<!-- diagram:end -->", text, re.S
    )
    assert match, f"{path} has no diagram markers"
    return match.group(1).strip()


def test_docs_workflow_diagram_is_the_code_s() -> None:
    assert embedded(ROOT / "docs" / "workflow.md") == mermaid_diagram().strip()


def test_readme_diagram_is_the_code_s() -> None:
    assert embedded(ROOT / "README.md") == mermaid_diagram().strip()
