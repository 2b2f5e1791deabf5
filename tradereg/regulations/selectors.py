"""Reads for the public 法律法规 pages: only published documents are ever shown."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tradereg.regulations.models import Regulation


def regulation_list_public(*, status: str | None = None) -> QuerySet[Regulation]:
    """Published documents in list order, optionally of one 时效性 (unknown → all)."""
    regulations = Regulation.objects.filter(is_published=True)
    if status in Regulation.Status.values:
        regulations = regulations.filter(status=status)
    return regulations


def regulation_get_public(*, slug: str) -> Regulation:
    """One published document by its stable slug; 404 when missing or unpublished."""
    return get_object_or_404(Regulation, slug=slug, is_published=True)


def regulation_related_public(*, regulation: Regulation) -> QuerySet[Regulation]:
    return regulation.related.filter(is_published=True)
