"""The officer workspace (/office/): queue, review, decisions, accounts. Views stay thin:
selectors scope every read to the person's authorities, services check every write.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from tradereg.accounts import services as account_services
from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.common.exports import table_response
from tradereg.filings import services
from tradereg.filings.lifecycle import (
    OFFICER_BUTTONS,
    Action,
    Actor,
    TransitionNotAllowed,
    actions_for,
    can,
    may_act,
)
from tradereg.filings.models import Status
from tradereg.filings.selectors import filing_history
from tradereg.filings.services.personal_data import REVEALING_ROLES
from tradereg.office import exports, selectors
from tradereg.office import services as office_services
from tradereg.office.forms import (
    CancelForm,
    ClaimForm,
    IdNumberRevealForm,
    LegacyImportForm,
    LookupForm,
    NoteForm,
    QueueFilterForm,
    ReturnForm,
)
from tradereg.office.models import LegacyImport


def staff_required(view):
    """Officers, supervisors and national admins; enterprises get 404 (no hint it exists)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role not in selectors.STAFF_ROLES:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _queue_filters(request: HttpRequest) -> tuple[QueueFilterForm, selectors.QueueFilters]:
    """The queue's filters from the address, for the page and its export alike; without
    any, the reported filings (the page number and the export format are no filter)."""
    data = request.GET.copy()
    for key in ("page", "format"):
        data.pop(key, None)
    form = QueueFilterForm(data or {"status": Status.REPORTED})
    filters = selectors.QueueFilters()
    if form.is_valid():
        cleaned = form.cleaned_data
        filters = selectors.QueueFilters(
            status=cleaned["status"],
            kind=cleaned["kind"],
            date_from=cleaned["date_from"],
            date_to=cleaned["date_to"],
            query=cleaned["q"],
        )
    return form, filters


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form, filters = _queue_filters(request)
    page = Paginator(selectors.filing_queue(user=request.user, filters=filters), 25).get_page(
        request.GET.get("page")
    )
    rows = [{"filing": f, "waited": selectors.waited(f)} for f in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "office/queue.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


@staff_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The queue's rows as CSV or XLSX: the same filters, scope and masking as the page,
    every page at once (up to ``QUEUE_EXPORT_MAX_ROWS``)."""
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, filters = _queue_filters(request)
    back = f"{reverse('office:queue')}?{_without(request, 'format')}"
    if not form.is_valid():
        messages.error(request, _("查询条件有误，请修改后再导出。"))
        return redirect(back)
    filings = exports.queue_export_filings(user=request.user, filters=filters)
    if len(filings) > exports.QUEUE_EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("符合条件的备案超过 %(n)d 条，请缩小查询范围后再导出。")
            % {"n": exports.QUEUE_EXPORT_MAX_ROWS},
        )
        return redirect(back)
    audit_record(
        event="queue_exported",
        actor=request.user,
        request=request,
        format=fmt,
        count=len(filings),
        filters={k: str(v) for k, v in form.cleaned_data.items() if v},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return table_response(
        fmt=fmt,
        filename=f"queue-{stamp}",
        title=_("审核队列"),
        header=exports.QUEUE_EXPORT_HEADER,
        rows=(exports.queue_export_row(f) for f in filings),
    )


def _without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


def _review_context(request: HttpRequest, filing, **forms) -> dict:
    revision = filing.current_revision
    approved = filing.approved_revision
    is_change = approved is not None and approved.pk != revision.pk
    returned = selectors.last_return(filing)
    since_return = None
    if returned is not None and filing.status == Status.REPORTED and returned.revision != revision:
        since_return = returned.revision
    compare_to = since_return or (approved if is_change else None)
    actions = actions_for(filing, request.user, OFFICER_BUTTONS)
    return {
        "filing": filing,
        "revision": revision,
        "is_change": is_change,
        "compare_to": compare_to,
        "since_return": since_return,
        "compare_label": (
            pgettext("compared with", "退回时")
            if since_return
            else pgettext("compared with", "已备案")
        ),
        "rows": selectors.revision_rows(revision, compare_to),
        "attachments": selectors.attachments_for_review(filing=filing),
        "history": filing_history(filing=filing, audience="staff"),
        "duplicates": selectors.duplicates_for(user=request.user, filing=filing),
        "notes": filing.notes.select_related("author"),
        "waited": selectors.waited(filing),
        "next_filing": selectors.next_in_queue(user=request.user, filing=filing),
        "last_return": returned,
        "actions": actions,
        "Action": Action,
        # The kind of its latest report, as the queue shows it; a change being prepared is one.
        "kind_is_change": filing.reported_as_change or filing.status == Status.CHANGING,
        "return_form": forms.get("return_form") or ReturnForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "reveal_form": forms.get("reveal_form")
        or IdNumberRevealForm(initial={"revision": revision.number}),
        "revealed": forms.get("revealed"),
        "may_reveal": request.user.role in REVEALING_ROLES,
    }


@staff_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    # 等保: staff reading an enterprise's filing (personal data included) leaves a trace.
    audit_record(event="filing_viewed", actor=request.user, filing=filing, request=request)
    return render(request, "office/review.html", _review_context(request, filing))


def _expected_revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


@staff_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    try:
        filing = services.filing_approve(
            filing=filing,
            acting_user=request.user,
            expected_revision=_expected_revision(request),
            request=request,
        )
    except TransitionNotAllowed as refused:
        messages.error(request, str(refused))
    except PermissionDenied:
        messages.error(request, _("只有该备案登记机关的工作人员可以审核。"))
    else:
        messages.success(
            request,
            _("已审核通过。备案登记表编号 %(form_no)s，进出口企业代码 %(ie_code)s。")
            % {"form_no": filing.form_no, "ie_code": filing.ie_code},
        )
    return redirect("office:review", pk=pk)


def _decide_with_form(
    request: HttpRequest, filing, *, form, form_key: str, act, done: str, denied: str, anchor=""
) -> HttpResponse:
    """Run one form-backed officer action; on a refusal, show the review page again with
    the form as typed and the message beside it or at the top.
    """
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except TransitionNotAllowed as refused:
            messages.error(request, str(refused))
        except PermissionDenied:
            messages.error(request, denied)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('office:review', args=[filing.pk])}{anchor}")
    context = _review_context(request, filing, **{form_key: form})
    return render(request, "office/review.html", context, status=400)


@staff_required
@require_POST
def return_filing(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    return _decide_with_form(
        request,
        filing,
        form=ReturnForm(request.POST),
        form_key="return_form",
        act=lambda data: services.filing_return(
            filing=filing,
            acting_user=request.user,
            reason=data["reason"],
            fields=data["flag_fields"],
            attachment_kinds=data["flag_attachments"],
            expected_revision=_expected_revision(request),
            request=request,
        ),
        done=_("已退回，企业将收到退回原因。"),
        denied=_("只有该备案登记机关的工作人员可以退回。"),
    )


@staff_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    return _decide_with_form(
        request,
        filing,
        form=CancelForm(request.POST),
        form_key="cancel_form",
        act=lambda data: services.filing_cancel(
            filing=filing, acting_user=request.user, reason=data["reason"], request=request
        ),
        done=_("已注销。"),
        denied=_("只有该备案登记机关的工作人员可以注销。"),
    )


@staff_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    return _decide_with_form(
        request,
        filing,
        form=NoteForm(request.POST),
        form_key="note_form",
        act=lambda data: services.note_add(
            filing=filing, acting_user=request.user, body=data["body"], request=request
        ),
        done=_("备注已保存。"),
        denied=_("只有该备案登记机关的工作人员可以添加备注。"),
        anchor="#notes",
    )


@staff_required
@require_POST
def id_number_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """查看完整证件号: shown on this response only, never kept in the page's address."""
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    form = IdNumberRevealForm(request.POST)
    revealed = None
    if form.is_valid():
        revision = filing.revisions.filter(number=form.cleaned_data["revision"]).first()
        if revision is None:
            raise Http404
        try:
            number = services.id_number_reveal(
                filing=filing,
                revision=revision,
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except PermissionDenied:
            messages.error(request, _("您无权查看该备案的完整证件号。"))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            revealed = {"revision": revision.number, "number": number}
    context = _review_context(request, filing, reveal_form=form, revealed=revealed)
    return render(request, "office/review.html", context, status=200 if revealed else 400)


@staff_required
def accounts(request: HttpRequest) -> HttpResponse:
    """Look up an enterprise's username; 开通用户 for legacy filings; send a reset e-mail."""
    form = LookupForm(request.GET or None)
    results = []
    if form.is_valid():
        results = selectors.enterprise_lookup(user=request.user, query=form.cleaned_data["q"])
    return render(
        request,
        "office/accounts.html",
        {
            "form": form,
            "results": [
                {
                    "filing": f,
                    "open_account": can(Action.OPEN_ACCOUNT, f, request.user),
                    "reset_password": f.owner_id is not None
                    and may_act(Actor.OFFICER, f, request.user),
                }
                for f in results
            ],
            "claim_form": ClaimForm(),
        },
    )


@staff_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_staff(user=request.user, pk=pk)
    form = ClaimForm(request.POST)
    back = request.POST.get("back") or "/office/accounts/"
    if not back.startswith("/office/"):
        back = "/office/accounts/"
    if not form.is_valid():
        messages.error(request, _("请填写有效的电子邮箱。"))
        return redirect(back)
    try:
        services.account_claim_invite(
            filing=filing,
            email=form.cleaned_data["email"],
            acting_user=request.user,
            request=request,
        )
    except PermissionDenied:
        messages.error(request, _("只有该备案登记机关的工作人员可以开通用户。"))
    except TransitionNotAllowed as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("开通链接已发送至 %(email)s，企业可自行设置用户名和密码。")
            % {"email": form.cleaned_data["email"]},
        )
    return redirect(back)


@staff_required
@require_POST
def password_reset(request: HttpRequest, user_pk: int) -> HttpResponse:
    user = User.objects.filter(pk=user_pk, role=User.Role.ENTERPRISE).first()
    if user is None:
        raise Http404
    try:
        account_services.password_reset_send(user=user, acting_user=request.user, request=request)
    except PermissionDenied as denied:
        raise Http404 from denied
    messages.success(request, _("重置密码邮件已发送至该企业的注册邮箱。"))
    back = request.POST.get("back") or "/office/accounts/"
    return redirect(back if back.startswith("/office/") else "/office/accounts/")


# --- 历史数据导入: the 系统管理员's import of the legacy register ------------------------


def system_admin_required(view):
    """The 系统管理员 only; every other person is told there is nothing here (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role != User.Role.SYSTEM_ADMIN:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _import_job(token: str) -> LegacyImport:
    return get_object_or_404(LegacyImport.objects.select_related("created_by"), token=token)


@system_admin_required
def legacy_import(request: HttpRequest) -> HttpResponse:
    """Upload a register file; the import runs in the background (see office.tasks)."""
    form = LegacyImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = office_services.legacy_import_upload(
            uploaded=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
            acting_user=request.user,
            request=request,
        )
        return redirect("office:legacy_import_detail", token=job.token)
    recent = LegacyImport.objects.select_related("created_by")[:20]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "office/legacy_import.html", {"form": form, "recent": recent}, status=status
    )


@system_admin_required
def legacy_import_detail(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "office/legacy_import_detail.html", {"job": _import_job(token)})


@system_admin_required
def legacy_import_progress(request: HttpRequest, token: str) -> JsonResponse:
    """What the progress bar polls: the counters as the task last wrote them."""
    job = _import_job(token)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "finished": job.finished,
            "percent": job.percent,
            "processed": job.processed_rows,
            "total": job.total_rows,
            "created": job.created,
            "present": job.present,
            "differing": job.differing,
            "invalid": job.invalid,
            "error": job.error,
            "report": bool(job.report),
        }
    )


@system_admin_required
def legacy_import_report(request: HttpRequest, token: str) -> FileResponse:
    job = _import_job(token)
    if not job.report:
        raise Http404
    audit_record(
        event="legacy_import_report_downloaded",
        actor=request.user,
        request=request,
        object_type="legacy_import",
        object_id=job.token,
    )
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    return FileResponse(
        job.report.storage.open(job.report.name, "rb"),
        as_attachment=True,
        filename=_("%(stem)s-报告.csv") % {"stem": stem},
        content_type="text/csv; charset=utf-8",
    )
