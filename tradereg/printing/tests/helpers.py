"""Helpers for the printing tests: look a form up, change or cancel a filing, read PDFs."""

import io
import re

from django.test import Client
from pypdf import PdfReader

from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services as filing_services
from tradereg.filings.models import Filing
from tradereg.filings.tests.factories import filing_data, make_officer, pdf_upload, same_operator

BACKEND = "tradereg.accounts.backends.UsernameOrEmailBackend"


def logged_in(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def look_up(client: Client, number: str, code: str):
    return client.post("/print/", {"number": number, "code": code})


def opened(filing: Filing, *, by: str = "form_no") -> Client:
    """A fresh anonymous browser that has found ``filing`` on /print/."""
    client = Client()
    revision = filing.approved_revision or filing.current_revision
    number = filing.form_no if by == "form_no" else filing.system_no
    response = look_up(client, number, revision.uscc)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def approve_change(filing: Filing) -> Filing:
    """Save a change, report it and approve it: a new approved revision."""
    filing = filing_services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(**same_operator(filing)),
    )
    filing_services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="signed_form", uploaded=pdf_upload()
    )
    filing = filing_services.filing_report(filing=filing, acting_user=filing.owner)
    officer = make_officer(code=filing.authority.code)
    return filing_services.filing_approve(filing=filing, acting_user=officer)


def cancel(filing: Filing) -> Filing:
    officer = make_officer(code=filing.authority.code)
    return filing_services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")


def pdf_pages(data: bytes) -> list:
    return PdfReader(io.BytesIO(data)).pages


def pdf_text(data: bytes) -> str:
    """The text of a PDF without any whitespace: extraction splits lines unpredictably."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf_pages(data)))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)
