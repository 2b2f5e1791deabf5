"""Whether a read may go to the read replica (decision 0022): the mark a public page
sets, and the alias a read uses now.

Here, below every app, so that any app's reads (raw SQL included) can follow the rule;
the router and the middleware that apply it are in tradereg/core/dbrouter.py.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The apps whose tables the replica serves: the registry's published copy only.
REPLICA_APPS = frozenset({"registry"})

# After the replica refuses a connection, public reads use default for this long before
# the replica is tried again: a standby down costs the primary some reads, not the pages.
REPLICA_RETRY_SECONDS = 30

_public: ContextVar[bool] = ContextVar("tradereg_public_reads", default=False)
_replica_down_until = 0.0


@contextmanager
def public_reads() -> Iterator[None]:
    """Let registry reads in this block go to the replica (what a public page does)."""
    token = _public.set(True)
    try:
        yield
    finally:
        _public.reset(token)


def public_reads_active() -> bool:
    """Whether the code running now serves a public page."""
    return _public.get()


def public_reads_mark(active: bool) -> Token[bool]:
    """Set the mark for the rest of this context; ``public_reads_reset`` undoes it."""
    return _public.set(active)


def public_reads_reset(token: Token[bool]) -> None:
    _public.reset(token)


def read_alias(model: type[Model]) -> str:
    """The database alias a read of ``model`` uses now: the replica only for a registry
    table, on a public page, with a replica configured and reachable, outside any
    transaction on default. For raw SQL, which no router sees:
    ``connections[read_alias(Model)]``.
    """
    if (
        model._meta.app_label in REPLICA_APPS
        and _public.get()
        and REPLICA in connections.settings
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        and replica_reachable()
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


def replica_reachable() -> bool:
    """Whether the replica takes a connection; after a refusal, False for
    REPLICA_RETRY_SECONDS without trying (a refused connect costs the request a timeout).
    """
    global _replica_down_until  # noqa: PLW0603 - one mark per process, by design
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning("replica unreachable; public reads use the primary", exc_info=True)
        return False
    return True


def replica_retry_now() -> None:
    """Forget a refusal, so the next read tries the replica again (health probe, tests)."""
    global _replica_down_until  # noqa: PLW0603
    _replica_down_until = 0.0
