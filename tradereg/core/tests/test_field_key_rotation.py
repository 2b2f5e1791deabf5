"""rotate_field_key: every sealed value moves to the new key; nothing becomes unreadable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from tradereg.common import crypto
from tradereg.filings.models import FilingRevision, Status
from tradereg.filings.tests.factories import make_filing
from tradereg.office.selectors import QueueFilters, filing_queue

pytestmark = pytest.mark.usefixtures("reference_data")


def stored_kids() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM filings_filingrevision")
        return {value.split("$")[1] for (value,) in cursor.fetchall()}


@pytest.fixture
def key_file(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.FIELD_ENCRYPTION_KEY_FILE = tmp_path / "field_encryption_key"
    return settings.FIELD_ENCRYPTION_KEY_FILE


def test_embedded_rotation_generates_a_key_reencrypts_and_retires_the_old(key_file):
    filings = [make_filing(status=Status.REPORTED) for _ in range(3)]
    numbers = {f.pk: f.current_revision.id_number for f in filings}
    old_kid = crypto.keyring().current.kid
    assert stored_kids() == {old_kid}

    out = StringIO()
    call_command("rotate_field_key", stdout=out)

    new_ring = crypto.keyring()
    assert new_ring.current.kid != old_kid
    assert [key.kid for key in new_ring.keys] == [new_ring.current.kid]  # old key retired
    assert stored_kids() == {new_ring.current.kid}
    for filing in filings:
        revision = FilingRevision.objects.get(pk=filing.current_revision_id)
        assert revision.id_number == numbers[filing.pk]
    assert "3 value(s) re-encrypted" in out.getvalue()


def test_the_blind_index_follows_the_key(key_file, django_user_model):
    filing = make_filing(status=Status.REPORTED)
    number = filing.current_revision.id_number
    call_command("rotate_field_key", stdout=StringIO())
    admin = django_user_model.objects.create(username="all", role="system_admin")
    found = filing_queue(user=admin, filters=QueueFilters(status="", query=number))
    assert list(found) == [filing]


def test_production_rotation_reads_the_old_key_until_every_row_moved(settings):
    old, new = crypto.key_generate(), crypto.key_generate()
    settings.FIELD_ENCRYPTION_KEY = old
    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    filing = make_filing(status=Status.REPORTED)
    number = filing.current_revision.id_number

    # The operator deploys the new key with the old one still readable …
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = new, [old]
    assert FilingRevision.objects.get(pk=filing.current_revision_id).id_number == number
    out = StringIO()
    call_command("rotate_field_key", stdout=out)
    assert "remove FIELD_ENCRYPTION_OLD_KEYS" in out.getvalue()

    # … and, once done, drops the old key: every row still opens.
    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    assert stored_kids() == {crypto.keyring().current.kid}
    assert FilingRevision.objects.get(pk=filing.current_revision_id).id_number == number


def test_rows_under_any_older_key_are_moved_and_keep_old_keeps_them_readable(key_file):
    """As a web process that had not yet seen a new key file would have saved them."""
    filing = make_filing(status=Status.REPORTED)
    old_ring = crypto.keyring()
    crypto.key_file_write([crypto.key_generate(), *key_file.read_text().split()])
    stale = old_ring.seal(filing.current_revision.id_number, "filings.FilingRevision.id_number")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE filings_filingrevision SET id_number = %s", [stale])
    call_command("rotate_field_key", "--keep-old", stdout=StringIO())
    assert stored_kids() == {crypto.keyring().current.kid}
    assert len(crypto.keyring().keys) == 3  # --keep-old: the earlier keys stay readable
