"""Public registry reads from a PostgreSQL streaming replica (decision 0022).

Installed only when DATABASE_REPLICA_URL is set (tradereg/settings.py). A read goes to
the replica only when all three hold: it reads the registry's published copy (the
``registry`` app: published operators, their name-search postings, published forms),
it happens while a public page of ``PUBLIC_VIEWS`` is served (or inside
``public_reads()``), and the default connection is not inside a transaction. Everything
else — every write, every read in a transaction, every staff or enterprise page, the
import's checks — stays on default, so nobody reads their own change from a replica that
has not replayed it yet. The public tolerates the lag: an operator approved a moment ago
appears once the replica has replayed the approval. The rule itself is
tradereg.common.replica, where any app can reach it; this module applies it.
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

from tradereg.common.replica import (
    REPLICA,
    public_reads,
    public_reads_active,
    public_reads_mark,
    public_reads_reset,
    read_alias,
)

__all__ = [
    "PUBLIC_VIEWS",
    "REPLICA",
    "PublicReadsMiddleware",
    "ReplicaRouter",
    "public_reads",
    "public_reads_active",
    "read_alias",
]

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
        token = public_reads_mark(False)
        try:
            return self.get_response(request)
        finally:
            public_reads_reset(token)

    def process_view(self, request: Any, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        if match is not None and match.view_name in PUBLIC_VIEWS:
            public_reads_mark(True)
