from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tradereg.filings import selectors
from tradereg.filings.forms import SECTION_LABELS
from tradereg.printing.services import back_text


def application_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The application form to print, sign and stamp: for the owner, or the browser
    session that has just saved it. Before approval it is marked as not yet approved.
    """
    filing = selectors.filing_get_for_print(request=request, pk=pk)
    revision = filing.current_revision
    return render(
        request,
        "printing/form_print.html",
        {
            "filing": filing,
            "revision": revision,
            "labels": SECTION_LABELS[revision.operator_type.section],
            "approved_view": False,
            "back": back_text(),
        },
    )
