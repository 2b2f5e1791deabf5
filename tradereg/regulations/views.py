from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tradereg.regulations import selectors
from tradereg.regulations.models import Regulation
from tradereg.regulations.validators import PDF

PDF_MAGIC = b"%PDF-"


@require_safe
def regulation_list(request: HttpRequest) -> HttpResponse:
    """法律法规: every published document, optionally filtered by 时效性."""
    status = request.GET.get("status") or ""
    if status not in Regulation.Status.values:
        status = ""
    context = {
        "regulations": selectors.regulation_list_public(status=status or None),
        "statuses": Regulation.Status.choices,
        "status": status,
    }
    return render(request, "regulations/regulation_list.html", context)


@require_safe
def regulation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    regulation = selectors.regulation_get_public(slug=slug)
    context = {
        "regulation": regulation,
        "related": selectors.regulation_related_public(regulation=regulation),
    }
    return render(request, "regulations/regulation_detail.html", context)


@require_safe
def regulation_attachment(request: HttpRequest, slug: str) -> FileResponse:
    """The attachment, served only if its stored bytes still are a PDF."""
    regulation = selectors.regulation_get_public(slug=slug)
    if not regulation.attachment:
        raise Http404
    try:
        handle = regulation.attachment.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    if handle.read(len(PDF_MAGIC)) != PDF_MAGIC:
        handle.close()
        raise Http404
    handle.seek(0)
    response = FileResponse(
        handle,
        content_type=PDF,
        as_attachment="download" in request.GET,
        filename=f"{regulation.title}.pdf",
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
