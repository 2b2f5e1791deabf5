"""Whether a read may go to the read replica (decision 0022): the mark a public page
sets, and the alias a read uses now.

Here, below every app, so that any app's reads (raw SQL included) can follow the rule;
the router and the middleware that apply it are in tradereg/core/dbrouter.py.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"
# The apps whose tables the replica serves: the registry's published copy only.
REPLICA_APPS = frozenset({"registry"})

_public: ContextVar[bool] = ContextVar("tradereg_public_reads", default=False)


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
    table, on a public page, with a replica configured, outside any transaction on
    default. For raw SQL, which no router sees: ``connections[read_alias(Model)]``.
    """
    if (
        model._meta.app_label in REPLICA_APPS
        and _public.get()
        and REPLICA in connections.settings
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS
