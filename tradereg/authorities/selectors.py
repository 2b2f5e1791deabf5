"""Reads for the authority picker: search and province → prefecture browsing."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tradereg.accounts.models import User
from tradereg.authorities.models import Authority
from tradereg.regions.models import Region


def _active() -> QuerySet[Authority]:
    return Authority.objects.filter(is_active=True).select_related("region")


def authority_search(*, query: str, limit: int = 50) -> list[Authority]:
    """Authorities a person typing ``query`` into the picker most likely means.

    Matches a fragment of the authority or region name (深圳), a region code prefix
    (4403), or a prefix of the pinyin initials of the short or full name (sz, szsswj).
    Active authorities only; provincial ones first, then by code; at most ``limit``.
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
    return list(_active().filter(match).order_by(provinces_first, "code")[:limit])


def authority_provinces() -> QuerySet[Authority]:
    """Active provincial-level authorities, the first step of browsing."""
    return _active().filter(region__level=Region.Level.PROVINCE).order_by("code")


def authority_children(*, parent: Authority) -> QuerySet[Authority]:
    """Active authorities supervised by ``parent`` (none for a municipality)."""
    return _active().filter(parent=parent).order_by("code")


def authority_scope(*, user: User) -> QuerySet[Authority]:
    """Officer: their authority. Supervisor: theirs and those under it. Admin: all."""
    if user.role == User.Role.NATIONAL_ADMIN:
        return Authority.objects.all()
    if user.role == User.Role.SUPERVISOR:
        return Authority.objects.filter(Q(pk=user.authority_id) | Q(parent_id=user.authority_id))
    if user.role == User.Role.OFFICER:
        return Authority.objects.filter(pk=user.authority_id)
    return Authority.objects.none()
