"""Rendering a queued message: only a missing HTML part is optional, a broken one fails."""

import pytest
from django.template import TemplateDoesNotExist, TemplateSyntaxError

from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.services import email_enqueue

pytestmark = pytest.mark.django_db

TEMPLATES = {
    "mail/plain_subject.txt": "通知：{{ name }}",
    "mail/plain.txt": "您好，{{ name }}。",
    "mail/rich_subject.txt": "通知",
    "mail/rich.txt": "您好，{{ name }}。",
    "mail/rich.html": "<p>您好，{{ name }}。</p>",
    "mail/bad_syntax_subject.txt": "通知",
    "mail/bad_syntax.txt": "您好。",
    "mail/bad_syntax.html": "<p>{% if name %}您好</p>",
    "mail/bad_include_subject.txt": "通知",
    "mail/bad_include.txt": "您好。",
    "mail/bad_include.html": '<p>{% include "mail/no_such_part.html" %}</p>',
    "mail/bad_value_subject.txt": "通知",
    "mail/bad_value.txt": "您好。",
    "mail/bad_value.html": "<p>{{ broken.value }}</p>",
}


class Broken:
    @property
    def value(self) -> str:
        raise RuntimeError("the context object is broken")


@pytest.fixture(autouse=True)
def _mail_templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
        }
    ]


def enqueue(template: str, **context) -> OutboundEmail:
    return email_enqueue(to="clerk@example.cn", template=f"mail/{template}", context=context)


def test_a_message_without_an_html_part_is_text_only():
    message = enqueue("plain", name="张伟")
    assert message.subject == "通知：张伟"
    assert message.body_text == "您好，张伟。"
    assert message.body_html == ""


def test_the_html_part_is_rendered_when_present():
    assert enqueue("rich", name="张伟").body_html == "<p>您好，张伟。</p>"


def test_an_html_part_with_bad_syntax_fails_loudly():
    with pytest.raises(TemplateSyntaxError):
        enqueue("bad_syntax", name="张伟")
    assert not OutboundEmail.objects.exists()


def test_an_html_part_including_a_missing_template_fails_loudly():
    """The missing template is not the HTML part itself, so it is a defect, not an option."""
    with pytest.raises(TemplateDoesNotExist):
        enqueue("bad_include")
    assert not OutboundEmail.objects.exists()


def test_an_error_while_rendering_the_html_part_fails_loudly():
    with pytest.raises(RuntimeError):
        enqueue("bad_value", broken=Broken())
    assert not OutboundEmail.objects.exists()
