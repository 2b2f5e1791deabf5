"""A generated legacy register (the file ``import_legacy`` reads), for `make bench`.

Valid rows only, with real check characters, under the authorities of ``benchdata``'s
cities; form numbers from ``FORM_NO_BASE`` up, out of the range of the demo data's and
of the generated published operators', so the file imports into the benchmark database.
"""

import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta

from tradereg.common import codes
from tradereg.devtools import benchdata
from tradereg.filings.legacy_import import COLUMNS

FORM_NO_BASE = 80_000_000
HEADER = [column.label for column in COLUMNS if column.key != "method"]
_TYPES_A = ["私营企业", "国有企业", "集体企业", "中外合资企业", "外商独资企业", "其他企业"]


def _org_code(index: int) -> str:
    """Distinct valid organisation codes, apart from those of ``benchdata``."""
    body = f"{(index * 4_256_233 + 57_721_566) % 100_000_000:08d}"
    return body[:1].translate(str.maketrans("0123456789", "ABCDEFGHJK")) + body[1:]


def legacy_rows(*, count: int, seed: int = 2004, first: int = 1) -> Iterator[dict[str, str]]:
    """``count`` rows keyed by column label; the same arguments give the same rows."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data
    cities = benchdata.CITIES
    for index in range(first, first + count):
        city, city_en, _province, region, _weight = rng.choice(cities)
        body = _org_code(index)
        org = body[:8] + codes.org_code_check_char(body[:8])
        uscc_body = f"91{region}{org}"
        uscc = uscc_body + codes.uscc_check_char(uscc_body)
        brand, brand_en = rng.choice(benchdata.BRAND_CHARS)
        brand2, brand2_en = rng.choice(benchdata.BRAND_CHARS)
        trade, trade_en, _w = rng.choice(benchdata.TRADES)
        street, street_en = rng.choice(benchdata.STREETS)
        number = rng.randint(1, 999)
        approved = date(2004, 7, 1) + timedelta(days=rng.randrange(4500))
        registered = approved - timedelta(days=rng.randrange(30, 3000))
        authority = benchdata.MUNICIPALITY_AUTHORITIES.get(region, f"{city}市商务局")
        name_en = f"{city_en} {brand_en}{brand2_en.lower()} {trade_en} Co., Ltd. {index}"
        yield {
            "备案登记机关": authority,
            "备案登记表编号": f"{FORM_NO_BASE + index:08d}",
            "进出口企业代码": region[:4] + org,
            "备案日期": approved.isoformat(),
            "经营者中文名称": f"{city}{brand}{brand2}{trade}有限公司{index}",
            "经营者英文名称": name_en,
            "统一社会信用代码": uscc,
            "组织机构代码": "",
            "经营者类型": rng.choice(_TYPES_A),
            "住所": f"{city}市{street}{number}号",
            "经营场所（中文）": f"{city}市{street}{number}号",
            "经营场所（英文）": f"No. {number} {street_en}, {city_en}",
            "联系电话": f"0{rng.randint(10, 999)}-{rng.randint(20_000_000, 89_999_999)}",
            "联系传真": "",
            "邮政编码": f"{region[:2]}{rng.randint(0, 9999):04d}",
            "电子邮箱": f"trade{index}@example.cn",
            "工商登记注册日期": registered.isoformat(),
            "工商登记注册号": uscc,
            "企业法定代表人姓名": rng.choice(benchdata.SURNAMES) + rng.choice(benchdata.GIVEN),
            "证件类型": "居民身份证",
            "有效证件号": codes.generate_resident_id(rng, region_code=region),
            "注册资金（万元）": str(rng.choice([10, 50, 100, 500, 1000, 3000])),
            "币种": "人民币",
            "折美元（万美元）": "",
            "备注": "",
        }


def legacy_csv(*, count: int, seed: int = 2004, first: int = 1) -> bytes:
    """The rows as a UTF-8 CSV file with its BOM, as Excel saves one."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(legacy_rows(count=count, seed=seed, first=first))
    return out.getvalue().encode("utf-8-sig")
