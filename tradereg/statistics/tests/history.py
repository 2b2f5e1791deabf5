"""A known filing history at given dates, walked through the real services.

深圳市商务局 (440300) and 广州市商务局 (440100) are under 广东省商务厅 (440000); 上海
(310000) is elsewhere. The dates are 2025 working days (清明 is 4 April): the expected
figures in ``test_statistics.py`` are counted by hand from this list.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.filings import services
from tradereg.filings.models import Filing, Method, OperatorType, Status
from tradereg.filings.tests.factories import (
    PASSWORD,
    attach_required,
    attach_signed_form,
    authority,
    filing_data,
    make_officer,
    next_number,
    same_operator,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=SHANGHAI)


@dataclass
class History:
    officers: dict[str, User]
    filings: dict[str, Filing]


class _Walk:
    def __init__(self, officers: dict[str, User]):
        self.officers = officers

    def create(self, when: datetime, code: str, **data) -> Filing:
        with time_machine.travel(when, tick=False):
            filing = services.filing_create(
                authority=authority(code),
                method=Method.USCC,
                username=f"stat{next_number()}",
                password=PASSWORD,
                data=filing_data(**data),
            )
            attach_required(filing)
        return filing

    def report(self, when: datetime, filing: Filing) -> Filing:
        with time_machine.travel(when, tick=False):
            return services.filing_report(filing=filing, acting_user=filing.owner)

    def approve(self, when: datetime, filing: Filing) -> Filing:
        with time_machine.travel(when, tick=False):
            officer = self.officers[filing.authority.code]
            return services.filing_approve(filing=filing, acting_user=officer)

    def return_(self, when: datetime, filing: Filing) -> Filing:
        with time_machine.travel(when, tick=False):
            officer = self.officers[filing.authority.code]
            return services.filing_return(filing=filing, acting_user=officer, reason="请补正")

    def cancel(self, when: datetime, filing: Filing) -> Filing:
        with time_machine.travel(when, tick=False):
            officer = self.officers[filing.authority.code]
            return services.filing_cancel(filing=filing, acting_user=officer, reason="注销")

    def save(self, when: datetime, filing: Filing, **data) -> Filing:
        """保存 after approval (变更) or while reported (编辑)."""
        with time_machine.travel(when, tick=False):
            filing = services.filing_save(
                filing=filing,
                acting_user=filing.owner,
                authority=filing.authority,
                data=filing_data(**same_operator(filing), **data),
            )
            if filing.status == Status.CHANGING:
                attach_signed_form(filing)
            return filing


def history_build() -> History:
    officers = {code: make_officer(code=code) for code in ("440300", "440100", "310000")}
    walk = _Walk(officers)
    state_owned = OperatorType.objects.get(name="国有企业")
    # A: new in March, approved after 5 working days; a change in April, returned after 4
    # (清明 in between), reported again (not a second change), approved after 3; cancelled
    # in May.
    a = walk.create(at(3, 3, 9), "440300", name_cn="深圳甲贸易有限公司")
    a = walk.report(at(3, 3), a)
    a = walk.approve(at(3, 10), a)
    a = walk.save(at(4, 1, 9), a)
    a = walk.report(at(4, 1), a)
    a = walk.return_(at(4, 8), a)
    a = walk.report(at(4, 9), a)
    a = walk.approve(at(4, 14), a)
    a = walk.cancel(at(5, 6), a)
    # B (国有企业): returned after 7 working days (overdue), reported again, approved after 5.
    b = walk.create(at(3, 3, 9), "440300", name_cn="深圳乙贸易有限公司", operator_type=state_owned)
    b = walk.report(at(3, 3), b)
    b = walk.return_(at(3, 12), b)
    b = walk.report(at(3, 13), b)
    b = walk.approve(at(3, 20), b)
    # G: reported on 31 March, 编辑 on 2 April restarts the clock: approved 1 day later.
    g = walk.create(at(3, 31, 9), "440300", name_cn="深圳丙贸易有限公司")
    g = walk.report(at(3, 31), g)
    g = walk.save(at(4, 2), g)
    g = walk.approve(at(4, 3), g)
    # F: a draft that is never reported counts as nothing.
    f = walk.create(at(3, 4), "440300", name_cn="深圳丁贸易有限公司")
    # C in 广州 and D in 上海: approved the next working day and two days later.
    c = walk.create(at(3, 5, 9), "440100", name_cn="广州甲贸易有限公司")
    c = walk.report(at(3, 5), c)
    c = walk.approve(at(3, 6), c)
    d = walk.create(at(3, 5, 9), "310000", name_cn="上海甲贸易有限公司")
    d = walk.report(at(3, 5), d)
    d = walk.approve(at(3, 7), d)
    # E: a legacy filing imported on 10 March 2025: it happened in the old system.
    with time_machine.travel(at(3, 10), tick=False):
        e = services.filing_import(
            authority=authority("440300"),
            method=Method.USCC,
            data=filing_data(name_cn="深圳历史贸易有限公司"),
            approved_at=datetime(2012, 5, 4, 10, 0, tzinfo=SHANGHAI),
        )
    assert timezone.now() > at(12, 31)
    return History(
        officers=officers, filings={"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}
    )
