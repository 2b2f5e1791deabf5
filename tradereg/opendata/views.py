"""接口密钥 at /office/api-keys/: the 系统管理员 issues (shown once) and revokes keys."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tradereg.office.views import system_admin_required
from tradereg.opendata import selectors, services
from tradereg.opendata.forms import ApiKeyForm
from tradereg.opendata.models import ApiKey


@never_cache
@system_admin_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """The list of keys and the form to issue one; a new key is on this answer only."""
    form = ApiKeyForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            api_key, issued = services.api_key_issue(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                acting_user=request.user,
                request=request,
                token=form.cleaned_data["token"],
            )
            if not issued:
                messages.warning(
                    request,
                    _(
                        "该表单已签发过密钥“%(name)s”，未重复签发；密钥只显示一次。"
                        "如未保存，请吊销后重新签发。"
                    )
                    % {"name": api_key.name},
                )
            form = ApiKeyForm()
        else:
            status = 400
    context = {"form": form, "issued": issued, "keys": selectors.api_keys_list()}
    return render(request, "opendata/api_keys.html", context, status=status)


@require_POST
@system_admin_required
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk)
    services.api_key_revoke(api_key=api_key, acting_user=request.user, request=request)
    messages.success(request, _("接口密钥“%(name)s”已吊销。") % {"name": api_key.name})
    return redirect("opendata:api_keys")
