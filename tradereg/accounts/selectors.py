"""Reads about people: which authorities a staff member may see."""

from django.db.models import QuerySet

from tradereg.accounts.models import User
from tradereg.authorities.models import Authority
from tradereg.authorities.selectors import authority_descendant_ids


def authority_scope(*, user: User) -> QuerySet[Authority]:
    """Officer: their authority. Supervisor: theirs and every one below it, at any depth
    (a province sees its prefectures and their entrusted counties). Admin: all."""
    if user.role == User.Role.SYSTEM_ADMIN:
        return Authority.objects.all()
    if user.role == User.Role.SUPERVISOR:
        if user.authority_id is None:
            return Authority.objects.none()
        ids = {user.authority_id, *authority_descendant_ids(user.authority_id)}
        return Authority.objects.filter(pk__in=sorted(ids))
    if user.role == User.Role.OFFICER and user.authority_id is not None:
        return Authority.objects.filter(pk=user.authority_id)
    return Authority.objects.none()
