"""A gunicorn logger whose access lines never carry a one-time link's token.

Reset and 开通用户 links are GET paths with the token in them; an access log is read by
operators and shipped to log stores, so the token is cut out of the request line, the
path, the query and every header before the line is written. So is what an officer
searched for, which may be an ID number. Use it with
``gunicorn --logger-class tradereg.accounts.accesslog.RedactingLogger``.
"""

import re

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

HIDDEN = "[hidden]"
SECRET_PATHS = [
    # /accounts/password/reset/<uidb64>/<token>/ (Django's set-password step has none)
    re.compile(r"(/accounts/password/reset/[^/\s?]+/)(?!set-password(?:[/?\s]|$))[^/\s?]+"),
    # /accounts/claim/<token>/ (开通用户)
    re.compile(r"(/accounts/claim/)[^/\s?]+"),
    # An officer's search may be a legal representative's ID number (PIPL): /office/?q=…
    re.compile(r"(/office/[^\s?]*\?(?:[^\s]*?&)?q=)[^&\s]*"),
]


def redact(text: str) -> str:
    for pattern in SECRET_PATHS:
        text = pattern.sub(rf"\g<1>{HIDDEN}", text)
    return text


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
