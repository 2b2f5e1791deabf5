"""A message with a one-time link keeps the live link only until it is delivered, and
no admin page ever shows it (issue 8: "never stored where any user can read them")."""

import pytest

from tradereg.conftest import free_port
from tradereg.notifications.admin import OutboundEmailAdmin
from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.services import HIDDEN, email_enqueue

pytestmark = pytest.mark.django_db

TOKEN = "cz1abc-0123456789abcdef"


def queue_reset() -> OutboundEmail:
    return email_enqueue(
        to="clerk@example.cn",
        template="accounts/emails/password_reset",
        context={"user": {"username": "clerk"}, "uid": "MQ", "token": TOKEN},
    )


def test_the_preview_hides_the_token_and_keeps_the_rest():
    message = queue_reset()
    assert message.has_secret
    assert TOKEN in message.body_text  # needed to deliver (and retry)
    assert TOKEN not in message.preview
    assert f"/accounts/password/reset/MQ/{HIDDEN}/" in message.preview


def test_a_message_without_a_token_has_no_secret(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"m/plain_subject.txt": "通知", "m/plain.txt": "您好。"},
                    )
                ]
            },
        }
    ]
    message = email_enqueue(to="clerk@example.cn", template="m/plain", context={})
    assert not message.has_secret
    assert message.preview == "您好。"


def test_once_delivered_only_the_redacted_text_is_kept(smtp_server, tasks):
    message = queue_reset()
    tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT
    assert TOKEN in smtp_server.bodies_to("clerk@example.cn")[0]
    assert TOKEN not in message.body_text
    assert TOKEN not in message.body_html


def test_a_pending_message_keeps_the_link_for_the_retry(settings, smtp_server, tasks):
    settings.EMAIL_PORT = free_port()
    message = queue_reset()
    tasks()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.PENDING
    assert TOKEN in message.body_text


def test_the_admin_shows_no_body_field():
    shown = set(OutboundEmailAdmin.fields) | set(OutboundEmailAdmin.list_display)
    assert "body_text" not in shown
    assert "body_html" not in shown
    assert "preview" in shown
