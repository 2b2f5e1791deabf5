from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from tradereg.accounts import ratelimit
from tradereg.audit.services import client_ip
from tradereg.registry import selectors

# (requests, window in seconds) per client address; searches and detail views together,
# so that the register cannot be copied wholesale through the public lookup.
RATE_LIMITS = ((30, 60), (300, 3600))


def operator_search(request: HttpRequest) -> HttpResponse:
    """经营者信息查询: by code (13/18/9 characters) or by part of a name."""
    query = request.GET.get("q", "").strip()[: selectors.QUERY_MAX_LENGTH]
    context = {"query": query, "page": None, "problem": None}
    if query:
        context["problem"] = selectors.operator_query_problem(query)
        if context["problem"] is None:
            blocked = _rate_limited(request)
            if blocked:
                return _too_many(request, blocked)
            context["page"] = selectors.operator_search(
                query=query, after=request.GET.get("after"), before=request.GET.get("before")
            )
    context["detail_prefix"] = _detail_prefix()
    return render(request, "registry/operator_search.html", context)


def _detail_prefix() -> str:
    """The operator page's address up to its number, reversed once per request instead
    of once per result row; ``operator_search.html`` appends ``<pk>/``."""
    return reverse("registry:operator", kwargs={"pk": 0}).removesuffix("0/")


def operator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One operator's public information: the dialog's fragment (htmx), or a whole page
    at a stable address without JavaScript.
    """
    blocked = _rate_limited(request)
    if blocked:
        return _too_many(request, blocked)
    operator = selectors.operator_get(pk=pk)
    if operator is None:
        raise Http404(_("没有找到该经营者。"))
    fragment = bool(request.headers.get("HX-Request"))
    template = "registry/operator_facts.html" if fragment else "registry/operator_detail.html"
    response = render(request, template, {"operator": operator, "fragment": fragment})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _rate_limited(request: HttpRequest) -> int | None:
    """Count this request in every window; the longest window exceeded, or None."""
    address = client_ip(request) or "unknown"
    exceeded = [
        window
        for limit, window in RATE_LIMITS
        if not ratelimit.hit(
            key=f"registry:{window}:{address}",
            limit=limit,
            window_seconds=window,
            cache_alias=ratelimit.LOOKUPS,
        )
    ]
    return max(exceeded, default=None)


def _too_many(request: HttpRequest, window: int) -> HttpResponse:
    context = {
        "limits": _("、").join(
            _("每%(period)s最多查询%(count)d次") % {"period": _period(w), "count": n}
            for n, w in RATE_LIMITS
        ),
        "wait": _period(window, one=False),
    }
    fragment = bool(request.headers.get("HX-Request"))
    template = (
        "registry/operator_rate_limited_message.html"
        if fragment
        else "registry/operator_rate_limited.html"
    )
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(window)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _period(seconds: int, *, one: bool = True) -> str:
    """每分钟 / 每小时 (one=True) or 1分钟 / 1小时 for a window length."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return _("小时") if one and hours == 1 else _("%(n)d小时") % {"n": hours}
    minutes = max(seconds // 60, 1)
    return _("分钟") if one and minutes == 1 else _("%(n)d分钟") % {"n": minutes}
