from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from tradereg.authorities import selectors
from tradereg.authorities.models import Authority


def authority_pick(request: HttpRequest) -> HttpResponse:
    """The 【选择】 picker: search by name, region or pinyin initials, or browse
    province → city (and county where entrusted). A full page without JavaScript; a
    fragment for the dialog.
    """
    query = request.GET.get("q", "").strip()[:40]
    province_code = request.GET.get("province", "")
    back = request.GET.get("next", "/filing/new/")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/filing/new/"
    province = None
    if query:
        results = selectors.authority_search(query=query)
    elif province_code:
        province = Authority.objects.filter(code=province_code, parent__isnull=True).first()
        results = selectors.authority_browse(top=province) if province else []
    else:
        results = []
    context = {
        "query": query,
        "results": results,
        "province": province,
        "provinces": selectors.authority_provinces(),
        "next": back,
        "joiner": "&" if "?" in back else "?",
    }
    if request.headers.get("HX-Request"):
        return render(request, "authorities/authority_pick_results.html", context)
    return render(request, "authorities/authority_pick.html", context)
