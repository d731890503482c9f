"""The docs embed the diagram printed from the code, so the picture is never out of date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflow.diagram import LIFECYCLES, lifecycle_diagram, mermaid_diagram

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


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_docs_lifecycle_diagrams_are_the_code_s(name: str) -> None:
    text = (ROOT / "docs" / "workflow.md").read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- diagram:{name}:start -->\n```mermaid\n(.*?)\n```\n<!-- diagram:{name}:end -->",
        text,
        re.S,
    )
    assert match, f"docs/workflow.md has no {name} diagram"
    assert match.group(1).strip() == lifecycle_diagram(LIFECYCLES[name]).strip()


def test_a_lifecycle_diagram_marks_initial_and_final_statuses() -> None:
    payout = lifecycle_diagram(LIFECYCLES["payout"]).splitlines()
    assert payout[1] == "    [*] --> pending"
    assert {line for line in payout if line.endswith("--> [*]")} == {
        "    paid --> [*]",
        "    failed --> [*]",
    }
