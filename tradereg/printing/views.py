from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tradereg.accounts import ratelimit
from tradereg.audit.services import client_ip
from tradereg.filings import selectors as filing_selectors
from tradereg.filings.models import Filing
from tradereg.printing import selectors, services
from tradereg.printing.forms import (
    PrintLookupForm,
    VerifyForm,
    VerifyPdfForm,
    clean_verification_code,
)
from tradereg.printing.models import Audience, Side
from tradereg.printing.sheets import PrintedForm, blank_form

PRINT_LIMIT = 10  # lookups per client address and window
PRINT_WINDOW_SECONDS = 10 * 60
VERIFY_LIMIT = 60
VERIFY_WINDOW_SECONDS = 10 * 60
# Uploaded PDFs, per client address: each costs a parse and a signature check.
VERIFY_PDF = ratelimit.Limit("verify_pdf", limit=30, window_seconds=10 * 60)

NOT_FOUND = gettext_lazy("未找到匹配的登记表，请核对登记表编号和代码")
SIDE_NAMES = {Side.FRONT: "正面", Side.BACK: "背面"}


def _pdf_response(form: PrintedForm, side: str) -> HttpResponse:
    data = services.form_pdf(form=form, side=side)
    response = HttpResponse(data, content_type="application/pdf")
    label = f"-{form.file_label}" if form.file_label else ""
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"备案登记表{SIDE_NAMES[side]}{label}.pdf"
    )
    return response


def _sheet_page(request: HttpRequest, form: PrintedForm, **context) -> HttpResponse:
    return render(request, "printing/form_print.html", {"form": form, **context})


# --- public: print by number and code ----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def print_lookup(request: HttpRequest) -> HttpResponse:
    """打印登记表: 登记表编号 + the operator's code open the form for this browser session.

    A wrong pair gets one neutral message that does not say which half was wrong; every
    client address may try ``PRINT_LIMIT`` times per window.
    """
    form = PrintLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed = ratelimit.hit(
            key=f"print:ip:{client_ip(request)}",
            limit=PRINT_LIMIT,
            window_seconds=PRINT_WINDOW_SECONDS,
        )
        if not allowed:
            form.add_error(None, _("查询过于频繁，请10分钟后再试。"))
        else:
            number = form.cleaned_data["number"]
            published = selectors.published_form_find(number=number, code=form.cleaned_data["code"])
            services.print_access_grant(request=request, published=published, number=number)
            if published is not None:
                return redirect("printing:print_result", pk=published.filing_id)
            form.add_error(None, NOT_FOUND)
    own = []
    if request.user.is_authenticated:
        own = list(filing_selectors.filing_list_for_owner(user=request.user))
    return render(request, "printing/print_lookup.html", {"form": form, "own_filings": own})


def _public_form(request: HttpRequest, pk: int) -> PrintedForm:
    """The published form this session has found; 404 for any other, whoever asks."""
    if not selectors.print_granted(request=request, filing_id=pk):
        raise Http404
    form = services.published_printed_form(filing_id=pk)
    if form is None:
        raise Http404
    return form


@never_cache
@require_GET
def print_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The form found on /print/: the published copy of the last approved revision (never
    a pending change, never a draft).
    """
    form = _public_form(request, pk)
    return _sheet_page(
        request,
        form,
        pdf_front=reverse("printing:print_pdf_front", args=[pk]),
        pdf_back=reverse("printing:print_pdf_back", args=[pk]),
    )


@never_cache
@require_GET
def print_pdf(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    return _pdf_response(_public_form(request, pk), side)


# --- the owner ---------------------------------------------------------------------------


def _owner_form(request: HttpRequest, pk: int) -> tuple[Filing, PrintedForm]:
    filing = filing_selectors.filing_get_for_print(request=request, pk=pk)
    return filing, services.printed_form_for(filing=filing, audience=Audience.OWNER)


@never_cache
@require_GET
def application_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The form for the owner, or the browser session that has just saved it: the pending
    revision as an application to sign (marked as not yet approved), or the approved form.
    The ID number is shown in full only here.
    """
    filing, form = _owner_form(request, pk)
    return _sheet_page(
        request,
        form,
        owner_view=True,
        pdf_front=reverse("printing:application_pdf_front", args=[filing.pk]),
        pdf_back=reverse("printing:application_pdf_back", args=[filing.pk]),
    )


@never_cache
@require_GET
def application_pdf(request: HttpRequest, pk: int, side: str) -> HttpResponse:
    _filing, form = _owner_form(request, pk)
    return _pdf_response(form, side)


# --- blank forms -------------------------------------------------------------------------


@require_GET
def blank_forms(request: HttpRequest) -> HttpResponse:
    """空白表下载: the same two sheets with empty values, and the notes on filling them in."""
    return render(request, "printing/blank_forms.html", {"form": blank_form()})


@require_GET
def blank_pdf(request: HttpRequest, side: str) -> HttpResponse:
    return _pdf_response(blank_form(), side)


# --- verification ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """核验登记表: type the code printed on the form (a GET form: nothing changes), or
    upload the form's PDF (POST) to check its signature; the PDF is never stored.
    """
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("printing:verify_code", code=form.cleaned_data["code"])
    if request.method == "POST":
        pdf_form = VerifyPdfForm(request.POST, request.FILES)
    else:
        pdf_form = VerifyPdfForm()
    status = 200
    if request.method == "POST":
        if not ratelimit.address_allows(request, VERIFY_PDF):
            pdf_form.add_error(None, _("核验过于频繁，请10分钟后再试。"))
            status = 429
        elif pdf_form.is_valid():
            try:
                check, verification = services.form_pdf_verify(
                    data=pdf_form.cleaned_data["pdf"], request=request
                )
            except ValidationError as error:
                pdf_form.add_error("pdf", error)
            else:
                return render(
                    request,
                    "printing/verify_result.html",
                    {"verification": verification, "signature": check, "code": check.code},
                )
        if status == 200 and pdf_form.errors:
            status = 400
    return render(
        request,
        "printing/verify_lookup.html",
        {"form": form, "pdf_form": pdf_form},
        status=status,
    )


@never_cache
@require_GET
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """What the QR code opens: is this form genuine, approved and current? Logged."""
    try:
        canonical = clean_verification_code(code)
    except forms.ValidationError:
        canonical = None
    if canonical and canonical != code:
        return redirect("printing:verify_code", code=canonical)
    allowed = ratelimit.hit(
        key=f"verify:ip:{client_ip(request)}",
        limit=VERIFY_LIMIT,
        window_seconds=VERIFY_WINDOW_SECONDS,
    )
    if not allowed:
        return render(
            request,
            "printing/verify_result.html",
            {"limited": True, "code": code},
            status=429,
        )
    verification = services.form_verify(code=canonical or code[:20], request=request)
    return render(
        request,
        "printing/verify_result.html",
        {"verification": verification, "code": code},
        status=200 if verification.genuine else 404,
    )
