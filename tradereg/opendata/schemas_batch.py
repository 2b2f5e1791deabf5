"""The typed shapes of batch verification and of the receipt keys (OpenAPI)."""

from typing import Literal

from ninja import Schema
from pydantic import Field

Kind = Literal["verification_code", "ie_code", "uscc", "unrecognised"]
RowStatus = Literal["current", "superseded", "cancelled", "approved", "not_found", "unrecognised"]


class BatchRow(Schema):
    line: int = Field(description="The row's line in the uploaded file (1-based).")
    input: str = Field(description="The first cell as typed.")
    code: str = Field(description="The code as looked up (normalised).")
    kind: Kind
    found: bool
    status: RowStatus = Field(
        description="Verification codes: current / superseded / cancelled; operators: "
        "approved (已备案) / cancelled (已注销); else not_found or unrecognised."
    )
    status_zh: str
    name_cn: str | None = Field(description="经营者中文名称")
    ie_code: str | None = Field(description="进出口企业代码")
    approved_on: str | None = Field(
        description="备案日期 (an operator) or the form's approval date (a verification "
        "code), YYYY-MM-DD."
    )


class BatchSummary(Schema):
    total: int
    valid: int = Field(description="Current forms and registered (approved) operators.")
    superseded: int
    cancelled: int
    not_found: int
    unrecognised: int


class Receipt(Schema):
    request_sha256: str = Field(description="SHA-256 (hex) of the uploaded bytes.")
    result_sha256: str = Field(description="SHA-256 (hex) of the canonical JSON of `rows`.")
    count: int
    issued_at: str = Field(description="UTC, ISO 8601, e.g. 2026-12-01T08:00:00Z")
    key_id: str = Field(description="The `kid` of the signing key at /api/v1/keys.")
    signature: str = Field(
        description="Base64 Ed25519 signature over the canonical JSON of the five "
        "fields above (docs/api.md)."
    )


class BatchAnswer(Schema):
    rows: list[BatchRow]
    summary: BatchSummary
    receipt: Receipt


class ReceiptKey(Schema):
    kid: str
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    alg: Literal["EdDSA"]
    use: Literal["sig"]
    x: str = Field(description="The raw public key, base64url without padding (RFC 8037).")
    pem: str = Field(description="The same key as a PEM SubjectPublicKeyInfo.")
    current: bool = Field(description="True for the key that signs new receipts.")


class ReceiptKeys(Schema):
    keys: list[ReceiptKey]
