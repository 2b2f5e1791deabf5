"""English throughout: the committed catalogue covers every message the code has, it is
compiled, and the pages follow the visitor's language (Accept-Language on a first visit,
the 中文 / English switch after that), with Chinese the default.

The catalogue is regenerated the way it is maintained (docs/glossary.md):
``manage.py makemessages -l en --add-location file`` with the ignore list below.
"""

import gettext
import html
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from tradereg.accounts.models import User
from tradereg.accounts.tests.otp import login_verified
from tradereg.filings import services
from tradereg.filings.models import IdType, Status
from tradereg.filings.publication import printed_values
from tradereg.filings.tests.factories import (
    PASSWORD,
    filing_data,
    form_post,
    make_filing,
    make_officer,
)
from tradereg.notifications.models import OutboundEmail
from tradereg.printing.tests.helpers import opened, pdf_text

pytestmark = pytest.mark.usefixtures("reference_data")

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "tradereg" / "locale"
PO = Path("en") / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Where makemessages looks, as the catalogue is maintained (docs/glossary.md).
IGNORE = ["staticfiles", "tmp", "var", "deploy", "docs", "scripts", "node_modules", "*.egg-info"]
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".po"}
NEW_FORM = "/filing/new/form/?authority=110000&method=uscc"
SYSTEM_EN = "Foreign Trade Operator Filing Registration System"
SYSTEM_ZH = "对外贸易经营者备案登记系统"


def entries(po: Path) -> list[dict]:
    """The entries of a .po file (header left out): msgid, msgstr(s) and flags."""
    found = []
    for block in po.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": "", "msgid": "", "msgstr": []}
        field = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif line.startswith("msgid "):
                field, entry["msgid"] = "msgid", _unquote(line[6:])
            elif line.startswith("msgid_plural "):
                field = "plural"
            elif line.startswith("msgstr"):
                field = "msgstr"
                entry["msgstr"].append(_unquote(line.split(" ", 1)[1]))
            elif line.startswith('"') and field == "msgid":
                entry["msgid"] += _unquote(line)
            elif line.startswith('"') and field == "msgstr":
                entry["msgstr"][-1] += _unquote(line)
        if entry["msgid"] and not block.lstrip().startswith("#~"):
            found.append(entry)
    return found


def _unquote(text: str) -> str:
    return text.strip()[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


def _not_source(directory: str, names: list[str]) -> set[str]:
    return {
        name
        for name in names
        if name == "__pycache__"
        or ((Path(directory) / name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES)
    }


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """makemessages over a copy of the sources and of the committed catalogue: it writes
    temporary files beside the templates, so it never runs in the working tree."""
    root = tmp_path_factory.mktemp("sources")
    shutil.copytree(ROOT / "tradereg", root / "tradereg", ignore=_not_source)
    copy = root / "tradereg" / "locale"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(settings, "LOCALE_PATHS", [copy])
        call_command(
            "makemessages",
            locale=["en"],
            ignore_patterns=IGNORE,
            add_location="file",
            verbosity=0,
        )
    return copy / PO


def test_every_message_of_the_code_is_in_the_committed_catalogue(regenerated):
    committed = {e["msgid"] for e in entries(LOCALE / PO)}
    current = {e["msgid"] for e in entries(regenerated)}
    missing = sorted(current - committed)
    assert not missing, f"not in tradereg/locale (run makemessages, translate): {missing}"


def test_no_entry_is_empty_or_fuzzy(regenerated):
    for po in (LOCALE / PO, regenerated):
        empty = [e["msgid"] for e in entries(po) if not all(e["msgstr"])]
        fuzzy = [e["msgid"] for e in entries(po) if "fuzzy" in e["flags"]]
        assert not empty, f"{po}: untranslated {empty}"
        assert not fuzzy, f"{po}: fuzzy {fuzzy}"


def test_committed_catalogue_is_compiled_from_the_po(tmp_path):
    """The .mo in the repository says what the .po says (msgfmt also checks that every
    translation keeps its placeholders)."""
    compiled = tmp_path / "django.mo"
    subprocess.run(  # noqa: S603 - fixed arguments, our own files
        ["msgfmt", "--check", "-o", str(compiled), str(LOCALE / PO)],  # noqa: S607
        check=True,
        capture_output=True,
    )
    with compiled.open("rb") as fresh, (LOCALE / MO).open("rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == (
            gettext.GNUTranslations(committed)._catalog
        )


def test_translations_keep_one_rendering_per_term():
    """The glossary's renderings of the statuses and buttons are the catalogue's."""
    catalogue = {e["msgid"]: e["msgstr"][0] for e in entries(LOCALE / PO)}
    assert catalogue["上报"] == "Submit for review"
    assert catalogue["变更"] == "Change"
    assert catalogue["已审核，可变更"] == "Approved (may be changed)"
    assert catalogue["审核通过"] == "Approve"
    assert catalogue["开通用户"] == "Open account"
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for row in ("| 上报 | Submit for review |", "| 变更 | Change |", "| 开通用户 | Open account |"):
        assert row in glossary


# --- pages ------------------------------------------------------------------------------


def english(client: Client, how: str) -> dict:
    """Request options (or a cookie) that ask for English the way ``how`` names."""
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return {}
    return {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_home_page_in_english(how):
    client = Client()
    body = client.get("/", **english(client, how)).content.decode()
    assert '<html lang="en">' in body
    assert "File a registration" in body
    assert "Log in to the application" in body
    assert SYSTEM_ZH not in body


def test_home_page_in_chinese_by_default():
    body = Client().get("/").content.decode()
    assert '<html lang="zh-Hans">' in body
    assert "备案登记" in body
    assert "File a registration" not in body


def test_chinese_visitor_sees_chinese_even_with_english_second():
    body = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8").content.decode()
    assert '<html lang="zh-Hans">' in body
    assert "登录应用" in body


def test_page_title_names_the_page_then_the_system():
    client = Client()
    assert f"<title>{SYSTEM_ZH}</title>" in client.get("/").content.decode()
    assert f"<title>应用首页 – {SYSTEM_ZH}</title>" in client.get("/app/").content.decode()
    body = client.get("/app/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"<title>Application home – {SYSTEM_EN}</title>" in body


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_login_page_in_english(how):
    client = Client()
    body = client.get("/accounts/login/", **english(client, how)).content.decode()
    assert "<label" in body
    assert "Username" in body
    assert "Forgot password" in body
    assert "用户名" not in body


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_filing_form_in_english(how):
    client = Client()
    body = client.get(NEW_FORM, **english(client, how)).content.decode()
    for label in ("Operator name (Chinese)", "Operator name (English)", "Postcode", "Save"):
        assert label in body
    assert "经营者中文名称" not in body


def test_filing_form_in_chinese_by_default():
    body = Client().get(NEW_FORM).content.decode()
    assert "经营者中文名称" in body
    assert "Operator name (Chinese)" not in body


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_error_message_in_english_next_to_the_field_keeps_what_was_typed(how):
    client = Client()
    post = form_post(filing_data(), postcode="1000")
    post.update(username="english-clerk", password1=PASSWORD, password2=PASSWORD)
    response = client.post(NEW_FORM, post, **english(client, how))
    body = response.content.decode()
    assert response.status_code == 200
    start = body.index('id="field-postcode"')
    assert "The postcode must be 6 digits." in body[start : start + 2000]
    assert f'value="{html.escape(post["name_en"])}"' in body
    assert not User.objects.filter(username="english-clerk").exists()


def test_error_message_in_chinese_by_default():
    post = form_post(filing_data(), postcode="1000")
    post.update(username="chinese-clerk", password1=PASSWORD, password2=PASSWORD)
    body = Client().post(NEW_FORM, post).content.decode()
    assert "邮政编码应为6位数字。" in body


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_officer_queue_in_english(how):
    client = Client()
    login_verified(client, make_officer(code="440300"))
    body = client.get("/office/", **english(client, how)).content.decode()
    assert "Review queue" in body
    assert "Review workspace" in body
    assert "审核队列" not in body


def test_officer_queue_in_chinese_by_default():
    client = Client()
    login_verified(client, make_officer(code="440300"))
    assert "审核队列" in client.get("/office/").content.decode()


def test_language_switch_is_remembered():
    client = Client()
    body = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    assert 'name="language" value="en"' in body
    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/app/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/app/"
    cookie = answer.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600
    assert "English" in client.get("/app/").content.decode()
    assert "Application home" in client.get("/app/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "应用首页" in client.get("/app/").content.decode()


def test_language_switch_does_not_redirect_elsewhere():
    answer = Client().post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert answer.status_code == 302
    assert not answer["Location"].startswith("https://evil.example")


def test_identifier_error_in_english():
    client = Client()
    post = form_post(filing_data(), uscc="91350100M000100Y4", registration_no="")
    post.update(username="english-clerk", password1=PASSWORD, password2=PASSWORD)
    body = client.post(NEW_FORM, post, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The unified social credit code must have 18 characters; it has 17" in body
    chinese = Client().post(NEW_FORM, post).content.decode()
    assert "统一社会信用代码应为18位，当前为17位" in chinese


def test_form_options_in_english_from_the_data():
    body = Client().get(NEW_FORM, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Private enterprise" in body
    assert "Individual business (sole proprietor)" in body
    assert ">RMB<" in body
    assert "私营企业" not in body
    chinese = Client().get(NEW_FORM).content.decode()
    assert "私营企业" in chinese
    assert ">人民币<" in chinese


def test_english_print_page_keeps_the_form_in_chinese_and_says_so():
    filing = make_filing(status=Status.APPROVED)
    client = opened(filing)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/print/{filing.pk}/").content.decode()
    assert "Print front" in body
    assert "The registration form is a legal document" in body
    sheets = body[body.index('class="sheets" lang="zh-Hans"') :]
    for label in (
        "对外贸易经营者备案登记表",
        "经营者中文名称",
        "备案登记机关（签章）",
        "居民身份证",
    ):
        assert label in sheets, label
    assert "Operator name (Chinese)" not in sheets
    assert "Resident identity card" not in sheets
    chinese = opened(filing).get(f"/print/{filing.pk}/").content.decode()
    assert "The registration form is a legal document" not in chinese
    assert "备案登记表是法律文书" not in chinese


def test_pdf_asked_for_in_english_is_the_chinese_form():
    filing = make_filing(status=Status.APPROVED)
    client = opened(filing)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = pdf_text(client.get(f"/print/{filing.pk}/front.pdf").content)
    assert "经营者中文名称" in text
    assert "Operator name" not in text


def test_printed_values_are_chinese_in_an_english_request():
    filing = make_filing(status=Status.APPROVED, id_type=IdType.PASSPORT, id_number="E12345678")
    with translation.override("en"):
        values = printed_values(filing, filing.approved_revision, full_id=False)
    assert values["id_type"] == "护照"


# --- e-mail -----------------------------------------------------------------------------


def test_mail_caused_by_the_recipient_is_in_the_language_they_use():
    post = form_post(filing_data())
    post.update(username="english-filer", password1=PASSWORD, password2=PASSWORD)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.post(NEW_FORM, post).status_code == 302
    welcome = OutboundEmail.objects.get(to=post["email"])
    assert welcome.subject.startswith("Foreign trade operator filing: registration complete")
    assert "Next steps:" in welcome.body_text
    assert "下一步" not in welcome.body_text


def test_mail_of_an_officer_decision_is_in_chinese_whatever_the_officer_reads():
    filing = make_filing(status=Status.REPORTED, code="440300")
    officer = make_officer(code="440300")
    with translation.override("en"):
        services.filing_approve(filing=filing, acting_user=officer)
    mail = OutboundEmail.objects.filter(template="filings/emails/filing_approved").get()
    assert mail.subject.startswith("对外贸易经营者备案登记：已审核通过")
    assert "备案登记表编号：" in mail.body_text


def test_language_switch_returns_to_the_page_it_was_pressed_on():
    """The switch carries no ``next`` (nothing of the URL is echoed into the page); Django
    returns to the same-origin referring page, its query included."""
    client = Client()
    page = client.get("/authorities/pick/?q=深圳&next=https://evil.example/").content.decode()
    assert "evil.example" not in page
    referer = f"http://testserver{NEW_FORM}"
    answer = client.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=referer)
    assert answer.status_code == 302
    assert answer["Location"] == referer
