"""批量核验: a CSV of codes answered as of now from the published copy, in a few queries,
with an Ed25519 receipt that the docs' snippet checks against the key from /api/v1/keys,
before and after a key rotation; the upload's limits and errors; the page's messages;
the production check E034."""

import base64
import hashlib
import json
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tradereg.common.replica import public_reads_active
from tradereg.core.checks import receipt_key_configured
from tradereg.filings import services as filing_services
from tradereg.filings.tests.factories import make_officer
from tradereg.opendata import receipts
from tradereg.opendata.batch import MAX_ROWS
from tradereg.registry.models import PublishedForm, PublishedOperator
from tradereg.registry.tests.helpers import published

from .helpers import approved, change_approved, key_for, system_admin

pytestmark = pytest.mark.usefixtures("reference_data")

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"
URL = "/api/v1/verify/batch"


def docs_snippet() -> dict:
    """The first Python block of docs/api.md's receipts section, run as it stands."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Batch verification and receipts") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def post_csv(client, data: bytes, **extra):
    upload = SimpleUploadedFile("codes.csv", data, content_type="text/csv")
    return client.post(URL, {"file": upload}, **extra)


@pytest.fixture(autouse=True)
def _keys_and_limits(settings, tmp_path):
    """Each test its own embedded key folder; the batch limit out of the way."""
    settings.DATA_DIR = tmp_path / "data"
    settings.API_BATCH_ANONYMOUS_PER_MINUTE = 1000


@pytest.fixture
def register():
    """A current form, a form superseded by an approved change, a cancelled filing."""
    officer = make_officer(code="110000")
    current = approved(name_cn="北京华兴进出口有限公司", officer=officer)
    changed = approved(name_cn="北京东方贸易有限公司", officer=officer)
    old_code = PublishedForm.objects.get(filing_id=changed.pk).code
    changed = change_approved(changed, officer=officer)
    cancelled = approved(name_cn="北京兴业贸易有限公司", officer=officer)
    filing_services.filing_cancel(filing=cancelled, acting_user=officer, reason="企业申请注销")

    def code(filing):
        forms = PublishedForm.objects.filter(filing_id=filing.pk).order_by("-revision_number")
        return forms.first().code

    return {
        "current": current,
        "current_code": code(current),
        "changed": changed,
        "superseded_code": old_code,
        "changed_code": code(changed),
        "cancelled": cancelled,
        "cancelled_code": code(cancelled),
    }


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def test_a_mixed_file_answers_each_code_as_of_now(client, register):
    r = register
    changed = PublishedOperator.objects.get(filing_id=r["changed"].pk)
    uscc = changed.uscc
    spaced = r["current_code"][:5].lower() + "-" + r["current_code"][5:].lower()
    lines = [
        "核验码,备注",
        r["current_code"] + ",第一张",
        "",
        r["superseded_code"],
        r["cancelled_code"],
        "ZZZZZZZZZZ",
        f" {r['current'].ie_code} ",
        full_width(uscc.lower()),
        spaced,
        r["cancelled"].ie_code,
        "不是代码",
    ]
    response = post_csv(client, "\r\n".join(lines).encode())
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    got = [(row["line"], row["kind"], row["status"], row["name_cn"]) for row in body["rows"]]
    assert got == [
        (2, "verification_code", "current", "北京华兴进出口有限公司"),
        (4, "verification_code", "superseded", "北京东方贸易有限公司"),
        (5, "verification_code", "cancelled", "北京兴业贸易有限公司"),
        (6, "verification_code", "not_found", None),
        (7, "ie_code", "approved", "北京华兴进出口有限公司"),
        (8, "uscc", "approved", changed.name_cn),
        (9, "verification_code", "current", "北京华兴进出口有限公司"),
        (10, "ie_code", "cancelled", "北京兴业贸易有限公司"),
        (11, "unrecognised", "unrecognised", None),
    ]
    rows = body["rows"]
    assert rows[5]["input"] == full_width(uscc.lower())
    assert rows[5]["code"] == uscc
    assert rows[6]["code"] == r["current_code"]
    assert [row["status_zh"] for row in rows[4:6]] == ["已备案", "已备案"]
    assert rows[7]["status_zh"] == "已注销"
    assert rows[4]["ie_code"] == r["current"].ie_code
    assert body["summary"] == {
        "total": 9,
        "valid": 4,
        "superseded": 1,
        "cancelled": 2,
        "not_found": 1,
        "unrecognised": 1,
    }
    assert "id_number" not in response.content.decode()
    assert "representative" not in response.content.decode()


def test_the_body_may_be_text_csv_and_the_header_is_optional(client, register):
    data = f"{register['current_code']}\n{register['cancelled'].ie_code}\n".encode()
    as_body = client.post(URL, data, content_type="text/csv").json()
    as_file = post_csv(client, data).json()
    assert [row["status"] for row in as_body["rows"]] == ["current", "cancelled"]
    assert as_body["rows"] == as_file["rows"]
    assert as_body["receipt"]["request_sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_with_or_without_bom_and_gb18030_give_the_same_answer(client, register, encoding):
    text = (
        f"核验码,经营者\n{register['current_code']},北京华兴\n{register['changed'].ie_code},东方\n"
    )
    body = post_csv(client, text.encode(encoding)).json()
    assert [(row["line"], row["status"]) for row in body["rows"]] == [
        (2, "current"),
        (3, "approved"),
    ]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "file_empty"),
        (b"\r\n \r\n", 422, "file_empty"),
        (b"\xef\xbb\xbf\xe6\xa0\xb8\xe9\xaa\x8c\xe7\xa0\x81\n", 422, "file_empty"),
        (b"%PDF-1.7\n\x00\x01\x02", 422, "file_not_text"),
        (b"1100000000001\n\x80\n", 422, "file_encoding"),
        (b"x" * (2 * 1024 * 1024 + 1), 413, "file_too_large"),
    ],
)
def test_a_file_that_cannot_be_answered_is_refused_in_both_languages(client, data, status, code):
    response = post_csv(client, data)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message_zh"]
    assert response.json()["message_en"]


def test_no_file_is_refused(client):
    response = client.post(URL, {})
    assert (response.status_code, response.json()["code"]) == (422, "file_missing")
    assert "file" in response.json()["message_zh"]


def test_at_most_ten_thousand_codes(client):
    codes = [f"1100{n:09d}" for n in range(MAX_ROWS)]
    accepted = post_csv(client, ("\n".join(codes) + "\n").encode())
    assert accepted.status_code == 200
    assert accepted.json()["receipt"]["count"] == MAX_ROWS
    refused = post_csv(client, ("\n".join([*codes, "1100999999999"])).encode())
    assert (refused.status_code, refused.json()["code"]) == (413, "too_many_rows")
    assert "10000" in refused.json()["message_zh"]
    assert "10000" in refused.json()["message_en"]


def test_a_thousand_codes_take_a_bounded_number_of_queries(
    client, register, django_assert_max_num_queries
):
    operators = [published(name_cn=f"上海测试贸易有限公司{n}") for n in range(300)]
    codes = [operator.ie_code for operator in operators]
    codes += [f"9111{n:014d}" for n in range(300)]  # USCCs nobody has
    codes += [register["current_code"], register["superseded_code"]] * 200
    codes += [f"ZZZZZ{n:05d}" for n in range(1000 - len(codes))]
    assert len(codes) == 1000
    with django_assert_max_num_queries(6):
        response = post_csv(client, "\n".join(codes).encode())
    assert response.status_code == 200
    summary = response.json()["summary"]
    assert summary["valid"] == 300 + 200
    assert summary["superseded"] == 200


def test_the_docs_snippet_checks_a_receipt_with_the_published_key(client, register):
    snippet = docs_snippet()
    data = f"code\n{register['current_code']}\n{register['changed'].ie_code}\nnothing\n".encode()
    answer = post_csv(client, data).json()
    keys = client.get("/api/v1/keys").json()
    assert snippet["receipt_checks"](answer, keys, data)

    receipt = answer["receipt"]
    assert receipt["count"] == 3
    assert receipt["request_sha256"] == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", receipt["issued_at"])
    [key] = keys["keys"]
    raw = base64.urlsafe_b64decode(key["x"] + "==")
    assert (key["kty"], key["crv"], key["current"]) == ("OKP", "Ed25519", True)
    assert receipt["key_id"] == key["kid"] == hashlib.sha256(raw).hexdigest()[:16]
    assert (
        serialization.load_pem_public_key(key["pem"].encode()).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        == raw
    )


def test_a_changed_byte_fails_the_receipt(client, register):
    checks = docs_snippet()["receipt_checks"]
    data = f"{register['current_code']}\n{register['cancelled'].ie_code}\n".encode()
    answer = post_csv(client, data).json()
    keys = client.get("/api/v1/keys").json()
    assert checks(answer, keys, data)

    changed_row = json.loads(json.dumps(answer))
    changed_row["rows"][1]["status"] = "approved"
    assert not checks(changed_row, keys, data)
    renamed = json.loads(json.dumps(answer))
    renamed["rows"][0]["name_cn"] = renamed["rows"][0]["name_cn"].replace("华", "中")
    assert not checks(renamed, keys, data)
    assert not checks(answer, keys, data.replace(b"\n", b"\r\n"))
    # A forger who also rewrites result_sha256 still lacks the signature.
    rehashed = json.loads(json.dumps(changed_row))
    canonical = docs_snippet()["canonical"]
    rehashed["receipt"]["result_sha256"] = hashlib.sha256(canonical(rehashed["rows"])).hexdigest()
    assert not checks(rehashed, keys, data)
    redated = json.loads(json.dumps(answer))
    redated["receipt"]["issued_at"] = "2020-01-01T00:00:00Z"
    assert not checks(redated, keys, data)


def test_rotating_the_embedded_key_keeps_old_receipts_checkable(client, register, settings):
    checks = docs_snippet()["receipt_checks"]
    data = f"{register['current_code']}\n".encode()
    before = post_csv(client, data).json()
    new_kid = receipts.receipt_key_rotate()
    after = post_csv(client, data).json()
    keys = client.get("/api/v1/keys").json()
    assert [key["kid"] for key in keys["keys"]] == [new_kid, before["receipt"]["key_id"]]
    assert [key["current"] for key in keys["keys"]] == [True, False]
    assert after["receipt"]["key_id"] == new_kid != before["receipt"]["key_id"]
    assert checks(before, keys, data)
    assert checks(after, keys, data)
    only_new = {"keys": keys["keys"][:1]}
    assert not checks(before, only_new, data)


def test_a_configured_key_and_its_predecessors_are_listed(client, register, settings, tmp_path):
    checks = docs_snippet()["receipt_checks"]
    data = f"{register['cancelled_code']}\n".encode()
    embedded = post_csv(client, data).json()
    old_public = tmp_path / "old.pub.pem"
    old_public.write_bytes(
        receipts.signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    new_key = tmp_path / "receipt.pem"
    new_key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.RECEIPT_SIGNING_KEY = str(new_key)
    settings.RECEIPT_PREVIOUS_PUBLIC_KEYS = [str(old_public)]
    configured = post_csv(client, data).json()
    keys = client.get("/api/v1/keys").json()
    assert len(keys["keys"]) == 2
    assert configured["receipt"]["key_id"] == keys["keys"][0]["kid"]
    assert checks(embedded, keys, data)
    assert checks(configured, keys, data)


def test_the_embedded_key_is_private_to_this_user(client):
    post_csv(client, b"1100000000001\n")
    folder = receipts.signing_dir()
    key_file = folder / receipts.KEY_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert isinstance(receipts.signing_key(), Ed25519PrivateKey)
    assert not list(folder.glob(".*.tmp"))


def test_a_batch_counts_against_its_own_lower_limit(client, settings):
    settings.API_BATCH_ANONYMOUS_PER_MINUTE = 1
    assert post_csv(client, b"1100000000001\n").status_code == 200
    refused = post_csv(client, b"1100000000001\n")
    assert (refused.status_code, refused.json()["code"]) == (429, "batch_rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "每分钟最多1次" in refused.json()["message_zh"]
    assert post_csv(client, b"1100000000001\n", REMOTE_ADDR="192.0.2.9").status_code == 200
    assert client.get("/api/v1/keys").status_code == 200


def test_a_key_needs_the_read_scope(client, settings):
    settings.API_BATCH_KEY_PER_MINUTE = 5
    admin = system_admin()
    bulk_only = key_for(scopes=("bulk",), admin=admin)
    refused = post_csv(client, b"1100000000001\n", HTTP_X_API_KEY=bulk_only)
    assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing")
    reader = key_for(scopes=("read",), admin=admin)
    assert post_csv(client, b"1100000000001\n", HTTP_X_API_KEY=reader).status_code == 200


# --- the page -------------------------------------------------------------------------


def test_the_page_answers_a_file_with_the_table_and_the_receipt(client, register):
    data = f"{register['current_code']}\n{register['superseded_code']}\n".encode()
    response = client.post(
        "/verify/batch/", {"file": SimpleUploadedFile("codes.csv", data, "text/csv")}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "共 2 条，有效 1 条，已被变更取代 1 条" in content
    assert "北京华兴进出口有限公司" in content
    receipt = response.context["receipt"]
    assert receipt["request_sha256"] == hashlib.sha256(data).hexdigest()
    assert receipt["signature"] in content
    downloaded = response.context["receipt_url"].split("base64,", 1)[1]
    document = json.loads(base64.b64decode(downloaded))
    keys = client.get("/api/v1/keys").json()
    assert docs_snippet()["receipt_checks"](document, keys, data)


def test_the_page_and_its_csv_read_in_english_while_the_receipt_stays_chinese(client, register):
    """A person reads the table and the CSV in their language; the JSON and the signed
    receipt say the same words whatever the language, so the signature checks."""
    data = f"{register['current_code']}\n1100999999999\n12345\n".encode()
    response = client.post(
        "/verify/batch/",
        {"file": SimpleUploadedFile("codes.csv", data, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    content = response.content.decode()
    assert 'status-current">Valid</span>' in content
    assert 'status-not_found">Not found</span>' in content
    assert "<td>Verification code</td>" in content
    assert 'download="Batch verification results - receipt.json"' in content
    csv_text = base64.b64decode(response.context["csv_url"].split("base64,", 1)[1]).decode()
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].split(",") == [
        "Line",
        "As typed",
        "Code",
        "Type",
        "Result",
        "Operator name",
        "Import-export enterprise code",
        "Filing date",
    ]
    assert lines[1].split(",")[3:5] == ["Verification code", "Valid"]
    assert [row["status_zh"] for row in response.context["rows"]] == ["有效", "未找到", "无法识别"]
    document = json.loads(base64.b64decode(response.context["receipt_url"].split("base64,", 1)[1]))
    assert docs_snippet()["receipt_checks"](document, client.get("/api/v1/keys").json(), data)


def test_the_api_says_its_chinese_message_in_chinese_whatever_the_language(client):
    response = post_csv(client, b"%PDF-1.7\n\x00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message_zh"] == "文件不是CSV文本文件，请上传每行一个代码的CSV文件。"
    assert response.json()["message_en"] == "The file is not a CSV text file."


def test_the_page_says_what_is_wrong_in_english_on_an_english_page(client):
    upload = SimpleUploadedFile("codes.csv", b"\x00\x01\x02", "text/csv")
    response = client.post("/verify/batch/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    error = re.search(r'<p class="error" id="id_file_error">([^<]*)</p>', response.content.decode())
    assert error
    assert "CSV" in error[1]
    assert "文件" not in error[1]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (None, None, "请选择要核验的CSV文件。"),
        ("form.pdf", b"%PDF-1.7\n", "请上传CSV文件（.csv 或 .txt）。"),
        ("codes.csv", b"1100000000001\n\x80\n", "无法识别文件的编码"),
        ("codes.csv", b"\x00\x01\x02", "文件不是CSV文本文件"),
        ("codes.csv", b"\n".join([b"1100000000001"] * (MAX_ROWS + 1)), "每次最多核验 10000 条"),
    ],
)
def test_the_page_says_what_is_wrong_next_to_the_field(client, name, data, message):
    files = {"file": SimpleUploadedFile(name, data, "text/csv")} if name else {}
    response = client.post("/verify/batch/", files)
    assert response.status_code == 400
    content = response.content.decode()
    error = re.search(r'<p class="error" id="id_file_error">([^<]*)</p>', content)
    assert error
    assert message in error[1]
    assert 'id="batch-result"' not in content


def test_the_page_is_rate_limited_per_address(client):
    for _ in range(10):
        client.post("/verify/batch/", {"file": SimpleUploadedFile("a.csv", b"x\n", "text/csv")})
    refused = client.post(
        "/verify/batch/", {"file": SimpleUploadedFile("a.csv", b"x\n", "text/csv")}
    )
    assert refused.status_code == 429
    assert "操作过于频繁" in refused.content.decode()


def test_the_page_reads_the_published_copy_as_public_reads(client, register):
    """Its registry reads may go to a replica (decision 0022), like /verify/'s."""
    seen = []

    def spy(execute, sql, params, many, context):
        if "registry_published" in sql:
            seen.append(public_reads_active())
        return execute(sql, params, many, context)

    data = f"{register['current_code']}\n{register['changed'].ie_code}\n".encode()
    with connection.execute_wrapper(spy):
        client.post("/verify/batch/", {"file": SimpleUploadedFile("a.csv", data, "text/csv")})
    assert seen
    assert all(seen)


def test_the_verify_page_links_to_the_batch_page(client):
    content = client.get("/verify/").content.decode()
    assert 'href="/verify/batch/"' in content
    assert client.get("/verify/batch/").status_code == 200


# --- the production check --------------------------------------------------------------


def test_production_refuses_to_start_without_a_receipt_key(settings, tmp_path):
    settings.PRODUCTION = True
    settings.RECEIPT_SIGNING_KEY = ""
    assert [error.id for error in receipt_key_configured()] == ["tradereg.E034"]
    settings.RECEIPT_SIGNING_KEY = str(tmp_path / "missing.pem")
    assert [error.id for error in receipt_key_configured()] == ["tradereg.E034"]
    not_ed25519 = tmp_path / "rsa.pem"
    not_ed25519.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    settings.RECEIPT_SIGNING_KEY = str(not_ed25519)
    assert [error.id for error in receipt_key_configured()] == ["tradereg.E034"]
    good = tmp_path / "receipt.pem"
    good.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.RECEIPT_SIGNING_KEY = str(good)
    assert receipt_key_configured() == []
    assert not receipts.signing_dir().exists()  # production never makes a key of its own
