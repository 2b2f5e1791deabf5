"""The PDF of each side: one A4 page, the bundled CJK font, extractable text; approved
forms rendered once and kept.
"""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from tradereg.filings.models import FilingRevision, IdType
from tradereg.printing import pdf, services
from tradereg.printing.models import Audience, RenderedForm
from tradereg.printing.sheets import FormData, State, form_of
from tradereg.printing.tests.helpers import (
    approve_change,
    logged_in,
    opened,
    pdf_pages,
    pdf_text,
    squeeze,
)

pytestmark = pytest.mark.usefixtures("reference_data")

A4 = (595.28, 841.89)  # points


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def test_front_pdf_has_the_name_and_codes(approved):
    revision = approved.approved_revision
    text = pdf_text(download(opened(approved), f"/print/{approved.pk}/front.pdf"))
    for value in (
        revision.name_cn,
        squeeze(revision.name_en),
        approved.form_no,
        approved.ie_code,
        revision.uscc,
        revision.authority.name,
        "对外贸易经营者备案登记表",
        "依法办理工商登记的企业还须填写以下内容",
        "备案登记机关（签章）",
    ):
        assert value in text, value


def test_back_pdf_has_the_clauses(approved):
    back = services.back_text()
    text = pdf_text(download(opened(approved), f"/print/{approved.pk}/back.pdf"))
    assert squeeze(back["heading"]) in text
    for clause in back["clauses"]:
        assert squeeze(clause) in text
    assert squeeze(back["closing"]) in text
    assert approved.form_no in text


@pytest.mark.parametrize("side", ["front", "back"])
def test_each_side_is_one_a4_page(approved, side):
    pages = pdf_pages(download(opened(approved), f"/print/{approved.pk}/{side}.pdf"))
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == pytest.approx(A4, abs=1)


def test_pdf_embeds_the_bundled_cjk_font(approved):
    page = pdf_pages(download(opened(approved), f"/print/{approved.pk}/front.pdf"))[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    names = [str(font["/BaseFont"]) for font in fonts]
    # One font, one weight: a synthetic bold would be a second subset to embed per page.
    assert len(names) == 1, names
    assert names[0].endswith(f"+{pdf.FONT_FAMILY}")
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile3" in descriptor or "/FontFile2" in descriptor  # embedded subset


def test_public_pdf_masks_and_owner_pdf_shows_the_id_number(approved):
    revision = approved.approved_revision
    public = pdf_text(download(opened(approved), f"/print/{approved.pk}/front.pdf"))
    assert revision.id_number not in public
    assert revision.masked_id_number in public
    owner = logged_in(approved.owner)
    mine = pdf_text(download(owner, f"/filing/{approved.pk}/application-form/front.pdf"))
    assert revision.id_number in mine


def test_public_pdf_never_holds_the_full_id_number_in_any_state(changing):
    revision = changing.approved_revision
    client = opened(changing)
    for side in ("front", "back"):
        text = pdf_text(download(client, f"/print/{changing.pk}/{side}.pdf"))
        assert revision.id_number not in text
        assert changing.current_revision.id_number not in text
    assert revision.masked_id_number in pdf_text(
        download(client, f"/print/{changing.pk}/front.pdf")
    )


def test_pending_change_pdf_has_the_approved_data(changing):
    text = pdf_text(download(opened(changing), f"/print/{changing.pk}/front.pdf"))
    assert changing.approved_revision.name_cn in text
    assert changing.current_revision.name_cn not in text


def test_application_pdf_is_marked_and_not_kept(draft):
    owner = logged_in(draft.owner)
    text = pdf_text(download(owner, f"/filing/{draft.pk}/application-form/front.pdf"))
    assert draft.current_revision.name_cn in text
    assert draft.system_no in text
    assert "尚未审核" in text
    assert not RenderedForm.objects.exists()


def test_approved_pdf_rendered_once_and_kept(approved, monkeypatch):
    client = opened(approved)
    first = download(client, f"/print/{approved.pk}/front.pdf")
    rows = RenderedForm.objects.filter(filing=approved)
    assert sorted(rows.values_list("side", flat=True)) == ["back", "front"]
    kept = rows.get(side="front")
    assert kept.revision_number == approved.approved_revision.number
    assert kept.audience == Audience.PUBLIC
    assert kept.file.name.startswith(f"printing/forms/{approved.pk}/")
    assert default_storage.exists(kept.file.name)

    def no_weasyprint(html):
        raise AssertionError("rendered again instead of reusing the kept file")

    monkeypatch.setattr(pdf, "render_pages", no_weasyprint)
    assert download(client, f"/print/{approved.pk}/front.pdf") == first
    download(client, f"/print/{approved.pk}/back.pdf")  # kept with the front
    assert RenderedForm.objects.filter(filing=approved).count() == 2


def test_kept_file_is_not_public(approved):
    client = opened(approved)
    download(client, f"/print/{approved.pk}/front.pdf")
    name = RenderedForm.objects.get(filing=approved, side="front").file.name
    for url in (f"/media/{name}", f"/{name}", f"/static/{name}"):
        assert client.get(url).status_code == 404


def test_owner_and_public_copies_are_kept_apart(approved):
    download(opened(approved), f"/print/{approved.pk}/front.pdf")
    download(logged_in(approved.owner), f"/filing/{approved.pk}/application-form/front.pdf")
    audiences = set(RenderedForm.objects.values_list("audience", flat=True))
    assert audiences == {Audience.PUBLIC, Audience.OWNER}


def test_new_approved_revision_rendered_afresh(approved):
    client = opened(approved)
    download(client, f"/print/{approved.pk}/front.pdf")
    approved = approve_change(approved)
    text = pdf_text(download(client, f"/print/{approved.pk}/front.pdf"))
    assert approved.approved_revision.name_cn in text
    numbers = set(RenderedForm.objects.values_list("revision_number", flat=True))
    assert numbers == {1, approved.approved_revision.number}


def test_missing_kept_file_rendered_again(approved):
    client = opened(approved)
    download(client, f"/print/{approved.pk}/front.pdf")
    kept = RenderedForm.objects.get(filing=approved, side="front")
    default_storage.delete(kept.file.name)
    text = pdf_text(download(client, f"/print/{approved.pk}/front.pdf"))
    assert approved.form_no in text
    kept.refresh_from_db()
    assert default_storage.exists(kept.file.name)


def test_longest_entries_still_fit_one_page_each(approved):
    """Every field at its maximum length: the front is set denser, never a third page."""
    base = approved.approved_revision
    revision = FilingRevision(
        filing=approved,
        number=base.number,
        authority=base.authority,
        method=base.method,
        name_cn="国" * 100,
        name_en="W" * 256,
        uscc=base.uscc,
        operator_type=base.operator_type,
        residence="住" * 200,
        premises_cn="场" * 200,
        premises_en="M" * 256,
        phone="0" * 32,
        fax="1" * 32,
        postcode="100000",
        email="a" * 64 + "@" + "b" * 180 + ".cn",
        registration_date=date(2000, 1, 1),
        registration_no=base.uscc,
        representative="张" * 50,
        id_type=IdType.PASSPORT,
        id_number="P" * 32,
        capital=Decimal("99999999999999.999999"),
        currency=base.currency,
        capital_usd=Decimal("99999999999999.999999"),
        remarks="备" * 1000,
    )
    data = FormData.from_revision(approved, revision, audience=Audience.OWNER)
    form = form_of(state=State.APPLICATION, audience=Audience.OWNER, data=data)
    pages = services.form_pdf_render(form=form)
    assert [len(pdf_pages(data)) for data in pages.values()] == [1, 1]
    assert "备" * 20 in pdf_text(pages["front"])


def test_ordinary_form_uses_the_normal_density(approved):
    form = services.published_printed_form(filing_id=approved.pk)
    assert form.density == "normal"
    assert dataclasses.replace(form, data=None).density == "compact"


def test_renderer_fetches_nothing_but_the_font_and_style_sheet():
    fetcher = pdf._fetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.css", "https://127.0.0.1/"):
        with pytest.raises(ValueError, match="not fetched"):
            fetcher.fetch(url)
    fetcher.fetch(pdf.font_path().as_uri()).close()
