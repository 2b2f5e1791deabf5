"""The public REST API at /api/v1/ (django-ninja): one router per topic, so that further
topics (watches, batch verification) are routers added beside these.

Reads only the registry's published copy; every error is ``schemas.Error`` with a stable
code. Identification, rate limits and their headers: ``limits.guarded``.
"""

from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from ninja import NinjaAPI, Query, Router
from ninja.errors import ValidationError

from tradereg.common.codes import normalize_code
from tradereg.opendata import api_batch, cursors, selectors, snapshots
from tradereg.opendata.limits import error_response
from tradereg.opendata.models import ApiKey
from tradereg.opendata.schemas import (
    ChangeOut,
    ChangePage,
    Error,
    FormFacts,
    OperatorDetail,
    OperatorPage,
    OperatorSummary,
    SnapshotFile,
    SnapshotOut,
    Verification,
)
from tradereg.printing.forms import clean_verification_code
from tradereg.printing.selectors import Result

ERRORS = {
    frozenset({400, 401, 403, 404, 422, 429}): Error,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(code)
        self.status, self.code, self.zh, self.en = status, code, zh, en


api = NinjaAPI(
    title="对外贸易经营者备案登记 开放数据接口",
    version="1",
    description=(
        "The published register of foreign-trade operators: search, verify, follow the "
        "changes, download daily snapshots. See docs/api.md. Send an API key as "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>` for the higher rate limit."
    ),
    urls_namespace="api",
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return error_response(error.status, error.code, error.zh, error.en)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields = sorted(
        {".".join(str(part) for part in item.get("loc", ())[1:]) for item in error.errors}
    )
    named = "、".join(fields) or "?"
    return error_response(
        422,
        "validation_error",
        f"请求参数有误：{named}。",
        f"Invalid request parameters: {', '.join(fields) or '?'}.",
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(404, "not_found", "没有找到。", "Not found.")


def _clean_text(value: str, name: str) -> str:
    """Text from a URL as the database may take it: no NUL or other control character."""
    if any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ApiError(
            422, f"{name}_invalid", "请求参数含有不可用的字符。", f"{name} has invalid characters."
        )
    return value


def _scope(request: HttpRequest, scope: str) -> None:
    """403 when the request's key lacks ``scope``; anonymous use may read everything, at
    the anonymous rate."""
    api_key = getattr(request, "api_key", None)
    if api_key is not None and scope not in api_key.scopes:
        raise ApiError(
            403,
            "scope_missing",
            "该接口密钥无权访问此接口。",
            f"This API key lacks the scope {scope}.",
        )


# --- operators ------------------------------------------------------------------------

operators = Router(tags=["operators"])


@operators.get("", response={200: OperatorPage, **ERRORS}, url_name="operators")
def operator_search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=100, description="Code or name fragment"),
    after: str | None = Query(None, max_length=200, description="next_cursor of a page"),
    limit: int = Query(20, ge=1, le=50),
):
    """经营者信息查询: a 13-, 18- or 9-character code in any typed form, or a fragment of
    two characters or more of the Chinese or English name; newest approval first, exact
    code matches on top of the first page."""
    _scope(request, ApiKey.Scope.READ)
    query = _clean_text(q, "q").strip()
    problem = selectors.operator_query_problem(query)
    if problem is not None:
        raise ApiError(
            422, "query_too_short", problem, "Type at least two characters or a whole code."
        )
    try:
        token = cursors.search_token(after) if after else None
    except cursors.CursorInvalid:
        raise ApiError(
            400, "cursor_invalid", "分页游标无效。", "The cursor is not valid."
        ) from None
    page = selectors.operator_search_page(query=query, after=token, page_size=limit)
    return {
        "results": [_summary(row) for row in page.all_rows],
        "next_cursor": cursors.search_cursor(page.next_cursor),
        "complete": page.complete,
    }


def _summary(row) -> OperatorSummary:
    return OperatorSummary(
        ie_code=row.ie_code,
        name_cn=row.name_cn,
        name_en=row.name_en,
        authority_name=row.authority_name,
        approved_on=timezone.localdate(row.approved_at),
        status=row.status,
    )


@operators.get("/{ie_code}", response={200: OperatorDetail, **ERRORS}, url_name="operator")
def operator_detail(request: HttpRequest, ie_code: str):
    """One operator's public information (never an ID number) and its current form's
    verification code."""
    _scope(request, ApiKey.Scope.READ)
    code = normalize_code(_clean_text(ie_code, "ie_code"))
    if len(code) != 13 or not (code.isascii() and code.isalnum()):
        raise ApiError(
            422, "ie_code_invalid", "进出口企业代码应为13位。", "An ie_code has 13 characters."
        )
    operator = selectors.operator_by_ie_code(ie_code=code)
    if operator is None:
        raise ApiError(404, "operator_not_found", "没有找到该经营者。", "No such operator.")
    facts = {name: getattr(operator, name) for name in selectors.PUBLIC_FIELDS}
    facts["approved_on"] = timezone.localdate(facts.pop("approved_at"))
    return {**facts, "verification_code": operator.verification_code}


# --- verification ---------------------------------------------------------------------

verify = Router(tags=["verify"])

_SAYS = {
    Result.CURRENT: (
        "真实有效：本登记表由本系统出具，经备案登记机关审核通过，是该经营者当前有效的备案登记表。",
        "Genuine and current: issued by this register and the operator's form in force.",
    ),
    Result.SUPERSEDED: (
        "已被变更取代：本登记表由本系统出具并曾经审核通过，但该经营者于{date}办理的变更已审核"
        "通过，请以变更后的登记表为准。",
        "Genuine but superseded: a change approved on {date} replaced this form.",
    ),
    Result.CANCELLED: (
        "已注销：本登记表由本系统出具并曾经审核通过，但该经营者的备案登记已注销，本表不再有效。",
        "Genuine but cancelled: the operator's filing has been cancelled.",
    ),
}


@verify.get("/{code}", response={200: Verification, **ERRORS}, url_name="verify")
def verify_code(request: HttpRequest, code: str):
    """What the QR code on a printed form leads to, as JSON: genuine, and current,
    superseded or cancelled."""
    _scope(request, ApiKey.Scope.READ)
    try:
        canonical = clean_verification_code(_clean_text(code, "code"))
    except DjangoValidationError:
        raise ApiError(
            422,
            "verification_code_invalid",
            "核验码为10位字母或数字，请核对后重新输入。",
            "A verification code has 10 letters or digits.",
        ) from None
    verification = selectors.verification_get(code=canonical)
    if not verification.genuine:
        raise ApiError(
            404,
            "verification_code_not_found",
            "未找到该核验码对应的登记表。",
            "No form was issued with this verification code.",
        )
    entry, published = verification.entry, verification.published
    current_on = timezone.localdate(published.approved_at)
    zh, en = _SAYS[verification.result]
    return {
        "genuine": True,
        "result": verification.result,
        "message_zh": zh.format(date=date_format(current_on, "Y年n月j日")),
        "message_en": en.format(date=current_on.isoformat()),
        "form": FormFacts(
            verification_code=entry.code,
            form_no=entry.form_no,
            ie_code=entry.ie_code,
            name_cn=entry.name_cn,
            name_en=entry.name_en,
            uscc=entry.uscc,
            org_code=entry.org_code,
            authority_name=entry.authority_name,
            approved_on=timezone.localdate(entry.approved_at),
        ),
        "operator_status": published.status,
        "current_approved_on": current_on,
    }


# --- bulk and change data -------------------------------------------------------------

changes = Router(tags=["changes"])


@changes.get("", response={200: ChangePage, **ERRORS}, url_name="changes")
def change_feed(
    request: HttpRequest,
    after: str | None = Query(None, max_length=200, description="A cursor; none: the start"),
    limit: int = Query(100, ge=1, le=1000),
):
    """Every publish, change and cancellation of the published register, in commit
    order; resume from any cursor without gaps or duplicates."""
    _scope(request, ApiKey.Scope.BULK)
    try:
        position = cursors.change_position(after) if after else 0
    except cursors.CursorInvalid:
        raise ApiError(400, "cursor_invalid", "游标无效。", "The cursor is not valid.") from None
    entries = selectors.changes_after(position=position, limit=limit)
    return {
        "entries": [
            ChangeOut(
                cursor=cursors.change_cursor(entry.position),
                kind=entry.kind,
                ie_code=entry.ie_code,
                name_cn=entry.name_cn,
                status=entry.status,
                revision_number=entry.revision_number,
                occurred_at=entry.occurred_at,
            )
            for entry in entries
        ],
        "next_cursor": cursors.change_cursor(entries[-1].position if entries else position),
    }


bulk = Router(tags=["snapshots"])


@bulk.get("", response={200: list[SnapshotOut], **ERRORS}, url_name="snapshots")
def snapshot_list(request: HttpRequest):
    """The daily snapshots of the whole register, newest first (the last 30 are kept)."""
    _scope(request, ApiKey.Scope.BULK)
    return [
        SnapshotOut(
            id=snapshot.pk,
            day=snapshot.day,
            created_at=snapshot.created_at,
            row_count=snapshot.row_count,
            changes_cursor=cursors.change_cursor(snapshot.change_position),
            csv=SnapshotFile(
                url=reverse("api:snapshot_file", args=[snapshot.pk, "csv"]),
                size=snapshot.csv_size,
                sha256=snapshot.csv_sha256,
            ),
            jsonl=SnapshotFile(
                url=reverse("api:snapshot_file", args=[snapshot.pk, "jsonl"]),
                size=snapshot.jsonl_size,
                sha256=snapshot.jsonl_sha256,
            ),
        )
        for snapshot in selectors.snapshots_list()
    ]


@bulk.get(
    "/{snapshot_id}/{file_format}",
    response={200: None, **ERRORS},
    url_name="snapshot_file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The gzip file (CSV with a header row, or JSON Lines).",
                "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def snapshot_file(request: HttpRequest, snapshot_id: int, file_format: Literal["csv", "jsonl"]):
    """One snapshot's file, streamed from the media storage."""
    _scope(request, ApiKey.Scope.BULK)
    snapshot = selectors.snapshot_get(pk=snapshot_id)
    if snapshot is None:
        raise ApiError(404, "snapshot_not_found", "没有找到该数据快照。", "No such snapshot.")
    name = snapshot.csv_name if file_format == "csv" else snapshot.jsonl_name
    return FileResponse(
        snapshots.snapshot_open(name=name),
        as_attachment=True,
        filename=f"tradereg-{snapshot.day.isoformat()}.{file_format}.gz",
        content_type="application/gzip",
    )


api.add_router("/operators", operators)
api.add_router("", api_batch.router)  # before /verify: /verify/batch is not a {code}
api.add_router("/verify", verify)
api.add_router("/changes", changes)
api.add_router("/snapshots", bulk)
api.add_router("/watches", "tradereg.opendata.api_watches.watches")
