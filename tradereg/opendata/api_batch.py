"""Batch verification with a signed receipt, and the receipts' public keys.

``POST /api/v1/verify/batch`` takes a CSV (multipart field ``file``, or the body as
``text/csv``) of up to 10,000 codes and answers each one's status as of now with a
receipt signed by Ed25519 (receipts.py); ``GET /api/v1/keys`` lists the keys that check
it. A batch costs up to 10,000 lookups, so besides the API's per-minute limit it counts
against a lower one of its own (API_BATCH_*_PER_MINUTE).
"""

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Router
from ninja.files import UploadedFile

from tradereg.accounts import ratelimit
from tradereg.audit.services import client_ip
from tradereg.opendata import batch, receipts
from tradereg.opendata.limits import WINDOW_SECONDS, error_response
from tradereg.opendata.models import ApiKey
from tradereg.opendata.schemas import Error
from tradereg.opendata.schemas_batch import BatchAnswer, ReceiptKeys

ERRORS = {frozenset({400, 401, 403, 413, 422, 429}): Error}
CSV_TYPES = ("text/csv", "text/plain")
OPTIONAL_FILE = File(None, description="The CSV (or send it as a text/csv body).")

router = Router(tags=["batch"])


def _batch_allowed(request: HttpRequest) -> tuple[bool, int, int]:
    """Count one batch of the caller: (allowed, the limit, seconds to the window's end)."""
    api_key = getattr(request, "api_key", None)
    if api_key is not None:
        who, limit = f"key:{api_key.pk}", settings.API_BATCH_KEY_PER_MINUTE
    else:
        who = f"ip:{client_ip(request) or 'unknown'}"
        limit = settings.API_BATCH_ANONYMOUS_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    allowed = ratelimit.hit(
        key=f"api-batch:{who}:{window}",
        limit=limit,
        window_seconds=WINDOW_SECONDS,
        cache_alias=ratelimit.LOOKUPS,
    )
    return allowed, limit, max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


def _upload(request: HttpRequest, file: UploadedFile | None) -> bytes | HttpResponse:
    """The uploaded bytes, or the error to answer; never reads more than the limit."""
    too_large = error_response(
        413,
        "file_too_large",
        f"文件过大，每次核验的文件不能超过 {batch.MAX_BYTES // 2**20} MB。",
        f"The file is larger than {batch.MAX_BYTES // 2**20} MB.",
    )
    if file is not None:
        if file.size is not None and file.size > batch.MAX_BYTES:
            return too_large
        return file.read()
    if request.content_type in CSV_TYPES:
        if int(request.META.get("CONTENT_LENGTH") or 0) > batch.MAX_BYTES:
            return too_large
        return request.body
    return error_response(
        422,
        "file_missing",
        "请上传CSV文件：multipart 字段 file，或以 text/csv 作为请求正文。",
        "Send the CSV as the multipart field `file` or as a text/csv body.",
    )


@router.post(
    "/verify/batch",
    response={200: BatchAnswer, **ERRORS},
    url_name="verify_batch",
    description=(
        "A CSV of up to 10,000 codes (verification code, 进出口企业代码 or 统一社会信用代码, "
        "first column, header optional, UTF-8 or GB18030) as the multipart field `file` "
        "or as a `text/csv` body. The answer ends with a receipt signed with Ed25519; "
        "check it with a key from /api/v1/keys (docs/api.md)."
    ),
)
def verify_batch(request: HttpRequest, file: UploadedFile | None = OPTIONAL_FILE):
    """批量核验: every code's status as of now, and the signed receipt."""
    api_key = getattr(request, "api_key", None)
    if api_key is not None and ApiKey.Scope.READ not in api_key.scopes:
        return error_response(
            403, "scope_missing", "该接口密钥无权访问此接口。", "This API key lacks the scope read."
        )
    allowed, limit, reset = _batch_allowed(request)
    if not allowed:
        refused = error_response(
            429,
            "batch_rate_limited",
            f"批量核验过于频繁：每分钟最多{limit}次，请{reset}秒后再试。",
            f"Too many batches: at most {limit} a minute; retry in {reset} s.",
        )
        refused["Retry-After"] = str(reset)
        return refused
    data = _upload(request, file)
    if isinstance(data, HttpResponse):
        return data
    try:
        codes = batch.codes_parse(data)
    except batch.BatchRefused as refused_batch:
        return error_response(
            refused_batch.status, refused_batch.code, refused_batch.zh, refused_batch.en
        )
    rows = batch.batch_rows(codes=codes)
    return {
        "rows": rows,
        "summary": batch.batch_summary(rows),
        "receipt": receipts.receipt_issue(request_bytes=data, rows=rows),
    }


@router.get("/keys", response={200: ReceiptKeys, **ERRORS}, url_name="receipt_keys")
def receipt_keys(request: HttpRequest):
    """The public keys that check batch receipts: the current one first, then the
    previous ones (rotation keeps old receipts checkable)."""
    return {"keys": [key.jwk() for key in receipts.public_keys()]}
