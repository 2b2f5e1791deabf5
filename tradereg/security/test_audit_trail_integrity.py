"""The audit trail on both databases: the actor snapshot, append-only in Python and in
the database (triggers), the hash chain and its verification.
"""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from tradereg.accounts.models import User
from tradereg.audit import protection
from tradereg.audit.models import AppendOnlyError, AuditEvent, chain_head
from tradereg.audit.selectors import chain_verify
from tradereg.audit.services import audit_record
from tradereg.audit.tests.helpers import TABLE, raw_update
from tradereg.authorities.models import Authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(reference_data):
    return User.objects.create_user(
        username="wang.officer",
        password="x-Demo@2026a",
        role="officer",
        authority=Authority.objects.get(code="110000"),
    )


def test_the_actor_is_kept_on_the_event_when_the_user_is_renamed_or_deleted(officer):
    event = audit_record(event="filing_viewed", actor=officer, filing_id=7)
    officer.username = "renamed"
    officer.save()
    officer.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_name == "wang.officer"
    assert event.actor_role == "officer"
    assert event.actor_authority == "北京市商务局（110000）"
    assert (event.object_type, event.object_id, event.filing_id) == ("filing", "7", 7)
    assert chain_verify().ok


def test_anonymous_actor_and_a_generic_object():
    event = audit_record(event="access_refused", object_type="attachment", object_id=12)
    assert (event.actor_id, event.actor_name, event.actor_role) == (None, "", "")
    assert (event.object_type, event.object_id, event.filing_id) == ("attachment", "12", None)


@pytest.mark.parametrize(
    ("event", "given", "stored"),
    [
        ("user_logged_in", None, "ok"),
        ("user_login_failed", None, "failed"),
        ("form_print_refused", None, "refused"),
        ("filing_viewed", "refused", "refused"),
    ],
)
def test_the_outcome_follows_the_event_name_unless_given(event, given, stored):
    assert audit_record(event=event, outcome=given).outcome == stored


def test_python_refuses_changing_or_deleting_an_event():
    event = audit_record(event="user_logged_in")
    event.event = "something_else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(event="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(event="x")])
    assert AuditEvent.objects.get(pk=event.pk).event == "user_logged_in"


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET event = 'forged' WHERE id = %s",  # noqa: S608 - test constant
        f"UPDATE {TABLE} SET actor_name = 'someone' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE id = %s",  # noqa: S608
    ],
)
def test_the_database_refuses_update_and_delete(sql):
    event = audit_record(event="user_logged_in")
    assert_refused(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).event == "user_logged_in"


def test_the_database_refuses_emptying_the_table():
    audit_record(event="user_logged_in")
    statement = f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}"
    assert_refused(statement)
    assert AuditEvent.objects.count() == 1


def test_the_purge_gate_lets_delete_through_but_never_update():
    event = audit_record(event="user_logged_in")
    assert_refused(f"UPDATE {TABLE} SET event = 'forged' WHERE id = %s", [event.pk], gate=True)  # noqa: S608
    with transaction.atomic(), protection.purge_gate(connection), connection.cursor() as c:
        c.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
    assert not AuditEvent.objects.exists()
    # Closed again: the next delete is refused.
    other = audit_record(event="user_logged_in")
    assert_refused(f"DELETE FROM {TABLE} WHERE id = %s", [other.pk])  # noqa: S608


@pytest.mark.django_db(transaction=True)
def test_the_gate_opens_only_inside_a_transaction():
    with pytest.raises(RuntimeError), protection.purge_gate(connection):
        pass  # pragma: no cover


def test_every_trigger_is_installed():
    """A later SQLite migration rebuilding the table would drop them: this notices."""
    assert protection.installed_triggers(connection) == protection.expected_triggers(
        connection.vendor
    )


def assert_refused(sql: str, params=(), *, gate: bool = False) -> None:
    """The statement fails with the trigger's message, in a savepoint of its own."""
    with transaction.atomic(), connection.cursor() as cursor:
        if gate:
            cursor.execute(protection.gate_open_sql(connection.vendor))
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(sql, params)


def chain_of(count: int) -> list[AuditEvent]:
    return [audit_record(event="user_logged_in", step=i) for i in range(count)]


def test_the_chain_links_each_event_to_the_one_before():
    head = chain_head()
    events = chain_of(3)
    assert events[0].prev_hash == head
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    report = chain_verify()
    assert (report.ok, report.count, report.head) == (True, 3, events[-1].hash)


def test_an_edited_row_is_the_first_broken_link():
    events = chain_of(4)
    raw_update(events[2].pk, actor_name="someone else")
    report = chain_verify()
    assert not report.ok
    assert report.broken_id == events[2].pk
    assert report.count == 2
    assert "哈希" in report.problem


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link():
    events = chain_of(3)
    raw_update(events[1].pk, hash="0" * 64)
    assert chain_verify().broken_id in (events[1].pk, events[2].pk)


def test_a_deleted_row_breaks_the_link_after_it():
    events = chain_of(3)
    with transaction.atomic(), protection.purge_gate(connection), connection.cursor() as c:
        c.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])  # noqa: S608
    report = chain_verify()
    assert (report.ok, report.broken_id) == (False, events[2].pk)


def test_what_is_stored_reads_back_to_the_same_seal():
    """Addresses and data are normalised before sealing, as each database returns them."""
    for address in ("2001:0DB8:0000::0001", "::ffff:10.0.0.1", "10.1.2.3"):
        request = RequestFactory().get("/", REMOTE_ADDR=address)
        audit_record(
            event="user_logged_in",
            request=request,
            name="深圳市某某贸易有限公司",
            nested={"b": [1, 2, {"c": None}], "a": True},
            number=10**12,
        )
    report = chain_verify()
    assert (report.ok, report.count) == (True, 3)


def test_audit_verify_prints_ok_with_the_count():
    chain_of(2)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK：2 条")


def test_audit_verify_names_the_first_broken_link_and_fails():
    events = chain_of(3)
    raw_update(events[1].pk, event="forged")
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    assert exit_info.value.code != 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain():
    """Writers in threads, one connection each, lined up to append at the same moment."""
    writers, rounds = 4, 5
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for step in range(rounds):
                with transaction.atomic():
                    audit_record(event="user_logged_in", writer=index, step=step)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    report = chain_verify()
    assert (report.ok, report.count) == (True, writers * rounds)
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(hashes)) == len(hashes), "two events chained to the same one: a fork"


@pytest.mark.django_db(transaction=True)
def test_a_test_flush_empties_the_audit_tables():
    """Transactional tests end with Django's flush; conftest lets it through the gate."""
    audit_record(event="user_logged_in")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    audit_record(event="user_logged_in")
    assert_refused(f"DELETE FROM {TABLE}")  # noqa: S608
