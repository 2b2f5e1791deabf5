"""批量核验 at /verify/batch/: the API's batch verification for people — upload a CSV,
read the table, download it and the signed receipt. Nothing uploaded is stored."""

import base64
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tradereg.accounts import ratelimit
from tradereg.common.replica import public_reads
from tradereg.opendata import batch, receipts
from tradereg.opendata.forms_batch import BatchVerifyForm

# Per client address, like the print lookup: each upload may cost 10,000 lookups.
VERIFY_BATCH = ratelimit.Limit("verify_batch", limit=10, window_seconds=10 * 60)


def _data_url(content: str, media_type: str) -> str:
    """A download the browser makes from the page itself: the answer is never kept."""
    encoded = base64.b64encode(content.encode()).decode()
    return f"data:{media_type};charset=utf-8;base64,{encoded}"


@never_cache
@require_http_methods(["GET", "POST"])
def verify_batch(request: HttpRequest) -> HttpResponse:
    """The form; after an upload, the table, a summary and the receipt."""
    if request.method != "POST":
        return render(request, "opendata/verify_batch.html", {"form": BatchVerifyForm()})
    form = BatchVerifyForm(request.POST, request.FILES)
    if not ratelimit.address_allows(request, VERIFY_BATCH):
        form.add_error(None, ratelimit.refused_message(VERIFY_BATCH))
        return render(request, "opendata/verify_batch.html", {"form": form}, status=429)
    if not form.is_valid():
        return render(request, "opendata/verify_batch.html", {"form": form}, status=400)
    data, codes = form.cleaned_data["file"]
    with public_reads():  # the published copy only: a replica may answer (decision 0022)
        rows = batch.batch_rows(codes=codes)
    receipt = receipts.receipt_issue(request_bytes=data, rows=rows)
    document = json.dumps(
        {"receipt": receipt, "rows": rows}, ensure_ascii=False, indent=2, sort_keys=True
    )
    summary = batch.batch_summary(rows)
    return render(
        request,
        "opendata/verify_batch.html",
        {
            "form": BatchVerifyForm(),
            "rows": rows,
            "kinds": batch.KIND_LABELS,
            "verdicts": batch.STATUS_LABELS,
            "summary": summary,
            "receipt": receipt,
            "receipt_url": _data_url(document, "application/json"),
            "csv_url": _data_url(batch.rows_csv(rows), "text/csv"),
            "file_stem": _("批量核验结果"),
            "receipt_stem": _("批量核验结果-回执"),
        },
    )
