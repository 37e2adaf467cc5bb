"""Docs name no machine-specific path or internal branch (issue 20 item 7): what a reader sees must hold on any
checkout, so README, docs/ and the skill file never point into a developer's workspace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "skills").rglob("*.md"))]
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root)/")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_doc_names_no_machine_path(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    found = [m.group(0) for m in MACHINE_PATH.finditer(text)]
    assert not found, f"{doc.name} names a machine path: {found[:3]}"
