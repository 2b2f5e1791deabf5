"""Legacy register files made in the test: rows by column label, as CSV or XLSX bytes."""

import csv
import io
import itertools
import random
from datetime import date

from openpyxl import Workbook

from tradereg.common import codes
from tradereg.filings.legacy_import import COLUMNS

HEADER = [column.label for column in COLUMNS if column.key != "method"]
_numbers = itertools.count(1)


def legacy_row(**overrides: str) -> dict[str, str]:
    """One good row of an operator filed with 北京市商务局 in 2012, under its own numbers."""
    n = next(_numbers)
    rng = random.Random(n * 104_729)  # noqa: S311 - test data
    uscc = codes.generate_uscc(rng, region_code="110105")
    row = {
        "备案登记机关": "北京市商务局",
        "备案登记表编号": f"{60_000_000 + n:08d}",
        "进出口企业代码": "1100" + uscc[8:17],
        "备案日期": "2012-05-20",
        "经营者中文名称": f"北京老字号进出口有限公司{n}",
        "经营者英文名称": f"Beijing Laozihao Import & Export Co., Ltd. {n}",
        "统一社会信用代码": uscc,
        "组织机构代码": "",
        "经营者类型": "私营企业",
        "住所": "北京市东城区王府井大街1号",
        "经营场所（中文）": "北京市东城区王府井大街1号",
        "经营场所（英文）": "No. 1 Wangfujing Street, Dongcheng District, Beijing",
        "联系电话": "010-65120000",
        "联系传真": "",
        "邮政编码": "100006",
        "电子邮箱": f"old{n}@laozihao.example.cn",
        "工商登记注册日期": "2008-03-01",
        "工商登记注册号": uscc,
        "企业法定代表人姓名": "王建国",
        "证件类型": "居民身份证",
        "有效证件号": codes.generate_resident_id(rng),
        "注册资金（万元）": "500",
        "币种": "人民币",
        "折美元（万美元）": "",
        "备注": "",
    }
    row.update(overrides)
    return row


def individual_row(**overrides: str) -> dict[str, str]:
    """A 个体工商户 with neither USCC nor organisation code: only its registration number."""
    n = next(_numbers)
    rng = random.Random(n * 7_919)  # noqa: S311 - test data
    body = f"GT{900_000 + n:06d}"
    row = legacy_row(
        统一社会信用代码="",
        组织机构代码="",
        经营者类型="个体工商户（独资经营者）",
        工商登记注册号=codes.generate_legacy_reg_no(rng),
        进出口企业代码="1100" + body + codes.org_code_check_char(body),
    )
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig", header=None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]], *, header=None) -> bytes:
    """An Excel workbook as a clerk saves one: dates and amounts as typed values."""
    book = Workbook()
    sheet = book.active
    header = header or HEADER
    sheet.append(header)
    for row in rows:
        cells = []
        for label in header:
            value = row.get(label, "")
            if label == "注册资金（万元）" and value.replace(".", "", 1).isdigit():
                value = float(value)
            elif label in ("备案日期", "工商登记注册日期") and len(value) == 10:
                value = date.fromisoformat(value)
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_lines(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
