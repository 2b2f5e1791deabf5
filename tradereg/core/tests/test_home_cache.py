"""The anonymous home page comes from a short-lived cache; nobody gets another's page."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils import timezone

from tradereg.accounts.models import User
from tradereg.core.models import Announcement
from tradereg.core.services import announcement_delete, announcement_save

pytestmark = pytest.mark.django_db


def publish(title: str, capture, **fields) -> Announcement:
    """Save through the service and run its after-commit work, as a request would."""
    values = {"is_published": True, "published_at": timezone.now() - timedelta(minutes=1)}
    with capture(execute=True):
        return announcement_save(announcement=Announcement(title=title, **{**values, **fields}))


def test_a_second_anonymous_visit_is_served_from_the_cache(client):
    first = client.get("/")
    Announcement.objects.create(
        title="绕过服务写入", body_html="<p>x</p>", is_published=True, published_at=timezone.now()
    )

    second = client.get("/")

    assert "绕过服务写入" not in second.content.decode()
    assert second.content == first.content
    assert "Cookie" in second["Vary"]
    assert second["Content-Type"] == first["Content-Type"]


def test_a_new_announcement_shows_at_once(client, django_capture_on_commit_callbacks):
    assert "暂无公告。" in client.get("/").content.decode()

    publish("系统升级通知", django_capture_on_commit_callbacks, body="**今晚**升级")

    html = client.get("/").content.decode()
    assert "系统升级通知" in html
    assert "<strong>今晚</strong>升级" in html


def test_a_deleted_announcement_goes_at_once(client, django_capture_on_commit_callbacks):
    announcement = publish("临时公告", django_capture_on_commit_callbacks)
    assert "临时公告" in client.get("/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        announcement_delete(announcement=announcement)

    assert "临时公告" not in client.get("/").content.decode()


def test_a_scheduled_announcement_is_not_kept_out_by_the_cache(
    client, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        publish(
            "十秒后的公告",
            django_capture_on_commit_callbacks,
            published_at=timezone.now() + timedelta(seconds=10),
        )
        assert "十秒后的公告" not in client.get("/").content.decode()

        traveller.shift(timedelta(seconds=11))

        assert "十秒后的公告" in client.get("/").content.decode()


def test_anonymous_and_logged_in_visitors_get_their_own_pages(client):
    user = User.objects.create_user(username="qiye-home", password="x")
    anonymous = client.get("/").content.decode()
    assert 'class="login-app"' in anonymous

    client.force_login(user)
    logged_in = client.get("/").content.decode()
    client.logout()
    after = client.get("/").content.decode()

    assert "qiye-home" in logged_in
    assert 'class="login-app"' not in logged_in
    assert 'href="/my/"' in logged_in
    assert "qiye-home" not in after
    assert 'class="login-app"' in after


def test_a_logged_in_page_is_never_kept_for_anonymous_visitors(client):
    client.force_login(User.objects.create_user(username="qiye-first", password="x"))
    client.get("/")
    client.get("/app/")
    client.logout()
    client.cookies.clear()

    for path in ["/", "/app/"]:
        assert "qiye-first" not in client.get(path).content.decode()


def test_a_request_with_a_session_is_rendered_for_it(client):
    client.get("/")
    session = client.session
    session["seen"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    Announcement.objects.create(
        title="只给有会话的请求", is_published=True, published_at=timezone.now()
    )

    assert "只给有会话的请求" in client.get("/").content.decode()


def test_a_pending_message_is_shown_not_a_cached_page(client, rf):
    client.get("/")
    storage = CookieStorage(rf.get("/"))
    client.cookies[CookieStorage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "密码已重置，请使用新密码登录。")]
    )

    assert "密码已重置，请使用新密码登录。" in client.get("/").content.decode()


def test_app_home_anonymous_page_is_cached_and_keeps_its_links(client):
    first = client.get("/app/")
    second = client.get("/app/")

    assert second.content == first.content
    html = second.content.decode()
    assert '<a href="/operators/">经营者信息查询</a>' in html
    assert "【登录应用】" in html
