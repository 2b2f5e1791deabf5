"""Published operators built directly in the registry, for tests that need many quickly."""

import itertools
from datetime import datetime

from django.utils import timezone

from tradereg.registry.grams import operator_key
from tradereg.registry.models import PublishedOperator
from tradereg.registry.services import operator_postings_sync

_numbers = itertools.count(1)


def published(
    *, name_cn: str, name_en: str = "Test Co., Ltd.", approved_at: datetime | None = None, **extra
) -> PublishedOperator:
    """One published operator with its postings, as the publish service writes them."""
    n = next(_numbers)
    values = {
        "filing_id": 10_000_000 + n,
        "ie_code": f"1100{n:09d}",
        "form_no": f"9{n:07d}",
        "uscc": "",
        "org_code": f"{n:09d}",
        "name_cn": name_cn,
        "name_en": name_en,
        "operator_type": "私营企业",
        "residence": "北京市朝阳区建国路1号",
        "premises_cn": "北京市朝阳区建国路1号",
        "premises_en": "No. 1 Jianguo Road, Beijing",
        "postcode": "100020",
        "phone": "010-65001234",
        "fax": "",
        "representative": "张伟",
        "authority_name": "北京市商务局",
        "authority_code": "110000",
        "approved_at": approved_at or timezone.now(),
        "status": PublishedOperator.Status.APPROVED,
        "revision_number": 1,
        "search_key": operator_key(name_cn=name_cn, name_en=name_en),
    }
    values.update(extra)
    operator = PublishedOperator.objects.create(**values)
    operator_postings_sync(operator=operator)
    return operator
