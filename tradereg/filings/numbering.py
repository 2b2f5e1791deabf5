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
