"""Race-safe numbers: 系统编号 (per month) and 备案登记表编号 (one national sequence)."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tradereg.common import codes
from tradereg.filings.models import Sequence


def sequence_next(*, name: str) -> int:
    """Increment a named counter and return the new value.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite, IMMEDIATE) until
    the surrounding transaction ends, so two callers never see the same value.
    """
    with transaction.atomic():
        if not Sequence.objects.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    Sequence.objects.create(name=name, value=1)
                    return 1
            except IntegrityError:
                Sequence.objects.filter(name=name).update(value=F("value") + 1)
        return Sequence.objects.values_list("value", flat=True).get(name=name)


def system_no_next() -> str:
    yymm = timezone.localdate().strftime("%y%m")
    return codes.make_system_no(yymm=yymm, sequence=sequence_next(name=f"system_no:{yymm}"))


def form_no_next() -> str:
    return f"{sequence_next(name='form_no'):08d}"


def sequence_take(*, name: str, count: int) -> range:
    """Reserve ``count`` consecutive values of a counter at once (bulk imports), under the
    same lock as ``sequence_next``."""
    with transaction.atomic():
        if not Sequence.objects.filter(name=name).update(value=F("value") + count):
            Sequence.objects.get_or_create(name=name)
            Sequence.objects.filter(name=name).update(value=F("value") + count)
        last = Sequence.objects.values_list("value", flat=True).get(name=name)
    return range(last - count + 1, last + 1)


def sequence_raise(*, name: str, value: int) -> None:
    """Make the counter at least ``value``: numbers brought in from elsewhere (an import's
    own 备案登记表编号) are never handed out again."""
    with transaction.atomic():
        Sequence.objects.get_or_create(name=name)
        Sequence.objects.filter(name=name, value__lt=value).update(value=value)


def system_nos_next(count: int) -> list[str]:
    """``count`` new 系统编号 of this month, for an import."""
    yymm = timezone.localdate().strftime("%y%m")
    taken = sequence_take(name=f"system_no:{yymm}", count=count)
    return [codes.make_system_no(yymm=yymm, sequence=value) for value in taken]
