"""Reads for the authority picker (search, province → city browsing) and for scope."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tradereg.authorities.models import Authority
from tradereg.regions.models import Region


def _active() -> QuerySet[Authority]:
    return Authority.objects.filter(is_active=True).select_related("region")


def authority_search(*, query: str, limit: int = 50) -> list[Authority]:
    """Authorities a person typing ``query`` into the picker most likely means.

    Matches a fragment of the authority or region name (深圳), a region code prefix
    (4403), or a prefix of the pinyin initials of the short or full name (sz, szsswj).
    Active authorities only; provincial ones first, then by code. After them come the
    authorities that serve a matching district or county without one of its own (南山 →
    深圳市商务局), each with ``via`` set to that region's name. At most ``limit``.
    """
    query = query.strip()
    if not query or limit <= 0:
        return []
    match = Q(name__contains=query) | Q(region__name__contains=query)
    if query.isdigit():
        match |= Q(region__code__startswith=query)
    if query.isascii() and query.isalpha():
        initials = query.lower()
        match |= Q(pinyin_initials__startswith=initials) | Q(
            pinyin_initials__contains=f" {initials}"
        )
    provinces_first = Case(
        When(region__level=Region.Level.PROVINCE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    found = list(_active().filter(match).order_by(provinces_first, "code")[:limit])
    if len(found) < limit and not (query.isascii() and query.isalpha()):
        found += _serving_counties(query, exclude={a.pk for a in found})[: limit - len(found)]
    return found


def _serving_counties(query: str, *, exclude: set[int]) -> list[Authority]:
    """Authorities serving county-level regions whose name or code matches ``query``:
    the region's own authority if it has an active one, else the nearest above it."""
    match = Q(name__contains=query)
    if query.isdigit():
        match |= Q(code__startswith=query)
    regions = list(
        Region.objects.filter(match, level=Region.Level.COUNTY)
        .order_by("code")
        .values_list("code", "name", "parent_id", "parent__parent_id")[:200]
    )
    candidates = {code for region in regions for code in region if code and code.isdigit()}
    by_code = {a.code: a for a in _active().filter(code__in=candidates)}
    serving: dict[int, Authority] = {}
    for code, name, parent, grandparent in regions:
        authority = next((by_code[c] for c in (code, parent, grandparent) if c in by_code), None)
        if authority is None or authority.pk in exclude or authority.pk in serving:
            continue
        authority.via = name
        serving[authority.pk] = authority
    return sorted(serving.values(), key=lambda a: a.code)


def authority_provinces() -> QuerySet[Authority]:
    """Active provincial-level authorities, the first step of browsing."""
    return _active().filter(region__level=Region.Level.PROVINCE).order_by("code")


def authority_children(*, parent: Authority) -> QuerySet[Authority]:
    """Active authorities directly under ``parent``: its prefectures and ``PP90xx`` cities."""
    return _active().filter(parent=parent).order_by("code")


def authority_browse(*, top: Authority) -> list[Authority]:
    """``top`` and every active authority below it, in code order, for browsing.

    Code order puts an entrusted county-level authority right after its prefecture and
    the ``PP90xx`` cities after the prefectures, so one flat list reads as a tree.
    """
    below = authority_descendant_ids(top.pk)
    return [top, *_active().filter(pk__in=below).order_by("code")]


def authority_descendant_ids(pk: int) -> set[int]:
    """Primary keys of all authorities below ``pk``: one query per level (three at most
    today), and safe against a cycle an administrator might create."""
    found: set[int] = set()
    frontier = {pk}
    while frontier:
        children = set(
            Authority.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = children - found - {pk}
        found |= frontier
    return found
