from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from tradereg.notifications.models import OutboundEmail
from tradereg.notifications.tasks import email_send

# Context values under these keys are one-time secrets (reset and claim tokens).
SECRET_KEYS = ("token",)
HIDDEN = "［链接已隐藏］"


def redact(text: str, secrets: list[str]) -> str:
    """The text with every secret value cut out (the whole link path stays readable)."""
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    return text


def email_enqueue(
    *, to: str, template: str, context: dict[str, Any], language: str | None = None
) -> OutboundEmail:
    """Render a message from ``<template>_subject.txt/.txt/.html`` and queue its delivery.

    It is written in ``language``, or in the language of the request that sends it: the
    caller passes the default language when someone else's action sends it (an officer's
    decision reaches the enterprise in Chinese, whatever the officer reads).

    Call it inside the transaction of the change it announces: the message row and the
    task row are committed with that change or not at all, and the worker sees neither
    before the commit. Called outside one, the two still commit together.
    """
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body_text = render_to_string(f"{template}.txt", context)
        # The HTML part is optional: only its absence is forgiven. A template that exists
        # but fails (bad syntax, a missing include, an error while rendering) raises, so it
        # is found in tests rather than silently sending text-only mail.
        try:
            html_template = get_template(f"{template}.html")
        except TemplateDoesNotExist:
            body_html = ""
        else:
            body_html = html_template.render(context)
    secrets = [str(context[key]) for key in SECRET_KEYS if context.get(key)]
    with transaction.atomic():
        message = OutboundEmail.objects.create(
            to=to,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            template=template,
            preview=redact(body_text, secrets),
            has_secret=bool(secrets),
            next_attempt_at=timezone.now(),
        )
        email_send.enqueue(message.pk)
    return message
