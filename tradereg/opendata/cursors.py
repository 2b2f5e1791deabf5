"""Opaque cursors: what a client passes back, never parsed by it. A cursor names a
position in an order (the search's keyset, the change log's position), so rows
inserted before or after it shift no page."""

import base64
import binascii

from tradereg.registry.selectors import Position


class CursorInvalid(ValueError):
    pass


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as invalid:
        raise CursorInvalid(cursor) from invalid
    prefix, _sep, rest = text.partition(":")
    if prefix != kind:
        raise CursorInvalid(cursor)
    return rest


def search_cursor(token: str | None) -> str | None:
    return _encode(f"o1:{token}") if token else None


def search_token(cursor: str) -> str:
    """The registry selector's keyset token inside ``cursor``."""
    token = _decode(cursor, "o1")
    if Position.parse(token) is None:
        raise CursorInvalid(cursor)
    return token


def change_cursor(position: int) -> str:
    return _encode(f"c1:{position}")


def change_position(cursor: str) -> int:
    rest = _decode(cursor, "c1")
    if not rest.isdigit() or len(rest) > 18:
        raise CursorInvalid(cursor)
    return int(rest)


def delivery_cursor(delivery_id: int | None) -> str | None:
    return _encode(f"d1:{delivery_id}") if delivery_id else None


def delivery_before(cursor: str) -> int:
    """The delivery id a webhook's delivery log continues before."""
    rest = _decode(cursor, "d1")
    if not rest.isdigit() or len(rest) > 18:
        raise CursorInvalid(cursor)
    return int(rest)
