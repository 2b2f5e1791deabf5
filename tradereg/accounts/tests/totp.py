"""RFC 6238 as an authenticator app computes it, from the 密钥 shown on the binding page.

Written out here (HMAC-SHA1, 30 s, 6 digits) so the tests check django-otp against the
standard rather than against itself.
"""

import base64
import hashlib
import hmac
import struct
import time

from playwright.sync_api import Page, expect

STEP = 30


def totp_code(key: str, *, at: float | None = None, steps: int = 0, digits: int = 6) -> str:
    """The code for base32 ``key`` (spaces allowed) at time ``at`` (now), ``steps`` away."""
    compact = "".join(key.split()).upper()
    secret = base64.b32decode(compact + "=" * (-len(compact) % 8))
    counter = int((time.time() if at is None else at) // STEP) + steps
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def hex_to_b32(hex_key: str) -> str:
    """A TOTPDevice's stored key as the base32 text an app is given."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode("ascii").rstrip("=")


def bind_authenticator(page: Page, screenshot=None, name: str | None = None) -> str:
    """On the binding page: read 密钥, type the current code into 动态验证码, 提交, and
    continue past the recovery codes. Returns the key, for logging in again later."""
    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    key = page.locator("#otp-key").inner_text()
    assert page.get_by_text("密钥", exact=True).is_visible()
    if screenshot is not None and name:
        screenshot(page, name)
    page.get_by_label("动态验证码", exact=True).fill(totp_code(key))
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，继续").click()
    return key


def enter_code(page: Page, key: str, *, steps: int = 1) -> None:
    """On the 动态验证码 page: a code the last one has not used (the next step is within
    the ±1 tolerance, so a second login in the same 30 s still works)."""
    expect(page.get_by_role("heading", name="输入动态验证码")).to_be_visible()
    page.get_by_label("动态验证码", exact=True).fill(totp_code(key, steps=steps))
    page.get_by_role("button", name="提交", exact=True).click()
