"""The officer workspace's part of `make bench`: the busiest authority's filings at national
scale, and the timings of its queue, its search and the statistics page.

The filings (with their revisions and 办理记录 events) go in with bulk writes, COPY on
PostgreSQL, in batches of one transaction each, never through the services one by one: the
figures are of reading, and a few hundred thousand filings through the services would take
hours. The rows are what the services would have written (statuses, revisions and events
agree with the life cycle); a later run reuses them when the count and the last row match.
"""

import json
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps as django_apps
from django.core.management import call_command, get_commands
from django.db import connection, models, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tradereg.accounts.models import User
from tradereg.accounts.services import staff_user_create
from tradereg.authorities.models import Authority
from tradereg.common import codes
from tradereg.common.bulk import ids_reserve, rows_write
from tradereg.core.demo import reference_data_load
from tradereg.devtools import benchdata
from tradereg.filings.models import (
    Currency,
    Filing,
    FilingEvent,
    FilingRevision,
    IdType,
    Method,
    OperatorType,
    Status,
    status_writable,
)

AUTHORITY_CODE = "440300"  # 深圳市商务局, the busiest
OFFICER = "bench-officer-440300"
BATCH = 10_000
# Out of the registry benchmark's and the real numbers' ranges.
SYSTEM_NO_BASE = 800_000_000_000
FORM_NO_BASE = 70_000_000
_START = datetime(2017, 1, 2, 1, 0, tzinfo=UTC)
# Filings still moving (in review, returned, being changed, drafts) started in the last
# weeks before the data was made: nobody waits years in a queue.
PENDING = {"reported", "reported_change", "returned", "changing", "draft"}
RECENT_DAYS = 40
# Where filings stand, by share (a register years old: most approved, a few in review).
STATES = [
    ("approved", 0.78), ("approved_changed", 0.05), ("reported", 0.04),
    ("reported_change", 0.015), ("returned", 0.025), ("changing", 0.015),
    ("draft", 0.02), ("cancelled", 0.055),
]  # fmt: skip
_STATE_CUM = [sum(share for _name, share in STATES[: index + 1]) for index in range(len(STATES))]


def _writer(model: type[models.Model]) -> Callable[[list[dict[str, Any]]], int]:
    """Write rows given as ``{attname: value}`` with every value set, converted the way
    the database adapter wants them: cheaper than a model instance per row, and the
    generated creation times stay (``auto_now`` would overwrite them)."""
    fields = list(model._meta.concrete_fields)
    ops = connection.ops
    plan: list[tuple[str, Callable[[Any], Any] | None]] = []
    for field in fields:
        if isinstance(field, models.DateTimeField):
            plan.append((field.attname, ops.adapt_datetimefield_value))
        elif isinstance(field, models.DateField):
            plan.append((field.attname, ops.adapt_datefield_value))
        elif isinstance(field, models.DecimalField):
            digits, places = field.max_digits, field.decimal_places
            plan.append(
                (field.attname, lambda v, d=digits, p=places: ops.adapt_decimalfield_value(v, d, p))
            )
        elif isinstance(field, models.JSONField):
            plan.append((field.attname, json.dumps))
        else:
            plan.append((field.attname, None))
    columns = [field.column for field in fields]

    def write(rows: list[dict[str, Any]]) -> int:
        return rows_write(
            model,
            columns,
            (
                tuple(
                    row[name] if convert is None or row[name] is None else convert(row[name])
                    for name, convert in plan
                )
                for row in rows
            ),
        )

    return write


def _sealed_pool(rng: random.Random, size: int = 256) -> list[tuple[str, str]]:
    """(sealed ID number, blind index) pairs as the revision's fields store them: sealing
    each revision's own number would dominate the load, and no figure depends on it."""
    sealed = FilingRevision._meta.get_field("id_number")
    index = FilingRevision._meta.get_field("id_number_index")
    pool = []
    for _ in range(size):
        revision = FilingRevision(id_number=codes.generate_resident_id(rng))
        pool.append(
            (
                sealed.get_db_prep_save(revision.id_number, connection),
                index.get_db_prep_save(index.pre_save(revision, True), connection),
            )
        )
    return pool


def _filings_held(count: int) -> bool:
    authority = Authority.objects.filter(code=AUTHORITY_CODE).first()
    if authority is None or Filing.objects.filter(authority=authority).count() != count:
        return False
    return Filing.objects.filter(system_no=f"{SYSTEM_NO_BASE + count:012d}").exists()


def _rollup_held() -> bool:
    if not django_apps.is_installed("tradereg.statistics"):
        return True
    figure = django_apps.get_model("statistics", "Figure")
    return figure.objects.filter(authority__code=AUTHORITY_CODE).exists()


def _rollup_rebuild(log: Callable[[str], None]) -> None:
    """The statistics rollup from the generated history: the filings were written beside
    the transitions that keep it, so it is recounted as after an import of old history."""
    if "statistics_rebuild" in get_commands():
        log("  重算统计汇总（statistics_rebuild）……")
        call_command("statistics_rebuild", verbosity=0)


def bench_filings_ensure(*, count: int, log: Callable[[str], None]) -> dict[str, float]:
    """Make the benchmark database hold ``count`` generated filings of the authority."""
    if not (Authority.objects.filter(code=AUTHORITY_CODE).exists() and Currency.objects.exists()):
        reference_data_load()
    if _filings_held(count):
        log(f"复用已有的 {count:,} 件备案（{AUTHORITY_CODE}）。")
        if not _rollup_held():
            _rollup_rebuild(log)
        return {"loaded": 0.0}
    authority = Authority.objects.get(code=AUTHORITY_CODE)
    log(f"生成 {authority.name} 的 {count:,} 件备案（含版本和办理记录）……")
    started = time.perf_counter()
    with transaction.atomic():
        FilingEvent.objects.filter(authority=authority).delete()
        with status_writable():
            Filing.objects.filter(authority=authority).update(
                current_revision=None, approved_revision=None
            )
        FilingRevision.objects.filter(authority=authority).delete()
        Filing.objects.filter(authority=authority).delete()
    options = {
        "authority": authority,
        "types": list(OperatorType.objects.filter(is_active=True).values_list("pk", flat=True)),
        "currency": Currency.objects.get(code="CNY").pk,
        "sealed": _sealed_pool(random.Random(count)),  # noqa: S311 - benchmark data
        "write": {model: _writer(model) for model in (Filing, FilingRevision, FilingEvent)},
        "now": timezone.now(),
    }
    written = {"filings": 0, "revisions": 0, "events": 0}
    for first in range(1, count + 1, BATCH):
        size = min(BATCH, count - first + 1)
        with transaction.atomic():
            for name, value in _batch_write(first, size, count, options).items():
                written[name] += value
        if (first + size - 1) % 50_000 == 0 or first + size - 1 == count:
            log(f"  {first + size - 1:,} / {count:,}（{time.perf_counter() - started:.0f} 秒）")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Filing, FilingRevision, FilingEvent):
                # VACUUM needs autocommit; inside a caller's transaction (a test) ANALYZE.
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _rollup_rebuild(log)
    seconds = time.perf_counter() - started
    log(
        f"完成：{written['filings']:,} 件备案、{written['revisions']:,} 个版本、"
        f"{written['events']:,} 条办理记录，用时 {seconds:.0f} 秒。"
    )
    return {"loaded": seconds, **written}


def _state(rng: random.Random) -> str:
    roll = rng.random()
    return next(name for (name, _s), cum in zip(STATES, _STATE_CUM, strict=True) if roll < cum)


def _batch_write(first: int, size: int, total: int, options: dict[str, Any]) -> dict[str, int]:
    authority_id = options["authority"].pk
    rng = random.Random(first)  # noqa: S311 - reproducible benchmark data
    operators = list(
        benchdata.operator_rows(count=size, first_id=first, total=total, seed=first + 7)
    )
    column = benchdata.COLUMNS.index
    plans = []
    for index, row in enumerate(operators):
        number = first + index
        # Spread over the years, more recent ones denser (as the registry's are).
        share = (number - 1 + rng.random()) / total
        end = options["now"] - timedelta(days=RECENT_DAYS)
        created = _START + (end - _START) * share**0.8
        state = _state(rng)
        if state in PENDING:
            # Its events take up to a few days more: they all lie in the past.
            created = end + timedelta(days=(RECENT_DAYS - 8) * rng.random())
        plans.append((number, row, state, created))
    revision_count = sum(2 if state in _TWO_REVISIONS else 1 for _n, _r, state, _c in plans)
    filing_ids = ids_reserve(Filing, size)
    revision_ids = iter(ids_reserve(FilingRevision, revision_count))
    filings, revisions, events = [], [], []
    for (number, row, state, created), filing_id in zip(plans, filing_ids, strict=True):
        uscc = row[column("uscc")]
        filing = {
            "id": filing_id,
            "system_no": f"{SYSTEM_NO_BASE + number:012d}",
            "owner_id": None,
            "authority_id": authority_id,
            "status": _STATUS[state],
            "operator_code": uscc or row[column("org_code")],
            "approved_revision_id": None,
            "form_no": None,
            "ie_code": None,
            "approved_at": None,
            "is_legacy": False,
            "reported_as_change": state == "reported_change",
            "created_at": created,
        }
        first_revision = _revision(next(revision_ids), filing, row, rng, options)
        revisions.append(first_revision)
        own = _history(filing, first_revision, state, rng, revisions, revision_ids, options["now"])
        events += own
        filing["current_revision_id"] = revisions[-1]["id"]
        if state not in ("reported", "draft", "returned"):
            filing["approved_revision_id"] = (
                revisions[-1]["id"] if state == "approved_changed" else first_revision["id"]
            )
            filing["approved_at"] = next(e["created_at"] for e in own if e["kind"] == "approved")
            filing["form_no"] = f"{FORM_NO_BASE + number:08d}"
            filing["ie_code"] = row[column("ie_code")]
        reported = [e["created_at"] for e in own if e["kind"] == "reported"]
        filing["reported_at"] = reported[-1] if reported else None
        filing["updated_at"] = own[-1]["created_at"]
        filings.append(filing)
    for event, event_id in zip(events, ids_reserve(FilingEvent, len(events)), strict=True):
        event["id"] = event_id
    # Filings first: the revisions' and the filings' references to each other are checked
    # at commit.
    options["write"][Filing](filings)
    options["write"][FilingRevision](revisions)
    options["write"][FilingEvent](events)
    return {"filings": len(filings), "revisions": len(revisions), "events": len(events)}


_TWO_REVISIONS = {"approved_changed", "reported_change", "returned", "changing"}
_STATUS = {
    "approved": Status.APPROVED, "approved_changed": Status.APPROVED,
    "reported": Status.REPORTED, "reported_change": Status.REPORTED,
    "returned": Status.RETURNED, "changing": Status.CHANGING, "draft": Status.DRAFT,
    "cancelled": Status.CANCELLED,
}  # fmt: skip


def _revision(pk, filing, row, rng, options) -> dict[str, Any]:
    column = benchdata.COLUMNS.index
    uscc = row[column("uscc")]
    capital = Decimal(rng.choice([50, 100, 200, 500, 1000, 3000, 5000]))
    sealed, index = rng.choice(options["sealed"])
    return {
        "id": pk,
        "filing_id": filing["id"],
        "number": 1,
        "kind": FilingRevision.Kind.CREATE,
        "created_at": filing["created_at"],
        "created_by_id": None,
        "authority_id": filing["authority_id"],
        "method": Method.USCC if uscc else Method.OTHER,
        "name_cn": row[column("name_cn")],
        "name_en": row[column("name_en")],
        "uscc": uscc,
        "org_code": "" if uscc else row[column("org_code")],
        "operator_type_id": rng.choice(options["types"]),
        "residence": row[column("residence")],
        "premises_cn": row[column("premises_cn")],
        "premises_en": row[column("premises_en")],
        "phone": row[column("phone")],
        "fax": row[column("fax")],
        "postcode": row[column("postcode")],
        "email": f"trade{filing['system_no'][-6:]}@bench.example.cn",
        "registration_date": date(2010, 1, 1) + timedelta(days=rng.randrange(4000)),
        "registration_no": uscc or f"4403{rng.randrange(10**11):011d}",
        "representative": row[column("representative")],
        "id_type": IdType.RESIDENT_ID,
        "id_number": sealed,
        "id_number_index": index,
        "capital": capital,
        "currency_id": options["currency"],
        "capital_usd": (capital * Decimal("0.1408")).quantize(Decimal("0.000001")),
        "remarks": "",
    }


def _history(filing, revision, state, rng, revisions, revision_ids, limit) -> list[dict[str, Any]]:
    """The events a filing in ``state`` went through, all before ``limit``; appends a
    second revision if any."""
    moment = filing["created_at"]

    def later(hours: float) -> datetime:
        nonlocal moment
        step = timedelta(hours=hours * (0.5 + rng.random()))
        # Never past the moment the data is made: halve the way there instead.
        moment = moment + min(step, (limit - moment) / 2)
        return moment

    def event(kind, before, after, on, *, change=False, reason=""):
        decision = kind in FilingEvent.DECISIONS
        return {
            "filing_id": filing["id"], "kind": kind, "revision_id": on["id"],
            "authority_id": filing["authority_id"], "actor_id": None,
            "actor_name": "经办人" if decision else "企业用户",
            "status_before": before, "status_after": after, "is_change": change,
            "reason": reason, "fields": [], "attachment_kinds": [], "attachment_ids": [],
            "created_at": later(30 if decision else 2),
        }  # fmt: skip

    def second(kind: str, hours: float) -> dict[str, Any]:
        copy = {**revision, "id": next(revision_ids), "number": 2, "kind": kind}
        copy["created_at"] = later(hours)
        copy["phone"] = f"0755-{80_000_000 + copy['id'] % 10_000_000:08d}"
        revisions.append(copy)
        return copy

    out = [event("created", "", "draft", revision)]
    if state == "draft":
        return out
    out.append(event("reported", "draft", "reported", revision))
    if state == "reported":
        return out
    if state == "returned":
        out.append(event("returned", "reported", "returned", revision, reason="请补充营业执照"))
        out.append(event("saved", "returned", "returned", second(FilingRevision.Kind.SAVE, 20)))
        return out
    out.append(event("approved", "reported", "approved", revision))
    if state == "cancelled":
        out.append(event("cancelled", "approved", "cancelled", revision, reason="企业申请注销"))
        return out
    if state in ("approved_changed", "reported_change", "changing"):
        changed = second(
            FilingRevision.Kind.CHANGE, 24 * (200 if state == "approved_changed" else 3)
        )
        out.append(event("change_started", "approved", "changing", changed))
        if state != "changing":
            out.append(event("reported", "changing", "reported", changed, change=True))
        if state == "approved_changed":
            out.append(event("approved", "reported", "approved", changed, change=True))
    return out


# --- timings ----------------------------------------------------------------------------


def officer_client() -> Client:
    """A client logged in as an officer of the authority, second factor passed."""
    authority = Authority.objects.get(code=AUTHORITY_CODE)
    user = User.objects.filter(username=OFFICER).first()
    if user is None:
        user = staff_user_create(
            username=OFFICER,
            password=secrets.token_urlsafe(16) + "Aa1!",
            role=User.Role.OFFICER,
            authority=authority,
        )
    return verified_client(user, address="192.0.2.20")


def verified_client(user: User, *, address: str) -> Client:
    """A client signed in as ``user`` from ``address``, past the second factor (a
    confirmed authenticator bound for the bench if the user has none)."""
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)
    client.force_login(user, backend="tradereg.accounts.backends.UsernameOrEmailBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def office_requests(*, samples: int, seed: int = 11) -> list[tuple[str, list[dict[str, str]]]]:
    """(label, query strings) of the officer's pages: the queue by status, a search by a
    fragment of a name and by a code, the statistics page when it exists."""
    rng = random.Random(seed)  # noqa: S311 - reproducible samples
    authority = Authority.objects.get(code=AUTHORITY_CODE)
    top = Filing.objects.filter(authority=authority).order_by("-pk").values_list("pk", flat=True)
    bottom = Filing.objects.filter(authority=authority).order_by("pk").values_list("pk", flat=True)
    high, low = top.first(), bottom.first()
    picked = list(
        FilingRevision.objects.filter(
            filing_id__in=rng.sample(range(low, high + 1), min(samples * 2, high - low + 1))
        ).values_list("name_cn", "uscc", "org_code")
    )
    names, codes_typed = [], []
    for name_cn, uscc, org_code in picked:
        start = rng.randrange(max(len(name_cn) - 4, 0) + 1)
        names.append(name_cn[start : start + 4])
        codes_typed.append(uscc or org_code)
    kinds = [
        ("办理队列：待审核（上报）", [{} for _ in range(samples)]),
        ("办理队列：已审核，第 2 页起", [
            {"status": "approved", "page": str(rng.randint(2, 200))} for _ in range(samples)
        ]),
        ("办理队列：已审核 + 名称 4 字", [
            {"status": "approved", "q": name} for name in names[:samples]
        ]),
        ("办理队列：全部状态 + 代码", [
            {"status": "", "q": code} for code in codes_typed[:samples]
        ]),
    ]  # fmt: skip
    return kinds


def statistics_url() -> str | None:
    """The statistics page's address once it exists in this checkout, else None."""
    try:
        resolve("/office/statistics/")
    except Resolver404:
        return None
    return "/office/statistics/"


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
