"""Re-encrypting sealed fields under a new key while the system keeps running.

Each row is rewritten on its own, compare-and-swap on the stored ciphertext: a row saved
by a web process in the meantime is left alone and taken again on the next pass. The key
being retired keeps opening rows until a pass finds none sealed by it; only then is it
dropped from the key file (embedded mode) or may it be removed from the environment.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from tradereg.common.crypto import key_file_path, key_file_write, key_generate, keyring
from tradereg.common.fields import BlindIndexField, EncryptedCharField

BATCH = 500


@dataclass
class RotationReport:
    rewritten: int = 0
    passes: int = 0
    retired: list[str] = field(default_factory=list)
    by_field: dict[str, int] = field(default_factory=dict)


def sealed_fields() -> Iterator[tuple[type[models.Model], EncryptedCharField, list[str]]]:
    """Every encrypted column, with the blind-index columns computed from it."""
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedCharField):
                indexes = [
                    other.column
                    for other in model._meta.concrete_fields
                    if isinstance(other, BlindIndexField) and other.source == model_field.name
                ]
                yield model, model_field, indexes


def _rewrite_field(
    model: type[models.Model], sealed: EncryptedCharField, indexes: list[str]
) -> tuple[int, int]:
    """One pass over a column: (rows found under another key, rows rewritten)."""
    ring = keyring()
    quote = connection.ops.quote_name
    table, pk, column = (
        quote(model._meta.db_table),
        quote(model._meta.pk.column),
        quote(sealed.column),
    )
    assignments = ", ".join([f"{column} = %s", *(f"{quote(name)} = %s" for name in indexes)])
    found, rewritten, after = 0, 0, None
    while True:
        with connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if after is not None else ""
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT {BATCH}",  # noqa: S608 - names quoted from the model
                [after] if after is not None else [],
            )
            rows = cursor.fetchall()
        if not rows:
            return found, rewritten
        with transaction.atomic(), connection.cursor() as cursor:
            for row_pk, stored in rows:
                if not stored or ring.kid_of(stored) == ring.current.kid:
                    continue
                found += 1
                plain = ring.open(stored, sealed.context)
                values = [
                    ring.seal(plain, sealed.context),
                    *(ring.index(plain) for _ in indexes),
                ]
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {pk} = %s AND {column} = %s",  # noqa: S608 - names quoted from the model
                    [*values, row_pk, stored],
                )
                rewritten += cursor.rowcount
        after = rows[-1][0]


def field_key_rotate(
    *, new_key: bool, retire: bool = True, progress: Callable[[str], None] = lambda _: None
) -> RotationReport:
    """Seal every encrypted value with the current key, then retire the others.

    ``new_key`` (embedded mode only) first puts a freshly generated key in front of the
    key file. In production the operator sets the new ``FIELD_ENCRYPTION_KEY`` and lists
    the old one in ``FIELD_ENCRYPTION_OLD_KEYS`` before running this.
    """
    from_file = not settings.FIELD_ENCRYPTION_KEY
    if new_key:
        if not from_file:
            raise ValueError(
                "FIELD_ENCRYPTION_KEY is set: put the new key there and the old one in "
                "FIELD_ENCRYPTION_OLD_KEYS; this re-encrypts under it."
            )
        keyring()  # the key file exists before a key is put in front of it
        key_file_write([key_generate(), *key_file_path().read_text().split()])
    report = RotationReport()
    while True:
        report.passes += 1
        pending = 0
        for model, sealed, indexes in sealed_fields():
            found, count = _rewrite_field(model, sealed, indexes)
            report.by_field[sealed.context] = report.by_field.get(sealed.context, 0) + count
            report.rewritten += count
            pending += found
            progress(f"{sealed.context}: {count} re-encrypted (pass {report.passes})")
        # A row saved meanwhile under an old key is found again; stop on a clean pass.
        if pending == 0:
            break
    ring = keyring()
    report.retired = [key.kid for key in ring.keys[1:]]
    if retire and from_file and report.retired:
        key_file_write(key_file_path().read_text().split()[:1])
        progress(f"retired key(s) {', '.join(report.retired)} from {key_file_path()}")
    return report
