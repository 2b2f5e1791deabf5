"""Demo data for `make run`: reference data, the demo accounts and a few hundred
realistic approved operators with valid codes. Everything goes through the services.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.authorities.models import Authority
from tradereg.authorities.services import authorities_load
from tradereg.common import codes
from tradereg.core.demo_accounts import DEMO_ACCOUNTS, DEMO_ENTERPRISE, DEMO_PASSWORD
from tradereg.core.models import Announcement
from tradereg.core.services import announcement_save
from tradereg.filings import services
from tradereg.filings.models import Currency, Filing, IdType, Method, OperatorType
from tradereg.filings.reference import form_options_load
from tradereg.regions.services import regions_load
from tradereg.regulations.services import regulations_load

BRANDS = [
    ("华兴", "Huaxing"),
    ("新达", "Xinda"),
    ("宏远", "Hongyuan"),
    ("金桥", "Jinqiao"),
    ("天成", "Tiancheng"),
    ("瑞丰", "Ruifeng"),
    ("海鸿", "Haihong"),
    ("中联", "Zhonglian"),
    ("恒信", "Hengxin"),
    ("永盛", "Yongsheng"),
    ("安泰", "Antai"),
    ("东方", "Dongfang"),
    ("嘉禾", "Jiahe"),
    ("明阳", "Mingyang"),
    ("鼎盛", "Dingsheng"),
    ("远航", "Yuanhang"),
    ("博达", "Boda"),
    ("锦程", "Jincheng"),
    ("星辰", "Xingchen"),
    ("汇通", "Huitong"),
    ("长风", "Changfeng"),
    ("润和", "Runhe"),
    ("国泰", "Guotai"),
    ("卓越", "Zhuoyue"),
]
TRADES = [
    ("进出口", "Import & Export"),
    ("国际贸易", "International Trading"),
    ("科技", "Technology"),
    ("实业", "Industrial"),
    ("机电", "Mechanical & Electrical"),
    ("纺织品", "Textiles"),
    ("食品", "Foods"),
    ("化工", "Chemicals"),
    ("电子", "Electronics"),
    ("医疗器械", "Medical Devices"),
    ("家具", "Furniture"),
    ("农产品", "Agricultural Products"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
STREETS = [
    ("人民路", "Renmin Road"),
    ("建设大道", "Jianshe Avenue"),
    ("解放路", "Jiefang Road"),
    ("中山路", "Zhongshan Road"),
    ("长江路", "Changjiang Road"),
    ("科技园路", "Science Park Road"),
]

# A one-page PDF with its cross-reference table: the upload check parses it, and
# any viewer opens it.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>> endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000053 00000 n \n"
    b"0000000103 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n167\n%%EOF\n"
)


def reference_data_load() -> None:
    regions_load()
    authorities_load()
    form_options_load()


def _operator_data(rng: random.Random, authority: Authority, index: int) -> tuple[str, dict]:
    city = authority.region.name.removesuffix("市")
    city_en = authority.pinyin_initials.split()[0].upper()
    brand, brand_en = rng.choice(BRANDS)
    trade, trade_en = rng.choice(TRADES)
    street, street_en = rng.choice(STREETS)
    number = rng.randint(1, 999)
    types = list(OperatorType.objects.filter(section="A"))
    uscc = codes.generate_uscc(rng, region_code=authority.region.code)
    registered = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8000))
    capital = Decimal(rng.choice([50, 100, 200, 500, 1000, 3000, 5000]))
    cny = Currency.objects.get(code="CNY")
    data = {
        "name_cn": f"{city}{brand}{trade}有限公司" + (f"（{index}）" if index > 150 else ""),
        "name_en": f"{city_en} {brand_en} {trade_en} Co., Ltd."
        + (f" ({index})" if index > 150 else ""),
        "uscc": uscc,
        "org_code": "",
        "operator_type": rng.choice(types),
        "residence": f"{authority.region.name}{street}{number}号",
        "premises_cn": f"{authority.region.name}{street}{number}号",
        "premises_en": f"No. {number} {street_en}, {city_en}",
        "phone": f"0{rng.randint(10, 999)}-{rng.randint(20000000, 89999999)}",
        "fax": "",
        "postcode": f"{authority.region.code[:2]}{rng.randint(0, 9999):04d}",
        "email": f"contact{index}@example.cn",
        "registration_date": registered,
        "registration_no": uscc,
        "representative": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
        "id_type": IdType.RESIDENT_ID,
        "id_number": codes.generate_resident_id(rng, region_code=authority.region.code),
        "capital": capital,
        "currency": cny,
        "capital_usd": (capital * cny.usd_rate).quantize(Decimal("0.000001")),
        "remarks": "",
    }
    return Method.USCC, data


def _approved_at(rng: random.Random) -> datetime:
    day = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7600))
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def demo_data_load(*, operators: int = 300, seed: int = 2026) -> dict[str, int]:
    """Load everything `make run` shows; call on an empty database only."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    reference_data_load()
    staff = {}
    for username, role, authority_code, _name in DEMO_ACCOUNTS:
        authority = Authority.objects.get(code=authority_code) if authority_code else None
        staff[username] = staff_user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            authority=authority,
            email=f"{username}@tradereg.localhost",
        )
    beijing = Authority.objects.get(code="110000")
    busy = list(
        Authority.objects.filter(code__in=["110000", "310000", "440000", "440300", "330100"])
    )
    others = list(Authority.objects.select_related("region"))
    with transaction.atomic():
        for index in range(1, operators + 1):
            authority = rng.choice(busy) if rng.random() < 0.5 else rng.choice(others)
            method, data = _operator_data(rng, authority, index)
            services.filing_import(
                authority=authority, method=method, data=data, approved_at=_approved_at(rng)
            )
    _demo_enterprise(rng, beijing, staff["beijing"])
    _demo_queue(rng, beijing, staff["beijing"])
    regulations_load()
    announcement_save(
        announcement=Announcement(
            title="新版备案登记系统上线试运行",
            body=(
                "新版系统支持在线**保存、上报、编辑**和**变更**。2016年12月1日前已备案的企业"
                "如需在线变更，请联系所在地备案登记机关开通用户。"
            ),
            published_at=timezone.now(),
            is_published=True,
            pinned=True,
        )
    )
    return {"operators": operators + 1, "accounts": len(DEMO_ACCOUNTS) + 1}


def _demo_enterprise(rng: random.Random, authority: Authority, officer: User) -> None:
    """demo-enterprise: filed online, attached, reported and approved by `beijing`."""
    method, data = _operator_data(rng, authority, 0)
    data.update(
        name_cn="北京华兴进出口有限公司",
        name_en="Beijing Huaxing Import & Export Co., Ltd.",
        email="demo-enterprise@example.cn",
    )
    filing = services.filing_create(
        authority=authority,
        method=method,
        username=DEMO_ENTERPRISE,
        password=DEMO_PASSWORD,
        data=data,
    )
    owner = filing.owner
    for kind, name in [
        ("signed_form", "备案登记表扫描件.pdf"),
        ("business_licence", "营业执照.pdf"),
    ]:
        services.attachment_add(
            filing=filing,
            acting_user=owner,
            kind=kind,
            uploaded=SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf"),
        )
    services.filing_report(filing=filing, acting_user=owner)
    services.filing_approve(filing=filing, acting_user=officer)


def _reported(rng: random.Random, authority: Authority, index: int, name: tuple[str, str]):
    method, data = _operator_data(rng, authority, index)
    data.update(name_cn=name[0], name_en=name[1], email=f"clerk{index}@example.cn")
    filing = services.filing_create(
        authority=authority,
        method=method,
        username=f"demo-{index}",
        password=DEMO_PASSWORD,
        data=data,
    )
    for kind in ("signed_form", "business_licence"):
        services.attachment_add(
            filing=filing,
            acting_user=filing.owner,
            kind=kind,
            uploaded=SimpleUploadedFile(f"{kind}.pdf", DEMO_PDF, content_type="application/pdf"),
        )
    return services.filing_report(filing=filing, acting_user=filing.owner), data


def _demo_queue(rng: random.Random, authority: Authority, officer: User) -> None:
    """北京市商务局's queue: an overdue new filing, a fresh one, a change, and one that
    was returned and reported again.
    """
    overdue, _data = _reported(
        rng,
        authority,
        901,
        ("北京远航国际贸易有限公司", "Beijing Yuanhang International Trading Co., Ltd."),
    )
    # Demo data only: make the first report look eight days old so the queue shows the limit.
    Filing.objects.filter(pk=overdue.pk).update(reported_at=timezone.now() - timedelta(days=12))
    _reported(
        rng,
        authority,
        902,
        ("北京星辰电子科技有限公司", "Beijing Xingchen Electronics Technology Co., Ltd."),
    )

    change, data = _reported(
        rng,
        authority,
        903,
        ("北京锦程纺织品进出口有限公司", "Beijing Jincheng Textiles Import & Export Co., Ltd."),
    )
    change = services.filing_approve(filing=change, acting_user=officer)
    data.update(
        residence="北京市朝阳区建国门外大街1号",
        premises_cn="北京市朝阳区建国门外大街1号",
        premises_en="No. 1 Jianguomenwai Street, Chaoyang District, Beijing",
        phone="010-85001234",
    )
    change = services.filing_save(
        filing=change, acting_user=change.owner, authority=authority, data=data
    )
    # A change is reported with the changed form signed anew.
    services.attachment_add(
        filing=change,
        acting_user=change.owner,
        kind="signed_form",
        uploaded=SimpleUploadedFile(
            "signed_form_change.pdf", DEMO_PDF, content_type="application/pdf"
        ),
    )
    services.filing_report(filing=change, acting_user=change.owner)

    returned, data = _reported(
        rng, authority, 904, ("北京博达医疗器械有限公司", "Beijing Boda Medical Devices Co., Ltd.")
    )
    returned = services.filing_return(
        filing=returned,
        acting_user=officer,
        reason="营业执照复印件不清晰，经营场所（英文）与中文不一致。",
        fields=["premises_en"],
        attachment_kinds=["business_licence"],
    )
    data.update(premises_en=f"{data['premises_en']} (corrected)")
    returned = services.filing_save(
        filing=returned, acting_user=returned.owner, authority=authority, data=data
    )
    services.filing_report(filing=returned, acting_user=returned.owner)
