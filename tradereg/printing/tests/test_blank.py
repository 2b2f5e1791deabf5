"""空白表下载: the blank form, same templates with empty values, with the filling notes."""

import pytest

from tradereg.filings.forms import SECTION_LABELS
from tradereg.printing.tests.helpers import pdf_pages, pdf_text, squeeze

pytestmark = pytest.mark.usefixtures("reference_data")


def test_blank_page_has_notes_downloads_and_print_buttons(client):
    page = client.get("/forms/blank/").content.decode()
    for text in (
        "填表说明",
        "半角",
        "工商登记注册号",
        "下载正面PDF",
        "下载背面PDF",
        "打印正面",
        "打印背面",
        'data-print="front"',
        'data-print="back"',
    ):
        assert text in page, text
    assert page.count('class="sheet ') == 2


def test_blank_front_pdf_has_both_sections_and_no_data(client):
    response = client.get("/forms/blank/front.pdf")
    assert response.status_code == 200
    assert len(pdf_pages(response.content)) == 1
    text = pdf_text(response.content)
    assert "对外贸易经营者备案登记表" in text
    for labels in SECTION_LABELS.values():
        assert squeeze(str(labels["heading"])) in text
    assert "核验码" not in text
    assert "尚未审核" not in text


def test_blank_back_pdf_has_the_clauses(client):
    response = client.get("/forms/blank/back.pdf")
    assert len(pdf_pages(response.content)) == 1
    assert "对外贸易经营者郑重承诺以下事项" in pdf_text(response.content)
