"""The back's wording is keyed by its data, and the sheet and service modules import in
one direction only.
"""

import ast
import json
from pathlib import Path

import pytest

from tradereg.printing import services, sheets

PRINTING = Path(sheets.__file__).resolve().parent


# --- the back's version -------------------------------------------------------------------


@pytest.fixture
def fresh_back_texts():
    sheets.back_texts.cache_clear()
    yield
    sheets.back_texts.cache_clear()


def test_each_back_file_is_named_after_the_version_it_declares():
    files = sorted((PRINTING / "data").glob("back_*.json"))
    assert files
    for path in files:
        version = json.loads(path.read_text(encoding="utf-8"))["version"]
        assert path.name == f"back_{version}.json"


def test_the_back_printed_is_looked_up_by_the_version_its_data_declares():
    current = sheets.back_version()
    assert current == "2016-12"
    assert sheets.back_text(current)["version"] == current
    assert sheets.back_text() is sheets.back_text(current)
    assert sheets.blank_form().back["version"] == current
    assert services.back_text is sheets.back_text


@pytest.mark.usefixtures("fresh_back_texts")
def test_a_newer_back_file_becomes_the_one_printed(tmp_path, monkeypatch):
    for version, heading in (("2016-12", "旧的承诺"), ("2021-03", "新的承诺")):
        text = {
            "version": version,
            "heading": heading,
            "clauses": [],
            "closing": "",
            "signature": [],
        }
        (tmp_path / f"back_{version}.json").write_text(json.dumps(text), encoding="utf-8")
    monkeypatch.setattr(sheets, "DATA_DIR", tmp_path)
    assert sheets.back_version() == "2021-03"
    assert sheets.back_text()["heading"] == "新的承诺"
    assert sheets.back_text("2016-12")["heading"] == "旧的承诺"


# --- no import cycle ----------------------------------------------------------------------


def imports(module: Path) -> tuple[set[str], list[int]]:
    """The modules a file imports, and the lines of any import not at its top level."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    names, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        else:
            continue
        if id(node) not in top:
            nested.append(node.lineno)
    return names, nested


def test_sheets_does_not_import_services_and_every_import_is_at_the_top():
    sheet_imports, sheet_nested = imports(PRINTING / "sheets.py")
    _service_imports, service_nested = imports(PRINTING / "services.py")
    assert "tradereg.printing.services" not in sheet_imports
    assert sheet_nested == []
    assert service_nested == []
