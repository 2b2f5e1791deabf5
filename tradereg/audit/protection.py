"""Append-only where the data lives: database triggers, the purge gate and the chain lock.

The triggers refuse UPDATE and DELETE on the audit tables whatever the client (the ORM, a
raw cursor, a database shell with the application's role). The only way past them is
the purge gate, opened inside one transaction by ``audit_purge`` (and by test flushes):

- PostgreSQL: ``SET LOCAL tradereg.audit_purge = 'on'``, which the trigger function reads
  and which ends with the transaction;
- SQLite: a row in the one-row table ``audit_purge_gate`` (not a Django model, so no
  flush or migration touches it), inserted and deleted again inside the transaction, so
  no other connection ever sees it open.

Only DELETE (and TRUNCATE on PostgreSQL) passes the gate; UPDATE never does.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

PROTECTED_TABLES = ("audit_auditevent", "audit_auditanchor")
GATE_TABLE = "audit_purge_gate"
GATE_SETTING = "tradereg.audit_purge"
# The key of the PostgreSQL advisory lock that serialises appends ("tradereg" in ASCII).
CHAIN_LOCK_KEY = 0x7472616465726567

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION tradereg_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE')
       AND coalesce(current_setting('{GATE_SETTING}', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def _pg_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION tradereg_audit_append_only();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION tradereg_audit_append_only();",
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on {table} "
        "refused'); END;",
        # Constant names only, never input.
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "  # noqa: S608
        f"WHEN NOT EXISTS (SELECT 1 FROM {GATE_TABLE}) "
        f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on {table} "
        "refused'); END;",
    ]


def install_sql(vendor: str) -> list[str]:
    """The statements that make the audit tables append-only on this database."""
    if vendor == "postgresql":
        return [PG_FUNCTION, *(sql for table in PROTECTED_TABLES for sql in _pg_install(table))]
    if vendor == "sqlite":
        return [
            f"CREATE TABLE IF NOT EXISTS {GATE_TABLE} (opened integer NOT NULL);",
            *(sql for table in PROTECTED_TABLES for sql in _sqlite_install(table)),
        ]
    raise ImproperlyConfigured(
        f"the audit trail is append-only on PostgreSQL and SQLite only, not on {vendor}"
    )


def uninstall_sql(vendor: str) -> list[str]:
    """The reverse of ``install_sql`` (for migrating backwards only)."""
    if vendor == "postgresql":
        return [
            *(
                f"DROP TRIGGER IF EXISTS {table}_{name} ON {table};"
                for table in PROTECTED_TABLES
                for name in ("append_only", "no_truncate")
            ),
            "DROP FUNCTION IF EXISTS tradereg_audit_append_only();",
        ]
    if vendor == "sqlite":
        return [
            *(
                f"DROP TRIGGER IF EXISTS {table}_{name};"
                for table in PROTECTED_TABLES
                for name in ("no_update", "no_delete")
            ),
            f"DROP TABLE IF EXISTS {GATE_TABLE};",
        ]
    return []


def expected_triggers(vendor: str) -> set[str]:
    if vendor == "postgresql":
        return {f"{t}_{n}" for t in PROTECTED_TABLES for n in ("append_only", "no_truncate")}
    return {f"{t}_{n}" for t in PROTECTED_TABLES for n in ("no_update", "no_delete")}


def installed_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """The append-only triggers present in the database (a table rebuilt by a later
    SQLite migration loses its triggers; ``audit_verify`` and a test notice).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "(SELECT oid FROM pg_class WHERE relname = ANY(%s))",
                [list(PROTECTED_TABLES)],
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()} & expected_triggers(connection.vendor)


def gate_open_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return f"SET LOCAL {GATE_SETTING} = 'on'"
    return f"INSERT INTO {GATE_TABLE} (opened) VALUES (1)"  # noqa: S608 - a constant name


def gate_close_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return f"SET LOCAL {GATE_SETTING} = 'off'"
    return f"DELETE FROM {GATE_TABLE}"  # noqa: S608 - a constant name


@contextmanager
def purge_gate(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let DELETE through the triggers for the block; must run inside a transaction, so
    that an error anywhere closes the gate by rolling it back.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("the purge gate opens only inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(gate_open_sql(connection.vendor))
        yield
        cursor.execute(gate_close_sql(connection.vendor))


def chain_lock(connection: BaseDatabaseWrapper) -> None:
    """Serialise appends to the chain until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock taken before the last hash is read.
    SQLite: nothing to do, the IMMEDIATE transaction (settings) already holds the only
    write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
