"""The back's wording is keyed by its data, the filling notes read the 经营者类型 list, and
the sheet and service modules import in one direction only.
"""

import ast
import json
from pathlib import Path

import pytest

from tradereg.filings.models import OperatorType, Section
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


# --- the filling notes --------------------------------------------------------------------


@pytest.mark.usefixtures("reference_data")
def test_filling_notes_name_the_operator_types_of_each_section(client):
    page = client.get("/forms/blank/").content.decode()
    assert (
        "国有企业、集体企业、私营企业、中外合资企业、中外合作企业、外商独资企业和其他企业"
        "填写“依法办理工商登记的企业还须填写以下内容”部分；"
        "外国（地区）企业和个体工商户（独资经营者）填写另一部分。"
    ) in page


@pytest.mark.usefixtures("reference_data")
def test_filling_notes_follow_the_admin_edited_list(client):
    OperatorType.objects.filter(name="私营企业").update(name="民营企业")
    OperatorType.objects.filter(name="集体企业").update(is_active=False)
    OperatorType.objects.create(name="港澳台个体工商户", section=Section.B, sort_order=999)
    page = client.get("/forms/blank/").content.decode()
    assert "国有企业、民营企业、中外合资企业" in page
    assert "外国（地区）企业、个体工商户（独资经营者）和港澳台个体工商户填写另一部分。" in page
    assert "私营企业" not in page
    assert "集体企业" not in page


@pytest.mark.usefixtures("reference_data")
def test_filling_notes_with_only_one_section_in_use(client):
    OperatorType.objects.filter(section=Section.B).update(is_active=False)
    page = client.get("/forms/blank/").content.decode()
    assert "外商独资企业和其他企业填写“依法办理工商登记的企业还须填写以下内容”部分。" in page
    assert "另一部分" not in page
