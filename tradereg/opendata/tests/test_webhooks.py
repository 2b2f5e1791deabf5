"""Watches and webhooks: a change or cancellation of a watched operator is POSTed, signed,
to a real HTTP receiver on loopback by the task worker, retried until accepted."""

import itertools
import json
import re
import textwrap
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tradereg.accounts.tests.otp import login_verified
from tradereg.audit.models import AuditEvent
from tradereg.conftest import free_port
from tradereg.filings import services as filing_services
from tradereg.filings.publication import filing_publish
from tradereg.filings.tests.factories import (
    attach_signed_form,
    filing_data,
    make_officer,
    same_operator,
)
from tradereg.opendata import tasks as webhook_tasks
from tradereg.opendata.models import WatchedOperator, WebhookDelivery, WebhookSubscription

from .helpers import approved, change_approved, key_for, system_admin

pytestmark = pytest.mark.usefixtures("reference_data")

API_MD = Path(__file__).resolve().parents[3] / "docs" / "api.md"


class Receiver:
    """A webhook receiver on a free loopback port: records every request and answers
    with the next of ``answers`` (200 once they run out)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tradereg"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    running = Receiver()
    yield running
    running.close()


_admins = itertools.count()


def watch_key() -> str:
    return key_for(("watch",), admin=system_admin(f"ministry-watch{next(_admins)}"))


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post_json(client, path, data, key):
    return client.post(path, json.dumps(data), content_type="application/json", **auth(key))


def watch(client, key, url, *codes):
    response = post_json(client, "/api/v1/watches", {"url": url, "operators": list(codes)}, key)
    assert response.status_code == 201, response.content
    return response.json()


def docs_verify():
    """The ``verify`` function exactly as docs/api.md shows it."""
    section = API_MD.read_text().split("## Watches and webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(textwrap.dedent(code), str(API_MD), "exec"), namespace)  # noqa: S102
    return namespace["verify"]


def change_phone(filing, *, officer, phone="010-88886666"):
    filing = filing_services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(
            **same_operator(filing),
            name_cn=filing.approved_revision.name_cn,
            name_en=filing.approved_revision.name_en,
            phone=phone,
        ),
    )
    attach_signed_form(filing)
    filing = filing_services.filing_report(filing=filing, acting_user=filing.owner)
    return filing_services.filing_approve(filing=filing, acting_user=officer)


def test_a_watched_change_is_posted_once_signed_naming_the_changed_fields(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    created = watch(client, key, receiver.url, filing.ie_code)
    id_number = filing.approved_revision.id_number
    old_phone = filing.approved_revision.phone

    change_phone(filing, officer=officer)
    tasks()

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert docs_verify()(created["secret"], headers, body)
    assert not docs_verify()("whsec_wrong", headers, body)
    assert not docs_verify()(created["secret"], headers, body + b" ")
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Tradereg-Event"] == "operator.changed"
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Tradereg-Delivery"] == str(delivery.delivery_id)
    event = json.loads(body)
    assert event["type"] == "operator.changed"
    assert event["ie_code"] == filing.ie_code
    assert event["id"] == str(delivery.event_id)
    assert event["changes"] == [
        {"field": "phone", "label": "联系电话", "old": old_phone, "new": "010-88886666"}
    ]
    assert id_number not in body.decode()
    assert id_number[-4:] not in body.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_a_failing_receiver_is_retried_and_the_log_shows_it(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    created = watch(client, key, receiver.url, filing.ie_code)
    receiver.answers = [500]

    change_approved(filing, officer=officer)
    tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    log = client.get(f"/api/v1/watches/{created['id']}/deliveries", **auth(key)).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log["deliveries"]] == [
        ("pending", 1, 500)
    ]
    retry_at = delivery.next_attempt_at
    assert retry_at >= delivery.last_attempt_at + timedelta(seconds=59)

    tasks()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1
    with time_machine.travel(retry_at + timedelta(seconds=1)):
        tasks()
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["body"] == second["body"]
    assert first["headers"]["X-Tradereg-Delivery"] == second["headers"]["X-Tradereg-Delivery"]
    assert docs_verify()(created["secret"], second["headers"], second["body"])
    log = client.get(f"/api/v1/watches/{created['id']}/deliveries", **auth(key))
    assert log.status_code == 200
    assert "RateLimit-Remaining" in log
    [entry] = log.json()["deliveries"]
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("delivered", 2, 200)
    assert entry["delivered_at"] is not None
    tasks()
    assert len(receiver.requests) == 2  # delivered once: nothing further


def test_a_receiver_that_is_down_gets_the_event_once_it_is_back(client, settings, tasks):
    """Nothing listens on the receiver's port at first (connection refused); the retry
    after it starts there delivers the same signed event, once."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    port = free_port()
    created = watch(client, key, f"http://127.0.0.1:{port}/hooks/tradereg", filing.ie_code)

    change_phone(filing, officer=officer)
    tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error

    back = Receiver(port=port)
    try:
        with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
            tasks()
            tasks()
    finally:
        back.close()
    [request] = back.requests
    assert docs_verify()(created["secret"], request["headers"], request["body"])
    assert json.loads(request["body"])["type"] == "operator.changed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)


def test_a_delivery_is_given_up_a_day_after_the_event(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    watch(client, key, receiver.url, filing.ie_code)
    receiver.answers = [503] * 5
    change_approved(filing, officer=officer)
    tasks()
    delivery = WebhookDelivery.objects.get()
    day = delivery.give_up_at - delivery.created_at
    assert timedelta(hours=23, minutes=59) < day <= timedelta(hours=24)
    with time_machine.travel(delivery.give_up_at + timedelta(seconds=1)):
        tasks()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.ABANDONED
    assert delivery.attempts == 2
    assert delivery.last_status_code == 503
    assert not DBTaskResult.objects.filter(status="READY", task_path__endswith="webhook_deliver")


def test_backoff_doubles_to_an_hour():
    delays = [webhook_tasks.retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=1)


def test_a_key_sees_only_its_own_watches(client, receiver):
    filing = approved()
    mine, theirs = watch_key(), watch_key()
    created = watch(client, mine, receiver.url, filing.ie_code)
    base = f"/api/v1/watches/{created['id']}"
    assert client.get("/api/v1/watches", **auth(theirs)).json() == []
    for response in (
        client.get(base, **auth(theirs)),
        client.get(f"{base}/deliveries", **auth(theirs)),
        client.delete(base, **auth(theirs)),
        post_json(client, f"{base}/operators", {"operators": [filing.ie_code]}, theirs),
        client.delete(f"{base}/operators/{filing.ie_code}", **auth(theirs)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "watch_not_found"
    assert WebhookSubscription.objects.get().active
    assert WatchedOperator.objects.count() == 1
    shown = client.get(base, **auth(mine)).json()
    assert shown["operators"] == [{"ie_code": filing.ie_code, "typed": filing.ie_code}]
    assert "secret" not in shown


def test_watches_need_a_key_with_the_watch_scope(client, receiver):
    filing = approved()
    body = {"url": receiver.url, "operators": [filing.ie_code]}
    anonymous = client.post("/api/v1/watches", json.dumps(body), content_type="application/json")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "api_key_required")
    assert "RateLimit-Limit" in anonymous
    reader = post_json(client, "/api/v1/watches", body, key_for(("read", "bulk")))
    assert (reader.status_code, reader.json()["code"]) == (403, "scope_missing")
    assert not WebhookSubscription.objects.exists()


def test_a_cancellation_is_posted(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    watch(client, key, receiver.url, filing.ie_code)
    filing_services.filing_cancel(filing=filing, acting_user=officer, reason="企业申请注销")
    tasks()
    [request] = receiver.requests
    assert request["headers"]["X-Tradereg-Event"] == "operator.cancelled"
    event = json.loads(request["body"])
    assert event["type"] == "operator.cancelled"
    assert event["changes"] == [
        {"field": "status", "label": "状态", "old": "approved", "new": "cancelled"}
    ]


def test_a_uscc_watch_resolves_to_the_operator(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    uscc = filing.approved_revision.uscc
    key = watch_key()
    created = watch(client, key, receiver.url, f" {uscc.lower()} ")
    assert created["operators"] == [{"ie_code": filing.ie_code, "typed": uscc}]
    change_approved(filing, officer=officer)
    tasks()
    [request] = receiver.requests
    assert json.loads(request["body"])["uscc"] == uscc
    # Removing it by the code it was added by.
    removed = client.delete(f"/api/v1/watches/{created['id']}/operators/{uscc}", **auth(key))
    assert removed.status_code == 204
    assert not WatchedOperator.objects.exists()


def test_an_unwatched_change_sends_nothing(client, receiver, tasks):
    officer = make_officer(code="110000")
    watched, other = approved(officer=officer), approved(officer=officer)
    watch(client, watch_key(), receiver.url, watched.ie_code)
    change_approved(other, officer=officer)
    tasks()
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_publishing_the_same_state_again_sends_nothing_more(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    watch(client, watch_key(), receiver.url, filing.ie_code)
    filing = change_approved(filing, officer=officer)
    with transaction.atomic():
        filing_publish(filing=filing)
    tasks()
    assert len(receiver.requests) == 1
    # A watch that begins after the change does not get it when the same state is
    # published again.
    watch(client, watch_key(), receiver.url, filing.ie_code)
    with transaction.atomic():
        filing_publish(filing=filing)
    assert WebhookDelivery.objects.count() == 1


def test_the_officers_request_enqueues_and_the_worker_sends(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    watch(client, watch_key(), receiver.url, filing.ie_code)
    tasks()
    filing = filing_services.filing_save(
        filing=filing,
        acting_user=filing.owner,
        authority=filing.authority,
        data=filing_data(**same_operator(filing), phone="010-88886666"),
    )
    attach_signed_form(filing)
    filing = filing_services.filing_report(filing=filing, acting_user=filing.owner)
    office = type(client)()
    login_verified(office, officer)
    response = office.post(
        reverse("office:approve", args=[filing.pk]), {"revision": filing.current_revision.number}
    )
    assert response.status_code == 302
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 0
    assert DBTaskResult.objects.filter(
        status="READY", task_path="tradereg.opendata.tasks.webhook_deliver"
    ).exists()
    tasks()
    assert len(receiver.requests) == 1


def test_urls_that_could_reach_inside_are_refused(client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    filing = approved()
    key = watch_key()
    for url, code in [
        ("ftp://example.com/hook", "url_invalid"),
        ("javascript:alert(1)", "url_invalid"),
        ("https://user:pw@example.com/hook", "url_invalid"),
        ("http://example.com/hook", "url_insecure"),
        ("https://127.0.0.1/hook", "url_not_public"),
        ("https://localhost:8443/hook", "url_not_public"),
        ("https://10.1.2.3/hook", "url_not_public"),
        ("https://192.168.0.1/hook", "url_not_public"),
        ("https://169.254.169.254/latest/meta-data", "url_not_public"),
        ("https://[::1]/hook", "url_not_public"),
        ("https://[::ffff:127.0.0.1]/hook", "url_not_public"),
    ]:
        response = post_json(
            client, "/api/v1/watches", {"url": url, "operators": [filing.ie_code]}, key
        )
        assert (response.status_code, response.json()["code"]) == (422, code), url
        assert response.json()["message_zh"]
    assert not WebhookSubscription.objects.exists()
    created = post_json(
        client,
        "/api/v1/watches",
        {"url": "https://hooks.example.com/tradereg", "operators": [filing.ie_code]},
        key,
    )
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")


def test_the_worker_refuses_to_post_to_loopback_in_production_mode(
    client, receiver, settings, tasks
):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    watch(client, watch_key(), receiver.url, filing.ie_code)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    change_approved(filing, officer=officer)
    tasks()
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_error.startswith("refused:")
    assert webhook_tasks.address_allowed("8.8.8.8")
    for address in ("127.0.0.1", "10.0.0.1", "::1", "::ffff:192.168.1.1", "fe80::1%eth0"):
        assert not webhook_tasks.address_allowed(address)


def test_bad_operator_codes_add_none(client, receiver):
    filing = approved()
    key = watch_key()
    body = {"url": receiver.url, "operators": [filing.ie_code, "1100000000000"]}
    response = post_json(client, "/api/v1/watches", body, key)
    assert (response.status_code, response.json()["code"]) == (422, "operator_not_found")
    assert "1100000000000" in response.json()["message_zh"]
    response = post_json(client, "/api/v1/watches", {**body, "operators": ["12345"]}, key)
    assert response.json()["code"] == "operator_code_invalid"
    assert not WebhookSubscription.objects.exists()
    created = watch(client, key, receiver.url, filing.ie_code)
    more = post_json(
        client,
        f"/api/v1/watches/{created['id']}/operators",
        {"operators": ["1100000000000"]},
        key,
    )
    assert more.status_code == 422
    assert WatchedOperator.objects.count() == 1


def test_a_deleted_watch_sends_nothing_more(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    created = watch(client, key, receiver.url, filing.ie_code)
    assert client.delete(f"/api/v1/watches/{created['id']}", **auth(key)).status_code == 204
    assert client.get(f"/api/v1/watches/{created['id']}", **auth(key)).status_code == 404
    change_approved(filing, officer=officer)
    tasks()
    assert receiver.requests == []
    assert list(
        AuditEvent.objects.filter(object_type="webhook")
        .order_by("pk")
        .values_list("event", flat=True)
    ) == ["webhook_created", "webhook_deleted"]


def test_the_delivery_log_pages_newest_first(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    key = watch_key()
    created = watch(client, key, receiver.url, filing.ie_code)
    for phone in ("010-11112222", "010-33334444", "010-55556666"):
        filing = change_phone(filing, officer=officer, phone=phone)
    tasks()
    path = f"/api/v1/watches/{created['id']}/deliveries"
    first = client.get(path, {"limit": 2}, **auth(key)).json()
    second = client.get(path, {"limit": 2, "after": first["next_cursor"]}, **auth(key)).json()
    assert second["next_cursor"] is None
    news = [json.loads(r["body"])["changes"][0]["new"] for r in receiver.requests]
    assert news == ["010-11112222", "010-33334444", "010-55556666"]
    ids = [d["delivery_id"] for d in first["deliveries"] + second["deliveries"]]
    assert ids == [r["headers"]["X-Tradereg-Delivery"] for r in reversed(receiver.requests)]
    bad = client.get(path, {"after": "bm9wZQ"}, **auth(key))
    assert (bad.status_code, bad.json()["code"]) == (400, "cursor_invalid")


def test_a_delivery_whose_task_was_lost_is_queued_again(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    watch(client, watch_key(), receiver.url, filing.ie_code)
    change_approved(filing, officer=officer)
    DBTaskResult.objects.filter(task_path="tradereg.opendata.tasks.webhook_deliver").delete()
    delivery = WebhookDelivery.objects.get()
    assert webhook_tasks.deliveries_recover() == [delivery.pk]
    assert webhook_tasks.deliveries_recover() == []  # its task is waiting now
    tasks()
    assert len(receiver.requests) == 1


def test_the_key_page_issues_the_watch_scope(client):
    admin = system_admin("ministry-page")
    login_verified(client, admin)
    response = client.post(
        reverse("opendata:api_keys"), {"name": "某平台 变更订阅", "scopes": ["watch"]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="watch"' in body
    assert "<td>变更订阅</td>" in body
    key = response.context["issued"]
    assert client.get("/api/v1/watches", **auth(key)).status_code == 200


def test_every_subscription_gets_the_event_signed_with_its_own_secret(client, receiver, tasks):
    officer = make_officer(code="110000")
    filing = approved(officer=officer)
    first = watch(client, watch_key(), receiver.url + "?to=first", filing.ie_code)
    second = watch(client, watch_key(), receiver.url + "?to=second", filing.ie_code)
    change_phone(filing, officer=officer)
    tasks()
    by_path = {r["path"].rpartition("=")[2]: r for r in receiver.requests}
    assert sorted(by_path) == ["first", "second"]
    verify = docs_verify()
    for name, created in (("first", first), ("second", second)):
        request = by_path[name]
        assert verify(created["secret"], request["headers"], request["body"])
    assert not verify(first["secret"], by_path["second"]["headers"], by_path["second"]["body"])
    events = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert len(events) == 1
    assert len({r["headers"]["X-Tradereg-Delivery"] for r in receiver.requests}) == 2
