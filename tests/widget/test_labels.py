"""The widget's words: every language file has exactly the English labels' keys, with the same
placeholders, so no label falls back to a missing key in one language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "livedesk" / "widget" / "static"


def english() -> dict[str, str]:
    source = (STATIC / "embed.js").read_text()
    block = re.search(r"var LABELS = \{(.*?)\n  \};", source, re.S)
    assert block is not None, "embed.js defines its English labels as `var LABELS = {…};`"
    return dict(re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', block.group(1)))


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("language", sorted(p.stem for p in (STATIC / "i18n").glob("*.json")))
def test_a_language_has_every_label(language: str) -> None:
    base = english()
    words = json.loads((STATIC / "i18n" / f"{language}.json").read_text())
    assert set(words) == set(base)
    for key, text in words.items():
        assert placeholders(text) == placeholders(base[key]), key
