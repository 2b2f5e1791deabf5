import io
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tradereg.accounts import ratelimit
from tradereg.accounts.forms import AccountForm
from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.authorities.models import Authority
from tradereg.authorities.selectors import authority_provinces
from tradereg.common.uploads import UploadLimits
from tradereg.filings import selectors, services
from tradereg.filings.forms import (
    SECTION_LABELS,
    AttachmentForm,
    FilingForm,
    StartForm,
    merge_concurrent_save,
)
from tradereg.filings.lifecycle import (
    OWNER_BUTTONS,
    OWNER_FILE_BUTTONS,
    TRANSITIONS,
    Action,
    TransitionNotAllowed,
    actions_for,
    form_action_for,
    missing_required_attachments,
)
from tradereg.filings.models import Filing, Method
from tradereg.filings.services.files import AttachmentUnavailable, attachment_content

SESSION_DONE = "filing_done"


def _apply_service_errors(error: ValidationError, *forms_) -> None:
    for field, messages_ in error.message_dict.items():
        for form in forms_:
            if field in form.fields:
                for message in messages_:
                    form.add_error(field, message)
                break
        else:
            forms_[0].add_error(None, messages_)


def filing_start(request: HttpRequest) -> HttpResponse:
    """Step 2: choose 备案登记机关 (with 【选择】) and 备案登记方式, then 【提交】."""
    if request.method == "POST":
        form = StartForm(request.POST)
        if form.is_valid():
            query = urlencode(
                {
                    "authority": form.cleaned_data["authority"].code,
                    "method": form.cleaned_data["method"],
                }
            )
            return redirect(f"{reverse('filings:new_form')}?{query}")
    else:
        form = StartForm(
            initial={k: request.GET[k] for k in ("authority", "method") if k in request.GET}
        )
    chosen = _authority_from(form["authority"].value())
    return render(
        request,
        "filings/filing_start.html",
        {"form": form, "chosen": chosen, "provinces": authority_provinces()},
    )


def _authority_from(code) -> Authority | None:
    if not code:
        return None
    return Authority.objects.filter(code=code, is_active=True).first()


@sensitive_post_parameters("password1", "password2")
def filing_new_form(request: HttpRequest) -> HttpResponse:
    """Step 3: the user information and the form front on one page; 【保存】 creates both."""
    authority = _authority_from(request.GET.get("authority"))
    method = request.GET.get("method")
    if authority is None or method not in Method.values:
        messages.error(request, _("请先选择备案登记机关和备案登记方式。"))
        return redirect("filings:new")
    if request.method == "POST":
        account_form = AccountForm(request.POST)
        filing_form = FilingForm(request.POST, method=method)
        # Each 保存 may create an account: limited per address; the form comes back as typed.
        limited = not ratelimit.address_allows(request, ratelimit.REGISTRATION)
        if limited:
            account_form.add_error(None, ratelimit.refused_message(ratelimit.REGISTRATION))
        if not limited and account_form.is_valid() and filing_form.is_valid():
            try:
                filing = services.filing_create(
                    authority=authority,
                    method=method,
                    username=account_form.cleaned_data["username"],
                    password=account_form.cleaned_data["password1"],
                    data=filing_form.cleaned_data,
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(error, account_form, filing_form)
            else:
                selectors.remember_created(request=request, filing=filing)
                request.session[SESSION_DONE] = filing.pk
                return redirect("filings:new_done")
    else:
        account_form = AccountForm()
        filing_form = FilingForm(method=method)
    return render(
        request,
        "filings/filing_new_form.html",
        {
            "authority": authority,
            "method": method,
            "method_label": Method(method).label,
            "account_form": account_form,
            "form": filing_form,
            "section_labels": SECTION_LABELS,
        },
    )


def filing_new_done(request: HttpRequest) -> HttpResponse:
    """The confirmation: account name and 系统编号 (never the password) and the next steps."""
    pk = request.session.get(SESSION_DONE)
    filing = (
        Filing.objects.filter(pk=pk).select_related("owner", "authority").first() if pk else None
    )
    if filing is None:
        return redirect("filings:new")
    return render(request, "filings/filing_new_done.html", {"filing": filing})


@login_required
def my_home(request: HttpRequest) -> HttpResponse:
    if request.user.role != User.Role.ENTERPRISE:
        return redirect("core:home")
    return render(request, "filings/my_home.html")


@login_required
def my_filings(request: HttpRequest) -> HttpResponse:
    filings = selectors.filing_list_for_owner(user=request.user)
    rows = [{"filing": f, "actions": actions_for(f, request.user, OWNER_BUTTONS)} for f in filings]
    return render(request, "filings/filing_list.html", {"rows": rows, "Action": Action})


@login_required
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    flagged_fields, flagged_attachments = selectors.flagged_items(filing=filing)
    file_actions = actions_for(filing, request.user, OWNER_FILE_BUTTONS)
    return render(
        request,
        "filings/filing_detail.html",
        {
            "filing": filing,
            "decision": selectors.decision_latest(filing=filing),
            "flagged_fields": flagged_fields,
            "flagged_attachments": flagged_attachments,
            "revision": filing.current_revision,
            "actions": actions_for(filing, request.user, OWNER_BUTTONS),
            "Action": Action,
            "attachments": filing.attachments.select_related("revision"),
            "attachment_form": AttachmentForm(),
            "attachment_usage": selectors.attachment_usage(filing=filing),
            "missing": missing_required_attachments(filing),
            "can_upload": Action.ATTACH in file_actions,
            "can_delete": Action.DETACH in file_actions,
        },
    )


def _revision_initial(filing: Filing) -> dict:
    revision = filing.current_revision
    initial = {field: getattr(revision, field) for field in services.REVISION_FIELDS}
    initial["operator_type"] = revision.operator_type_id
    initial["currency"] = revision.currency_id
    for amount in ("capital", "capital_usd"):
        initial[amount] = format(initial[amount].normalize(), "f")
    initial["revision"] = revision.number
    return initial


@login_required
def filing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """编辑 / 变更: the whole form, the authority included, on a new revision."""
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    action = form_action_for(filing.status)
    if action is None:
        messages.error(
            request, _("备案当前状态为“%(s)s”，不能修改。") % {"s": filing.get_status_display()}
        )
        return redirect("filings:detail", pk=filing.pk)
    method = filing.current_revision.method
    authority = _authority_from(request.POST.get("authority") or request.GET.get("authority"))
    authority = authority or filing.authority
    concurrent = None
    if request.method == "POST":
        form = FilingForm(request.POST, method=method)
        if form.is_valid():
            try:
                services.filing_save(
                    filing=filing,
                    acting_user=request.user,
                    authority=authority,
                    data=form.cleaned_data,
                    expected_revision=form.cleaned_data["revision"],
                    request=request,
                )
            except ValidationError as error:
                if "revision" in getattr(error, "error_dict", {}):
                    # Saved in another tab since: the page comes back with both saves in it.
                    concurrent = merge_concurrent_save(form, filing=filing, authority=authority)
                    form, authority = concurrent.form, concurrent.authority
                else:
                    _apply_service_errors(error, form)
            except TransitionNotAllowed as refused:
                messages.error(request, str(refused))
                return redirect("filings:detail", pk=filing.pk)
            else:
                done = {
                    Action.SAVE: _("已保存。"),
                    Action.EDIT: _("已保存，备案仍为“上报”状态，等待备案登记机关审核。"),
                    Action.CHANGE: _(
                        "变更已保存。请打印变更后的备案登记表，签字盖章后上传扫描件，"
                        "再点击【上报】提交审核。"
                    ),
                }[action]
                messages.success(request, done)
                return redirect("filings:list")
    else:
        form = FilingForm(initial=_revision_initial(filing), method=method)
    return render(
        request,
        "filings/filing_edit.html",
        {
            "filing": filing,
            "form": form,
            "authority": authority,
            "method_label": Method(method).label,
            "action": action,
            "concurrent": concurrent,
            "action_label": TRANSITIONS[
                Action.CHANGE if action == Action.CHANGE else Action.EDIT
            ].label,
            "decision": selectors.decision_latest(filing=filing),
            "flagged": selectors.flagged_items(filing=filing)[0],
            "section_labels": SECTION_LABELS,
            "provinces": authority_provinces(),
        },
    )


@login_required
def filing_history(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    return render(
        request,
        "filings/filing_history.html",
        {"filing": filing, "history": selectors.filing_history(filing=filing, audience="owner")},
    )


@login_required
@require_POST
def filing_report(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    try:
        services.filing_report(filing=filing, acting_user=request.user, request=request)
    except TransitionNotAllowed as refused:
        messages.error(request, str(refused))
        return redirect("filings:detail", pk=filing.pk)
    messages.success(request, _("已上报，等待备案登记机关审核。"))
    return redirect("filings:list")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    limits = UploadLimits.from_settings()
    # Far over the limit: answered from the header, before the body is read.
    sent = int(request.META.get("CONTENT_LENGTH") or 0)
    errors: list[str] = []
    if sent > limits.max_file_bytes + 64 * 1024:
        errors.append(limits.file_too_big(sent))
    else:
        form = AttachmentForm(request.POST, request.FILES, limits=limits)
        if form.is_valid():
            try:
                services.attachment_add(
                    filing=filing,
                    acting_user=request.user,
                    kind=form.cleaned_data["kind"],
                    uploaded=form.cleaned_data["file"],
                    request=request,
                )
            except ValidationError as error:
                errors.extend(m for ms in error.message_dict.values() for m in ms)
            except TransitionNotAllowed as refused:
                errors.append(str(refused))
        else:
            errors.extend(m for ms in form.errors.values() for m in ms)
    if _wants_json(request):
        return JsonResponse({"ok": not errors, "errors": errors}, status=400 if errors else 200)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("附件已上传。"))
    return redirect(f"{reverse('filings:detail', args=[filing.pk])}#attachments")


UNAVAILABLE = {
    "removed": (
        410,
        gettext_lazy("附件文件已删除"),
        gettext_lazy("备案已注销，附件文件已按保存期限删除；附件记录仍保留在办理记录中。"),
    ),
    "missing": (
        409,
        gettext_lazy("附件文件缺失"),
        gettext_lazy("附件文件在存储中找不到，未能提供。此事已记录，请联系系统管理员。"),
    ),
    "mismatch": (
        409,
        gettext_lazy("附件校验失败"),
        gettext_lazy(
            "附件文件与上传时记录的校验值（SHA-256）不一致，可能已被改动，为安全起见未提供。"
            "此事已记录，请联系系统管理员。"
        ),
    ),
}


@login_required
@xframe_options_sameorigin  # previewed inside the officer's review page
@csp_replace({"frame-ancestors": ["'self'"]})
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """A file, checked against its recorded SHA-256, served as a download.

    Only staff reviewing the filing get it inline (the review page previews it); every
    stored file passed the content check at upload and images were re-encoded, so what
    is shown inline is a clean PDF or a plain image. The owner always downloads.
    """
    attachment = selectors.attachment_get_for_user(
        user=request.user, filing_pk=pk, pk=attachment_pk
    )
    is_staff_view = attachment.filing.owner_id != request.user.pk
    if is_staff_view:
        audit_record(
            event="attachment_downloaded",
            actor=request.user,
            filing_id=pk,
            object_type="attachment",
            object_id=attachment.pk,
            request=request,
            name=attachment.original_name,
        )
    try:
        content = attachment_content(
            attachment=attachment, acting_user=request.user, request=request
        )
    except AttachmentUnavailable as unavailable:
        status, title, text = UNAVAILABLE[unavailable.reason]
        response = render(
            request,
            "filings/attachment_unavailable.html",
            {"attachment": attachment, "title": title, "text": text},
            status=status,
        )
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(
        io.BytesIO(content),
        content_type=attachment.content_type,
        as_attachment=not is_staff_view or "download" in request.GET,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_owner(user=request.user, pk=pk)
    attachment = filing.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        messages.error(request, _("附件不存在或已删除。"))
    else:
        try:
            services.attachment_delete(
                attachment=attachment, acting_user=request.user, request=request
            )
        except TransitionNotAllowed as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("附件已删除。"))
    return redirect(f"{reverse('filings:detail', args=[filing.pk])}#attachments")


@sensitive_post_parameters("password1", "password2")
def account_claim(request: HttpRequest, token: str) -> HttpResponse:
    """开通用户 from the e-mailed link: the enterprise chooses its username and password."""
    claim = services.account_claim_find(token=token)
    if claim is None:
        return render(request, "filings/account_claim.html", {"claim": None}, status=404)
    form = AccountForm(request.POST or None, email=claim.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_claim_complete(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("用户已开通，账户名称：%(u)s。请登录。") % {"u": form.cleaned_data["username"]},
            )
            return redirect("accounts:login")
    revision = claim.filing.approved_revision or claim.filing.current_revision
    return render(
        request, "filings/account_claim.html", {"claim": claim, "form": form, "revision": revision}
    )
