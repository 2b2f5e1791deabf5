"""``{% once %}`` keeps the parts of a page that are the same for everyone, per language,
and leaves what depends on the request to each request."""

import re

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from tradereg.accounts.models import User

pytestmark = pytest.mark.django_db


def current_nav(html: str) -> list[str]:
    return re.findall(r'<li><a href="[^"]+" aria-current="page">([^<]+)</a></li>', html)


def test_each_page_still_marks_its_own_navigation_item(client):
    pages = {"/print/": ["打印登记表"], "/regulations/": ["法律法规"], "/app/": ["应用首页"]}
    pages |= {"/filing/new/": ["备案登记"], "/": [], "/operators/": ["经营者信息查询"]}

    for path, current in pages.items():
        assert current_nav(client.get(path).content.decode()) == current, path


def test_each_role_keeps_its_own_header_link(rf):
    roles = [
        ("enterprise", "/my/", "我的备案"),
        ("auditor", "/audit/", "审计记录"),
        ("officer", "/office/", "审核工作台"),
        ("enterprise", "/my/", "我的备案"),
    ]
    for n, (role, href, label) in enumerate(roles):
        user = User(pk=n + 1, username=f"nav-{role}-{n}", role=role)
        request = rf.get("/operators/")
        request.user = user

        html = render_to_string("base.html", {"user": user}, request=request)

        assert f'<a href="{href}">{label}</a>' in html
        assert f'<span class="who">{user.username}</span>' in html
        assert 'class="login-app"' not in html


def test_the_logout_form_keeps_each_request_its_own_csrf_token(client):
    client.force_login(User.objects.create_user(username="nav-token"))

    tokens = {
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(path).content.decode())[
            1
        ]
        for path in ["/operators/", "/print/"]
    }

    assert len(tokens) == 2


def test_a_once_part_is_rendered_again_for_another_language():
    page = engines["django"].from_string(
        "{% load i18n once %}{% once %}{% get_current_language as code %}{{ code }}{% endonce %}"
    )

    with translation.override("zh-hans"):
        first = page.render({})
    with translation.override("en"):
        second = page.render({})

    assert (first, second) == ("zh-hans", "en")
