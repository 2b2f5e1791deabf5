import json

import pytest

from tradereg.regulations.models import Regulation
from tradereg.regulations.services import REGULATIONS_JSON, regulations_load

pytestmark = pytest.mark.django_db


def seed_entries() -> list[dict]:
    return json.loads(REGULATIONS_JSON.read_text(encoding="utf-8"))


def test_regulations_load_creates_every_seed_document():
    created = regulations_load()

    entries = seed_entries()
    assert created == len(entries)
    assert set(Regulation.objects.values_list("slug", flat=True)) == {e["slug"] for e in entries}


def test_regulations_load_is_idempotent():
    regulations_load()
    before = list(Regulation.objects.order_by("slug").values())

    assert regulations_load() == 0

    assert list(Regulation.objects.order_by("slug").values()) == before


def test_regulations_load_keeps_what_an_admin_edited():
    regulations_load()
    Regulation.objects.filter(slug="filing-measures").update(
        status=Regulation.Status.REPEALED, body="由管理员改写"
    )

    regulations_load()

    measures = Regulation.objects.get(slug="filing-measures")
    assert measures.status == Regulation.Status.REPEALED
    assert measures.body == "由管理员改写"


def test_regulations_load_recreates_a_deleted_document_with_its_links():
    regulations_load()
    Regulation.objects.filter(slug="foreign-trade-law-amendment-2022").delete()

    assert regulations_load() == 1

    amendment = Regulation.objects.get(slug="foreign-trade-law-amendment-2022")
    assert set(amendment.related.values_list("slug", flat=True)) == {
        "foreign-trade-law-2004",
        "filing-measures",
    }


def test_seed_documents_are_valid_and_linked_both_ways():
    regulations_load()

    for regulation in Regulation.objects.all():
        regulation.full_clean()
        assert regulation.body.strip(), regulation.slug
        assert regulation.source_url.startswith(("https://", "http://")), regulation.slug
    law = Regulation.objects.get(slug="foreign-trade-law-2004")
    amendment = Regulation.objects.get(slug="foreign-trade-law-amendment-2022")
    assert amendment in law.related.all()
    assert law in amendment.related.all()


def test_seed_has_the_core_documents_with_their_metadata():
    regulations_load()

    measures = Regulation.objects.get(slug="filing-measures")
    assert measures.title == "对外贸易经营者备案登记办法"
    assert measures.doc_no == "商务部令2004年第14号"
    assert measures.issuer == "商务部"
    assert measures.issued_on.isoformat() == "2004-06-25"
    assert measures.effective_on.isoformat() == "2004-07-01"
    amendment = Regulation.objects.get(slug="foreign-trade-law-amendment-2022")
    assert amendment.issuer == "全国人民代表大会常务委员会"
    assert amendment.issued_on.isoformat() == "2022-12-30"
    assert "第九条" in amendment.body
    titles = " ".join(Regulation.objects.values_list("title", flat=True))
    for words in ["中华人民共和国对外贸易法", "多证合一", "两证合一", "用户手册"]:
        assert words in titles


def test_regulations_load_refuses_an_unknown_related_document(tmp_path):
    entry = {
        "slug": "lonely",
        "title": "测试文件",
        "kind": "law",
        "issuer": "测试机关",
        "status": "in_force",
        "related": ["missing"],
    }
    path = tmp_path / "regulations.json"
    path.write_text(json.dumps([entry]), encoding="utf-8")

    with pytest.raises(ValueError, match="missing"):
        regulations_load(path=path)

    assert not Regulation.objects.filter(slug="lonely").exists()
