"""The hash chain: what of an event is sealed, and how.

Pure functions over any object with the event's attributes, so that the model, the
verification and the migration that chained the events recorded before the chain existed
all seal exactly the same bytes.
"""

import hashlib
import json
from datetime import UTC
from typing import Any

# The fields sealed into each event's hash, in this order. A field added later must be
# added here too, or it could be changed without breaking the chain.
SEALED_FIELDS = (
    "created_at",
    "event",
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_authority",
    "object_type",
    "object_id",
    "filing_id",
    "ip_address",
    "outcome",
    "data",
)


def canonical(event: Any) -> str:
    """The event's sealed fields as canonical JSON (sorted keys, no spaces, UTF-8 text).

    The time is UTC with microseconds, as both databases store it. ``data`` should hold
    strings, integers, booleans, lists and objects: they read back exactly as written.
    """
    values: dict[str, Any] = {name: getattr(event, name) for name in SEALED_FIELDS}
    values["created_at"] = event.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: Any) -> str:
    """sha256 over the previous event's hash followed by this event's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()
