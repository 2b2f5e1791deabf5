"""Checks of our own: deployment ones run by `manage.py check --deploy --database default`,
the storage one by every command that checks (``migrate``, ``check``, ``runserver``)."""

from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from tradereg.core.demo_accounts import DEMO_ACCOUNTS, DEMO_ENTERPRISE, DEMO_PASSWORD
from tradereg.opendata import receipts
from tradereg.printing import signing


@register(Tags.security, deploy=True)
def demo_accounts_absent(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """Production refuses to run while an account still opens with the published demo
    password (README lists it)."""
    if not settings.PRODUCTION or not databases:
        return []
    names = [name for name, *_rest in DEMO_ACCOUNTS] + [DEMO_ENTERPRISE]
    users = apps.get_model("accounts", "User").objects.filter(username__in=names, is_active=True)
    open_ones = [user.username for user in users if check_password(DEMO_PASSWORD, user.password)]
    if not open_ones:
        return []
    return [
        Error(
            f"demo accounts with the demo password exist: {', '.join(sorted(open_ones))}",
            hint="Delete or deactivate them before TRADEREG_ENV=production starts.",
            id="tradereg.E001",
        )
    ]


LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


@register(Tags.security)
def media_storage_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """MEDIA_STORAGE=s3 fails at startup (``migrate``, ``check``), not at the first upload:
    a bucket always; in production also the credentials, where the store is (a region or
    an endpoint) and TLS to it, since the files are licence scans and ID documents."""
    if settings.MEDIA_STORAGE != "s3":
        return []
    options = cast(dict[str, Any], settings.STORAGES["default"].get("OPTIONS") or {})
    errors: list[Error] = []
    if not options.get("bucket_name"):
        errors.append(
            Error("MEDIA_STORAGE=s3 needs S3_BUCKET.", id="tradereg.E020"),
        )
    if not settings.PRODUCTION:
        return errors
    if not (options.get("access_key") and options.get("secret_key")):
        errors.append(
            Error(
                "MEDIA_STORAGE=s3 needs S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY in production.",
                id="tradereg.E021",
            )
        )
    endpoint = options.get("endpoint_url") or ""
    if not (endpoint or options.get("region_name")):
        errors.append(
            Error(
                "MEDIA_STORAGE=s3 needs S3_REGION or S3_ENDPOINT_URL in production.",
                id="tradereg.E022",
            )
        )
    parts = urlsplit(endpoint)
    if endpoint and parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        errors.append(
            Error(
                "S3_ENDPOINT_URL must be an https:// address in production.",
                hint="Only a store on this host (127.0.0.1, ::1, localhost) may use http.",
                id="tradereg.E023",
            )
        )
    return errors


@register(Tags.security)
def signing_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production signs every approved form with configured certificates (decision 0025):
    without SIGNING_CERT and SIGNING_KEY, or with files that do not load, it refuses at
    start (``migrate``, ``check``) instead of failing at the first print."""
    if not (settings.PRODUCTION or settings.SIGNING_CERT):
        return []
    if not (settings.SIGNING_CERT and settings.SIGNING_KEY):
        return [
            Error(
                "TRADEREG_ENV=production needs SIGNING_CERT and SIGNING_KEY: approved forms "
                "are signed by their filing authority.",
                hint="PEM files; see docs/signatures.md.",
                id="tradereg.E030",
            )
        ]
    errors: list[Error] = []
    if signing.PLACEHOLDER not in settings.SIGNING_CERT + settings.SIGNING_KEY:
        try:
            identity = signing.configured_identity(authority_code="")
        except (OSError, ValueError, IndexError, ImproperlyConfigured) as error:
            errors.append(
                Error(f"SIGNING_CERT / SIGNING_KEY do not load: {error}", id="tradereg.E031")
            )
        else:
            now = datetime.now(UTC)
            certificate = identity.certificate
            if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
                errors.append(
                    Error(
                        f"SIGNING_CERT is not valid now (valid from "
                        f"{certificate.not_valid_before_utc:%Y-%m-%d} to "
                        f"{certificate.not_valid_after_utc:%Y-%m-%d}).",
                        id="tradereg.E032",
                    )
                )
    try:
        roots = signing.trust_roots()
    except (OSError, ValueError) as error:
        errors.append(Error(f"SIGNING_TRUST_ROOTS do not load: {error}", id="tradereg.E033"))
    else:
        if not roots:
            errors.append(
                Error(
                    "/verify/ has no root to trust: set SIGNING_TRUST_ROOTS or put the "
                    "self-signed root in SIGNING_CHAIN.",
                    id="tradereg.E033",
                )
            )
    return errors


@register(Tags.security)
def receipt_key_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production signs batch verification receipts with a configured Ed25519 key: without
    RECEIPT_SIGNING_KEY, or with key files that do not load, it refuses at start instead
    of failing at the first batch (the embedded mode makes its own key)."""
    if not (settings.PRODUCTION or settings.RECEIPT_SIGNING_KEY):
        return []
    if not settings.RECEIPT_SIGNING_KEY:
        return [
            Error(
                "TRADEREG_ENV=production needs RECEIPT_SIGNING_KEY: batch verification "
                "receipts are signed with it.",
                hint="The path of a PEM Ed25519 private key; see docs/api.md.",
                id="tradereg.E034",
            )
        ]
    try:
        receipts.public_keys()
    except (OSError, ValueError, ImproperlyConfigured) as error:
        return [
            Error(
                f"RECEIPT_SIGNING_KEY / RECEIPT_PREVIOUS_PUBLIC_KEYS do not load: {error}",
                id="tradereg.E034",
            )
        ]
    return []


@register(Tags.security)
def webhooks_stay_public(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production posts webhooks to public https addresses only: the switch that lets
    them reach loopback and private networks (for a receiver on the same host, and the
    tests) would let an API-key holder make the server call inside its own network."""
    if settings.PRODUCTION and settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return [
            Error(
                "WEBHOOK_ALLOW_PRIVATE_URLS must be off with TRADEREG_ENV=production.",
                hint="Webhooks go to public https addresses only (decision 0027).",
                id="tradereg.E035",
            )
        ]
    return []
