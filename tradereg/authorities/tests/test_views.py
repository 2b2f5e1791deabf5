"""The 【选择】 authority picker page and its htmx fragment."""

import pytest

pytestmark = pytest.mark.usefixtures("reference_data")

PICK = "/authorities/pick/"


def test_search_lists_authority_with_link_back_to_next(client):
    response = client.get(PICK, {"q": "深圳", "next": "/filing/new/"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "深圳市商务局" in content
    assert 'href="/filing/new/?authority=440300"' in content


def test_search_without_next_links_back_to_step_2(client):
    content = client.get(PICK, {"q": "深圳"}).content.decode()
    assert 'href="/filing/new/?authority=440300"' in content


def test_search_keeps_the_query_of_next(client):
    content = client.get(PICK, {"q": "深圳", "next": "/filing/new/?method=uscc"}).content.decode()
    assert 'href="/filing/new/?method=uscc&amp;authority=440300"' in content


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http://evil.example/",
        "javascript:alert(1)",
        "/\\evil.example/",
    ],
)
def test_external_next_replaced_by_step_2(client, next_url):
    response = client.get(PICK, {"q": "深圳", "next": next_url})
    content = response.content.decode()
    assert "evil.example" not in content
    assert "javascript:" not in content
    assert 'href="/filing/new/?authority=440300"' in content


def test_htmx_request_returns_fragment_without_layout(client):
    response = client.get(PICK, {"q": "深圳", "next": "/filing/new/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = response.content.decode()
    assert "深圳市商务局" in content
    assert 'href="/filing/new/?authority=440300"' in content
    assert "<html" not in content
    assert "<!DOCTYPE" not in content
    assert "site-header" not in content
    assert 'name="q"' not in content


def test_full_page_has_layout_and_search_box(client):
    content = client.get(PICK, {"q": "深圳"}).content.decode()
    assert "<!DOCTYPE html>" in content
    assert 'name="q"' in content
    assert 'value="深圳"' in content


def test_province_lists_its_authority_and_cities(client):
    response = client.get(PICK, {"province": "440000", "next": "/filing/new/"})
    content = response.content.decode()
    for name, code in [
        ("广东省商务厅", "440000"),
        ("广州市商务局", "440100"),
        ("深圳市商务局", "440300"),
        ("珠海市商务局", "440400"),
    ]:
        assert name in content
        assert f'href="/filing/new/?authority={code}"' in content
    assert content.index("广东省商务厅") < content.index("广州市商务局")
    assert "北京市商务局" not in content
    assert content.count('class="pick"') == 22


def test_province_fragment_for_htmx(client):
    response = client.get(PICK, {"province": "440000"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "广东省商务厅" in content
    assert "<html" not in content


def test_unknown_province_lists_nothing(client):
    response = client.get(PICK, {"province": "999999"})
    assert response.status_code == 200
    assert 'class="pick"' not in response.content.decode()


def test_search_without_match_says_so(client):
    content = client.get(PICK, {"q": "火星"}).content.decode()
    assert "没有找到“火星”相关的备案登记机关" in content


def test_search_by_pinyin_initials(client):
    content = client.get(PICK, {"q": "sz"}).content.decode()
    assert "深圳市商务局" in content


def test_query_is_escaped(client):
    content = client.get(PICK, {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in content


def test_province_lists_its_county_level_cities(client):
    content = client.get(PICK, {"province": "420000"}).content.decode()
    for name, code in [
        ("湖北省商务厅", "420000"),
        ("武汉市商务局", "420100"),
        ("仙桃市商务局", "429004"),
        ("神农架林区商务局", "429021"),
    ]:
        assert name in content
        assert f'href="/filing/new/?authority={code}"' in content
    assert content.count('class="pick"') == 1 + 13 + 4
    assert content.index("恩施土家族苗族自治州商务局") < content.index("仙桃市商务局")


def test_xpcc_is_browsable_with_its_cities(client):
    page = client.get(PICK).content.decode()
    assert "?province=660000" in page
    content = client.get(PICK, {"province": "660000"}, HTTP_HX_REQUEST="true").content.decode()
    assert "新疆生产建设兵团商务局" in content
    assert "石河子市商务局" in content
    assert content.count('class="pick"') == 13


@pytest.mark.parametrize(
    ("query", "code"), [("xt", "429004"), ("兵团", "660000"), ("4290", "429004")]
)
def test_search_finds_county_level_authorities(client, query, code):
    content = client.get(PICK, {"q": query}, HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/filing/new/?authority={code}"' in content


def test_search_for_a_district_names_it(client):
    content = client.get(PICK, {"q": "南山区"}).content.decode()
    assert "深圳市商务局" in content
    assert "（含南山区）" in content
    assert 'href="/filing/new/?authority=440300"' in content
