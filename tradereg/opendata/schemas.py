"""The typed shapes of the API's answers (the OpenAPI document is generated from them)."""

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

OperatorStatus = Literal["approved", "cancelled"]


class Error(Schema):
    """Every error: a stable code to branch on and the message in Chinese and English."""

    code: str = Field(examples=["not_found"])
    message_zh: str
    message_en: str


class OperatorSummary(Schema):
    ie_code: str = Field(description="进出口企业代码")
    name_cn: str = Field(description="经营者中文名称")
    name_en: str = Field(description="经营者英文名称")
    authority_name: str = Field(description="备案登记机关")
    approved_on: date = Field(description="备案日期")
    status: OperatorStatus


class OperatorPage(Schema):
    results: list[OperatorSummary]
    next_cursor: str | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )
    complete: bool = Field(
        description="False when the page stopped at the scan bound before it was full: "
        "follow next_cursor, more may follow."
    )


class OperatorDetail(Schema):
    ie_code: str = Field(description="进出口企业代码")
    uscc: str = Field(description="统一社会信用代码 (empty when none)")
    org_code: str = Field(description="组织机构代码 (empty when none)")
    name_cn: str
    name_en: str
    operator_type: str = Field(description="经营者类型")
    residence: str = Field(description="住所")
    premises_cn: str = Field(description="经营场所（中文）")
    premises_en: str = Field(description="经营场所（英文）")
    postcode: str
    phone: str
    fax: str
    authority_name: str = Field(description="备案登记机关")
    authority_code: str = Field(description="备案登记机关的行政区划代码")
    approved_on: date = Field(description="备案日期")
    status: OperatorStatus
    verification_code: str | None = Field(description="当前登记表的核验码")


class FormFacts(Schema):
    verification_code: str
    form_no: str = Field(description="备案登记表编号")
    ie_code: str
    name_cn: str
    name_en: str
    uscc: str
    org_code: str
    authority_name: str
    approved_on: date = Field(description="审核通过日期")


class Verification(Schema):
    genuine: bool = Field(description="Issued by this register (always true in a 200).")
    result: Literal["current", "superseded", "cancelled"]
    message_zh: str
    message_en: str
    form: FormFacts
    operator_status: OperatorStatus
    current_approved_on: date = Field(description="The operator's latest approval.")


class ChangeOut(Schema):
    cursor: str = Field(description="Resume after this entry with `after=`.")
    kind: Literal["published", "changed", "cancelled"]
    ie_code: str
    name_cn: str
    status: OperatorStatus
    revision_number: int
    occurred_at: datetime


class ChangePage(Schema):
    entries: list[ChangeOut]
    next_cursor: str = Field(description="Where to continue; the same cursor when empty.")


class SnapshotFile(Schema):
    url: str
    size: int
    sha256: str


class SnapshotOut(Schema):
    id: int
    day: date
    created_at: datetime
    row_count: int
    changes_cursor: str = Field(
        description="Follow /changes from here after loading the snapshot; replaying an "
        "entry the snapshot already holds changes nothing."
    )
    csv: SnapshotFile
    jsonl: SnapshotFile
