"""The lookup's result rows link to each operator's own page (the address is reversed once
per request, not once per row)."""

import re

import pytest
from django.urls import reverse

from tradereg.registry.models import PublishedOperator
from tradereg.registry.tests.helpers import published

pytestmark = pytest.mark.django_db


def test_every_result_row_links_to_its_own_operator(client):
    operators = [published(name_cn=f"链接贸易有限公司{n}") for n in range(3)]
    cancelled = published(name_cn="链接贸易已注销公司", status=PublishedOperator.Status.CANCELLED)

    html = client.get("/operators/", {"q": "链接贸易"}).content.decode()
    links = dict(
        (name, href)
        for href, again, name in re.findall(
            r'<a href="([^"]+)" hx-get="([^"]+)" data-operator-open>([^<]+)</a>', html
        )
        if href == again
    )

    for operator in [*operators, cancelled]:
        assert links[operator.name_cn] == reverse("registry:operator", args=[operator.pk])
        assert client.get(links[operator.name_cn]).status_code == 200
    assert '<span class="op-status op-status-cancelled">已注销</span>' in html
    assert html.count('<span class="op-status op-status-approved">已备案</span>') == 3


def test_the_search_page_keeps_its_labels_after_the_first_request(client):
    for query in ["", "链接", "x"]:
        html = client.get("/operators/", {"q": query}).content.decode()

        assert '<label for="id_q">查询条件</label>' in html
        assert '<button type="submit">查询</button>' in html
        assert 'action="/operators/"' in html
        assert f'value="{query}"' in html
        assert '<h2 id="operator-dialog-title">经营者备案信息</h2>' in html
