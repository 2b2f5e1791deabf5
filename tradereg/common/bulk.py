"""Writing many rows at once, for imports: COPY on PostgreSQL, one executemany elsewhere.

The ORM's ``bulk_create`` builds one parameterised INSERT per batch; COPY streams the rows
and runs about 2.5 times as fast into tables with many indexes (DESIGN.md). Rows carry
their primary keys, reserved beforehand with ``ids_reserve``, so rows of several tables can
refer to each other before any of them is written (foreign keys are checked at commit).
Values go through each field's own ``pre_save`` and ``get_db_prep_save``, exactly as a
``save()`` would store them: sealed fields are sealed, blind indexes computed, ``auto_now``
filled in.
"""

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys no other writer will use for ``model``.

    PostgreSQL draws them from the table's own sequence. SQLite has none: the caller holds
    the write lock (an immediate transaction), so the next ids after the highest one ever
    given (``sqlite_sequence``, which AUTOINCREMENT keeps) stay free until it commits.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("ids_reserve on SQLite needs the caller's transaction")
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")  # noqa: S608 - names from the model
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


# Fields whose stored value is the attribute itself on every backend: no conversion is
# asked of them, which makes a row several times cheaper to build.
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)


def _is_plain(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _is_plain(field.target_field)
    own_save = type(field).pre_save is not models.Field.pre_save
    own_prep = any(
        klass.__module__.split(".")[0] != "django"
        for klass in type(field).__mro__
        if "get_prep_value" in vars(klass) or "get_db_prep_value" in vars(klass)
    )
    return type(field) in _PLAIN or (isinstance(field, _PLAIN) and not own_save and not own_prep)


def _converter(field: models.Field, conn: Any) -> Callable[[models.Model], Any]:
    """How ``save()`` turns the attribute into the stored value, done once per field."""
    if _is_plain(field) and type(field).pre_save is models.Field.pre_save:
        return operator.attrgetter(field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), conn)  # type: ignore[arg-type]


def db_values(obj: models.Model, fields: Sequence[models.Field]) -> tuple[Any, ...]:
    """The values ``save()`` would store for a new ``obj``, in the order of ``fields``."""
    conn = connections[DEFAULT_DB_ALIAS]
    return tuple(_converter(field, conn)(obj) for field in fields)


def rows_write(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (database values in the order of ``columns``) into ``model``'s table;
    returns how many. Runs in the caller's transaction."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw cursor's COPY, with the database's errors as Django's (IntegrityError).
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        batch = list(rows)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608 - names from the model
        return len(batch)


def instances_write(model: type[models.Model], objs: Sequence[models.Model]) -> int:
    """Insert new model instances whose primary keys are set (see ``ids_reserve``)."""
    if any(obj.pk is None for obj in objs):
        raise ValueError("every instance needs its primary key before a bulk write")
    fields = list(model._meta.concrete_fields)
    conn = connections[DEFAULT_DB_ALIAS]
    converters = [_converter(field, conn) for field in fields]
    return rows_write(
        model,
        [field.column for field in fields],
        (tuple(convert(obj) for convert in converters) for obj in objs),
    )


# pre_save that only stamps auto_now / auto_now_add, which dicts_write does itself.
_STAMPING_PRE_SAVE = (
    models.Field.pre_save,
    models.DateField.pre_save,
    models.DateTimeField.pre_save,
)


def dicts_write(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows given as ``{attname: value}`` (the primary key included), without a
    model instance per row: defaults and ``auto_now`` are filled in and values converted
    as ``save()`` would. Only for models whose fields need nothing else of ``pre_save``
    (no blind index, no file): a field that does makes this refuse."""
    conn = connections[DEFAULT_DB_ALIAS]
    now = timezone.now()
    plan = []
    for field in model._meta.concrete_fields:
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        if type(field).pre_save not in _STAMPING_PRE_SAVE:
            raise TypeError(f"{model._meta.label}.{field.name} needs its own pre_save")
        stamp = (now if isinstance(field, models.DateTimeField) else now.date()) if auto else None
        plan.append((field.attname, stamp, field, _is_plain(field)))

    def converted(values: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for attname, stamp, field, plain in plan:
            if stamp is not None:
                value = stamp
            elif attname in values:
                value = values[attname]
            else:
                value = field.get_default()
            out.append(value if plain else field.get_db_prep_save(value, conn))
        return tuple(out)

    return rows_write(
        model,
        [field.column for _attname, _stamp, field, _plain in plan],
        (converted(values) for values in rows),
    )


class AnyOf(models.Lookup):
    """``field__any_of=[…]``: one array parameter (``= ANY(%s)``) on PostgreSQL instead of
    an ``IN`` list of a thousand; Django building and psycopg splitting such a query cost
    more than the database answering it. Elsewhere the plain ``IN`` list."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def any_of_register(*fields: models.Field) -> None:
    """Make ``__any_of`` available on these fields only (not on every CharField)."""
    for field in fields:
        field.register_lookup(AnyOf)
