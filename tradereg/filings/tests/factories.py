"""Test data built through the services, one helper per status (FilingFactory-style traits)."""

import io
import itertools
import random
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.core.demo import DEMO_PDF
from tradereg.filings import services
from tradereg.filings.models import Currency, Filing, IdType, Method, OperatorType, Status

PASSWORD = "Test@2026pass"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real image (uploads are decoded and re-encoded, so they must decode)."""
    out = io.BytesIO()
    image = Image.new("RGB", size, (240, 240, 235))
    image.paste((20, 20, 20), (4, 4, size[0] // 2, size[1] // 4))
    image.save(out, fmt)
    return out.getvalue()


PNG_BYTES = image_bytes("PNG")
JPEG_BYTES = image_bytes("JPEG")
_counter = itertools.count(1)


def next_number() -> int:
    """A number no other test object has used, for unique names."""
    return next(_counter)


def _rng() -> random.Random:
    return random.Random(next(_counter) * 7919)


def filing_data(**overrides) -> dict:
    """Valid cleaned form data, as FilingForm produces it."""
    rng = _rng()
    n = next(_counter)
    uscc = codes.generate_uscc(rng, region_code="110105")
    data = {
        "name_cn": f"北京测试贸易有限公司{n}",
        "name_en": f"Beijing Test Trading Co., Ltd. {n}",
        "uscc": uscc,
        "org_code": "",
        "operator_type": OperatorType.objects.get(name="私营企业"),
        "residence": "北京市朝阳区建国路1号",
        "premises_cn": "北京市朝阳区建国路1号",
        "premises_en": "No. 1 Jianguo Road, Chaoyang District, Beijing",
        "phone": "010-65001234",
        "fax": "",
        "postcode": "100020",
        "email": f"clerk{n}@example.cn",
        "registration_date": date(2015, 3, 1),
        "registration_no": uscc,
        "representative": "张伟",
        "id_type": IdType.RESIDENT_ID,
        "id_number": codes.generate_resident_id(rng),
        "capital": Decimal("500"),
        "currency": Currency.objects.get(code="CNY"),
        "capital_usd": Decimal("70.4"),
        "remarks": "",
    }
    data.update(overrides)
    return data


def form_post(data: dict | None = None, **overrides) -> dict:
    """The same data as a browser would post it."""
    data = dict(data or filing_data())
    data.update(overrides)
    post = {}
    for key, value in data.items():
        if hasattr(value, "pk"):
            post[key] = str(value.pk)
        elif isinstance(value, date):
            post[key] = value.isoformat()
        else:
            post[key] = str(value)
    return post


def same_operator(filing: Filing) -> dict:
    """Form data fields that keep a filing's operator (its USCC) as it is."""
    uscc = filing.current_revision.uscc
    return {"uscc": uscc, "registration_no": uscc}


def authority(code: str = "110000") -> Authority:
    return Authority.objects.get(code=code)


def make_officer(*, code: str = "110000", username: str | None = None) -> User:
    return staff_user_create(
        username=username or f"officer{next(_counter)}",
        password=PASSWORD,
        role=User.Role.OFFICER,
        authority=authority(code),
    )


def pdf_upload(name: str = "scan.pdf", content: bytes = DEMO_PDF) -> SimpleUploadedFile:
    """A PDF that passes the upload check (it parses and carries no active content)."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_upload(name: str = "licence.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG", size), content_type="image/png")


def jpeg_upload(name: str = "licence.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", size), content_type="image/jpeg")


def attach_required(filing: Filing) -> None:
    for kind in ("signed_form", "business_licence"):
        services.attachment_add(
            filing=filing, acting_user=filing.owner, kind=kind, uploaded=pdf_upload()
        )


def attach_signed_form(filing: Filing) -> None:
    """A newly signed scan, as a change must carry one for its changed form."""
    services.attachment_add(
        filing=filing, acting_user=filing.owner, kind="signed_form", uploaded=pdf_upload()
    )


def make_filing(
    *,
    status: str = Status.DRAFT,
    code: str = "110000",
    username: str | None = None,
    officer: User | None = None,
    **data,
) -> Filing:
    """A filing owned by a new enterprise account, taken to ``status`` by walking the real
    transitions (never by writing the status), so no test stands on an impossible state:

    draft → (attachments) → reported → returned | approved → changing | cancelled.
    """
    filing = services.filing_create(
        authority=authority(code),
        method=Method.USCC,
        username=username or f"ent{next(_counter)}",
        password=PASSWORD,
        data=filing_data(**data),
    )
    if status == Status.DRAFT:
        return filing
    attach_required(filing)
    filing = services.filing_report(filing=filing, acting_user=filing.owner)
    if status == Status.REPORTED:
        return filing
    officer = officer or make_officer(code=code)
    if status == Status.RETURNED:
        return services.filing_return(filing=filing, acting_user=officer, reason="请补正材料")
    filing = services.filing_approve(filing=filing, acting_user=officer)
    if status == Status.APPROVED:
        return filing
    if status == Status.CANCELLED:
        return services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")
    if status == Status.CHANGING:
        return services.filing_save(
            filing=filing,
            acting_user=filing.owner,
            authority=filing.authority,
            data=filing_data(**same_operator(filing)),
        )
    raise ValueError(f"no way to status {status}")


def make_change_reported(*, code: str = "110000", officer: User | None = None) -> Filing:
    """An approved filing whose change has been saved, re-signed and reported."""
    filing = make_filing(status=Status.CHANGING, code=code, officer=officer)
    attach_signed_form(filing)
    return services.filing_report(filing=filing, acting_user=filing.owner)


def individual_data(*, registration_no: str | None = None, **overrides) -> dict:
    """A 个体工商户 under 其他 as FilingForm cleans it: no USCC, no organisation code
    (the type does not require one) and, unless given, a legacy 15-digit 注册号."""
    data = filing_data(
        name_cn=f"测试个体商行{next(_counter)}",
        uscc="",
        org_code="",
        operator_type=OperatorType.objects.get(name="个体工商户（独资经营者）"),
        registration_no=registration_no or codes.generate_legacy_reg_no(_rng()),
    )
    data.update(overrides)
    return data


def make_individual(
    *, status: str = Status.APPROVED, code: str = "110000", officer: User | None = None, **data
) -> Filing:
    """A 个体工商户 filed under 其他, walked to draft, reported or approved like
    ``make_filing``."""
    filing = services.filing_create(
        authority=authority(code),
        method=Method.OTHER,
        username=f"solo{next(_counter)}",
        password=PASSWORD,
        data=individual_data(**data),
    )
    if status == Status.DRAFT:
        return filing
    attach_required(filing)
    filing = services.filing_report(filing=filing, acting_user=filing.owner)
    if status == Status.REPORTED:
        return filing
    if status == Status.APPROVED:
        return services.filing_approve(
            filing=filing, acting_user=officer or make_officer(code=code)
        )
    raise ValueError(f"no way to status {status}")
