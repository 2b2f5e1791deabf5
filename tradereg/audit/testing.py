"""Test support: a test database is emptied between transactional tests by Django's
flush (DELETE on SQLite, TRUNCATE on PostgreSQL), which the append-only triggers refuse.

``flushes_through_gate`` opens the purge gate around the flush's own statements, in the
flush's own transaction, and nowhere else: outside a flush the triggers still refuse.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.operations import BaseDatabaseOperations

from tradereg.audit import protection


@contextmanager
def flushes_through_gate() -> Iterator[None]:
    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        if any(table in sql for sql in sql_list for table in protection.PROTECTED_TABLES):
            vendor = self.connection.vendor
            sql_list = [
                protection.gate_open_sql(vendor),
                *sql_list,
                protection.gate_close_sql(vendor),
            ]
        original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]
