import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.core.models import Announcement
from tradereg.core.services import announcement_save

pytestmark = pytest.mark.django_db


def announce(title: str, *, days_ago: float = 1, **fields) -> Announcement:
    defaults = {"is_published": True, "published_at": timezone.now() - timedelta(days=days_ago)}
    announcement = Announcement(title=title, **{**defaults, **fields})
    return announcement_save(announcement=announcement)


def titles_on_home(client) -> list[str]:
    html = client.get("/").content.decode()
    return re.findall(
        r'<li class="announcement">\s*<h3>(?:<span class="pin">置顶</span>)?(.*?)</h3>', html
    )


def test_home_shows_published_announcements_newest_first(client):
    announce("较早的公告", days_ago=10)
    announce("最新的公告", days_ago=1)
    announce("中间的公告", days_ago=5)

    assert titles_on_home(client) == ["最新的公告", "中间的公告", "较早的公告"]


def test_home_hides_unpublished_and_scheduled_announcements(client):
    announce("已发布的公告")
    announce("草稿公告", is_published=False)
    announce("明天的公告", days_ago=-1)

    assert titles_on_home(client) == ["已发布的公告"]


def test_pinned_announcements_come_first(client):
    announce("新公告", days_ago=1)
    announce("置顶的旧公告", days_ago=30, pinned=True)

    html = client.get("/").content.decode()

    assert titles_on_home(client) == ["置顶的旧公告", "新公告"]
    assert '<span class="pin">置顶</span>置顶的旧公告' in html


def test_home_shows_at_most_five_announcements(client):
    for day in range(1, 8):
        announce(f"第{day}天前的公告", days_ago=day)

    assert titles_on_home(client) == [f"第{day}天前的公告" for day in range(1, 6)]


def test_home_without_announcements_says_so(client):
    assert "暂无公告。" in client.get("/").content.decode()


def test_announcement_body_is_sanitised_markdown(client):
    announce(
        "系统维护",
        body=(
            '**周六**停机维护。<script>alert("x")</script> '
            '<a href="https://www.mofcom.gov.cn/" onclick="x()">详情</a>'
        ),
    )

    html = client.get("/").content.decode()

    assert "<strong>周六</strong>停机维护。" in html
    assert "alert(" not in html
    assert "onclick" not in html
    assert '<a href="https://www.mofcom.gov.cn/" rel="noopener nofollow">详情</a>' in html


def test_home_guides_the_three_kinds_of_enterprise_with_links(client):
    html = client.get("/").content.decode()

    for heading in ["新备案企业", "2016年12月1日前备案的企业", "2016年12月1日后备案的企业"]:
        assert heading in html
    for href in [
        "/filing/new/",
        "/operators/",
        "/accounts/login/",
        "/accounts/password/forgot/",
        "/regulations/",
    ]:
        assert f'href="{href}"' in html
    for words in ["【开通用户】", "【忘记密码】", "【登录应用】", "【上报】", "【变更】"]:
        assert words in html


def test_home_keeps_navigation_and_login_link(client):
    html = client.get("/").content.decode()

    assert 'class="login-app"' in html
    for item in ["备案登记", "打印登记表", "法律法规", "应用首页"]:
        assert item in html


def test_app_home_leads_to_operator_lookup_and_blank_forms(client):
    html = client.get("/app/").content.decode()

    assert '<a href="/operators/">经营者信息查询</a>' in html
    assert '<a href="/forms/blank/">空白表下载</a>' in html
    assert 'href="/accounts/password/forgot/"' in html


def test_app_home_offers_an_enterprise_its_filings(client):
    user = User.objects.create_user(username="qiye", password="x")
    client.force_login(user)

    html = client.get("/app/").content.decode()

    assert 'href="/my/"' in html
    assert "点击进入" in html


@pytest.mark.parametrize("path", ["/", "/app/"])
def test_pages_keep_the_strict_csp(client, path):
    announce("公告", body="正文")

    html = client.get(path).content.decode()

    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'href="/static/regulations/public.css"' in html
