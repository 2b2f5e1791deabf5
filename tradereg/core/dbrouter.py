"""Public registry reads from a PostgreSQL streaming replica (decision 0022).

Installed only when DATABASE_REPLICA_URL is set (tradereg/settings.py). A read goes to
the replica only when all three hold: it reads the registry's published copy (the
``registry`` app: published operators, their name-search postings, published forms),
it happens while a public page of ``PUBLIC_VIEWS`` is served (or inside
``public_reads()``), and the default connection is not inside a transaction. Everything
else — every write, every read in a transaction, every staff or enterprise page, the
import's checks — stays on default, so nobody reads their own change from a replica that
has not replayed it yet. The public tolerates the lag: an operator approved a moment ago
appears once the replica has replayed the approval.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"
REPLICA_APPS = frozenset({"registry"})
# The public pages that read only the published copy: 经营者信息查询, 打印登记表 by number
# and code, and 核验 of a printed form. A view not listed reads default.
PUBLIC_VIEWS = frozenset(
    {
        "registry:operators",
        "registry:operator",
        "printing:print",
        "printing:print_result",
        "printing:print_pdf_front",
        "printing:print_pdf_back",
        "printing:verify",
        "printing:verify_code",
    }
)

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
    """Whether the code running now serves a public page (see ``PUBLIC_VIEWS``)."""
    return _public.get()


def read_alias(model: type[Model]) -> str:
    """The database alias a read of ``model`` uses now: for raw SQL over registry tables,
    which no router sees (``connections[read_alias(PublishedOperator)].cursor()``).
    """
    if (
        model._meta.app_label in REPLICA_APPS
        and _public.get()
        and REPLICA in connections.settings
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads as ``read_alias`` decides; writes and migrations on default only."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias(model)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Also for an object read from the replica: it is saved to default.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Both aliases hold the same data: a replica row may relate to a default one.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica replays the primary's schema; it cannot be written anyway.
        return db == DEFAULT_DB_ALIAS


class PublicReadsMiddleware:
    """Marks the request as a public registry read when its view is in ``PUBLIC_VIEWS``;
    the mark ends with the response. First in MIDDLEWARE when the replica is configured.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _public.set(False)
        try:
            return self.get_response(request)
        finally:
            _public.reset(token)

    def process_view(self, request: Any, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None and match.view_name in PUBLIC_VIEWS:
            _public.set(True)
