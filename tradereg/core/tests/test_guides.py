"""The user guides show only screenshots that a browser test takes, so a guide cannot
point at a picture of a page that no longer exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GUIDES = sorted((ROOT / "docs" / "guide").glob("*.md"))
IMAGE = re.compile(r"!\[[^\]]*\]\(\.\./screenshots/([0-9a-z-]+)\.png\)")


def taken_by_tests() -> set[str]:
    """Every screenshot name the browser tests use: ``screenshot(page, "…")`` or a name
    handed to a step that takes one (``bind_authenticator(page, screenshot, "…")``)."""
    names: set[str] = set()
    for path in (ROOT / "tradereg").rglob("*.py"):
        if not (path.name.startswith("test_") or path.parent.name == "tests"):
            continue
        text = path.read_text()
        if "screenshot" in text:
            names |= set(re.findall(r'"([0-9]{2}-[a-z0-9-]+)"', text))
    return names


def test_there_are_guides_for_enterprises_and_officers():
    assert {guide.name for guide in GUIDES} == {"enterprise.md", "officer.md"}


@pytest.mark.parametrize("guide", GUIDES, ids=lambda guide: guide.name)
def test_every_picture_of_a_guide_is_taken_by_a_browser_test(guide):
    pictures = IMAGE.findall(guide.read_text())
    assert pictures
    taken = taken_by_tests()
    assert [name for name in pictures if name not in taken] == []
    assert [
        name for name in pictures if not (ROOT / "docs" / "screenshots" / f"{name}.png").exists()
    ] == []
