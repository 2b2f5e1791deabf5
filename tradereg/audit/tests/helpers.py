"""Test-only ways around the triggers, to play the attacker who edits the table."""

from contextlib import contextmanager

from django.db import connection

from tradereg.audit import protection

TABLE = "audit_auditevent"


@contextmanager
def triggers_off():
    """Inside the test's transaction: both databases roll the DDL back with it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            for name in ("no_update", "no_delete"):
                cursor.execute(f"DROP TRIGGER {TABLE}_{name}")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            for sql in protection.install_sql("sqlite"):
                if TABLE in sql:
                    cursor.execute(sql)


def raw_update(event_id: int, **columns: object) -> None:
    """UPDATE a stored event with the triggers out of the way."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with triggers_off() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE id = %s",  # noqa: S608 - test names
            [*columns.values(), event_id],
        )
