"""Approved filings that arrive from elsewhere: legacy records and demo data.

``filing_import`` brings one in through the transition function. ``legacy_import`` brings
a whole register in: the rows are checked by the registration form's own rules
(``filings.legacy_import``) and written in batches, with COPY on PostgreSQL. A batch
writes what ``filing_import`` writes for each of its filings (the filing, its revision,
its history event, the published copy) but with one audit event for the batch instead of
one per filing, and the status is set from the IMPORT transition's row of the life-cycle
table rather than by ``transition_apply``, which takes a row lock per filing. See
docs/import.md for the trade-off.
"""

import csv
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from dataclasses import replace as dataclass_replace
from datetime import datetime
from decimal import Decimal
from queue import Full, Queue
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tradereg.accounts.models import User
from tradereg.audit.services import audit_record
from tradereg.authorities.models import Authority
from tradereg.common.bulk import any_of_register, dicts_write, ids_reserve, instances_write
from tradereg.filings import numbering
from tradereg.filings.legacy_import import (
    LABELS,
    LegacyRecord,
    Problem,
    RowChecker,
    TableError,
    header_read,
    report_columns,
    report_row,
    table_open,
)
from tradereg.filings.lifecycle import TRANSITIONS, Action
from tradereg.filings.models import Filing, FilingEvent, FilingRevision, Method, Status
from tradereg.filings.publication import published_values
from tradereg.filings.services.common import (
    INDIVIDUAL_CODE_PREFIX,
    REVISION_FIELDS,
    ensure_code_free,
    ie_code_for,
    operator_code_for,
    revision_write,
)
from tradereg.filings.services.transitions import transition_apply
from tradereg.registry.models import PublishedOperator
from tradereg.registry.services import registry_publish_new

LEGACY_CUTOFF_YEAR_MONTH = (2016, 12)


def filing_import(
    *,
    authority: Authority,
    method: str,
    data: dict[str, Any],
    approved_at: datetime,
    acting_user: User | None = None,
) -> Filing:
    """Import an already approved filing without an owner (legacy records, demo data).

    Assigns 系统编号, 备案登记表编号 and 进出口企业代码 and publishes it to the registry,
    as an approval would. An officer later opens an account for it (开通用户).
    """
    code = operator_code_for(method=method, data=data)

    def write(filing: Filing) -> FilingRevision:
        revision = revision_write(
            filing=filing,
            kind=FilingRevision.Kind.IMPORT,
            user=acting_user,
            authority=authority,
            method=method,
            data=data,
        )
        filing.current_revision = filing.approved_revision = revision
        filing.ie_code = ie_code_for(authority=authority, revision=revision)
        return revision

    with transaction.atomic():
        ensure_code_free(code=code, method=method)
        filing = Filing(
            system_no=numbering.system_no_next(),
            authority=authority,
            operator_code=code,
            form_no=numbering.form_no_next(),
            approved_at=approved_at,
            is_legacy=(approved_at.year, approved_at.month) < LEGACY_CUTOFF_YEAR_MONTH,
        )
        filing = transition_apply(
            action=Action.IMPORT,
            filing=filing,
            user=acting_user,
            write=write,
            audit_data={"form_no": filing.form_no},
        )
    return filing


# --- the legacy register, in bulk ---------------------------------------------------------

BATCH_SIZE = 1000
any_of_register(
    Filing._meta.get_field("form_no"),
    Filing._meta.get_field("operator_code"),
    PublishedOperator._meta.get_field("ie_code"),
    PublishedOperator._meta.get_field("form_no"),
)
AUDIT_FORM_NOS = 1000  # an audit event names at most this many form numbers


@dataclass
class ImportSummary:
    """What one run of the import did (or, dry, would do), row by row counted."""

    rows: int = 0
    created: int = 0
    present: int = 0
    differing: int = 0
    invalid: int = 0
    problems: int = 0  # lines written to the report
    fatal: str = ""  # why the file could not be read at all, if so

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[ImportSummary, int], None]
Checked = tuple[int, LegacyRecord | list[Problem]]

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _in_background(batches: Iterator[list[Checked]], depth: int = 3) -> Iterator[list[Checked]]:
    """Check the next batches in a thread while this one writes.

    The checking is pure Python and reads no database; the writing mostly waits for the
    database server (COPY releases the interpreter), so the two overlap on two cores.
    """
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()
    language = translation.get_language() or settings.LANGUAGE_CODE

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        with translation.override(language):
            try:
                for batch in batches:
                    if not put(batch):
                        return
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
                put(_Failed(error))
                return
        put(_DONE)

    thread = threading.Thread(target=produce, name="legacy-import-check", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


def _record(outcome: LegacyRecord | list[Problem]) -> LegacyRecord | list[Problem]:
    """A checked row as a revision holds it, with the code that identifies the operator."""
    if isinstance(outcome, list):
        return outcome
    data = {name: outcome.data.get(name) for name in REVISION_FIELDS}
    data = {name: "" if value is None else value for name, value in data.items()}
    code = operator_code_for(method=outcome.method, data=data)
    return dataclass_replace(outcome, data=data, operator_code=code)


def _checked(rows: Iterator[list[str]], checker: RowChecker, size: int) -> Iterator[list[Checked]]:
    batch: list[Checked] = []
    for line, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        batch.append((line, _record(checker.check(line, cells))))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if value is None:
        return ""
    return str(value)


def _differences(record: LegacyRecord, filing: Filing) -> list[tuple[str, str]]:
    """(column, stored value as shown) of every column where the row and the stored
    filing's approved revision disagree; ID numbers are shown masked."""
    revision = filing.approved_revision or filing.current_revision
    found: list[tuple[str, str]] = []
    if revision is None:
        return [("", "")]
    stored_on = timezone.localtime(filing.approved_at).date() if filing.approved_at else None
    checks: list[tuple[str, Any, Any, str]] = [
        ("authority", record.authority.pk, revision.authority_id, revision.authority.name),
        ("ie_code", record.ie_code, filing.ie_code or "", filing.ie_code or ""),
        ("approved_on", record.approved_at.date(), stored_on, _shown(stored_on)),
        ("method", record.method, revision.method, revision.get_method_display()),
    ]
    for name in REVISION_FIELDS:
        mine, stored = record.data.get(name), getattr(revision, name)
        shown = _shown(stored)
        if name in ("operator_type", "currency"):
            mine, stored = getattr(mine, "pk", None), getattr(stored, "pk", None)
            shown = str(getattr(revision, name))
        elif name == "id_number":
            shown = revision.masked_id_number
        elif name == "id_type":
            shown = revision.get_id_type_display()
        checks.append((name, mine, stored, shown))
    for name, mine, stored, shown in checks:
        if (mine or "") != (stored or ""):
            found.append((name, shown))
    return found


class _Batch:
    """One batch of checked rows, sorted into new, present, differing and refused."""

    def __init__(self, checked: list[Checked], seen: dict[str, dict[str, int]]) -> None:
        self.problems: list[Problem] = []
        self.new: list[LegacyRecord] = []
        self.present = self.differing = self.invalid = 0
        records: list[LegacyRecord] = []
        for _line, outcome in checked:
            if isinstance(outcome, list):
                self.invalid += 1
                self.problems += outcome
            else:
                records.append(outcome)
        self._sort(records, seen)

    def _refuse(self, record: LegacyRecord, column: str, message: str) -> None:
        self.invalid += 1
        self.problems.append(
            Problem(record.line, LABELS.get(column, column), message, record.form_no)
        )

    def _sort(self, records: list[LegacyRecord], seen: dict[str, dict[str, int]]) -> None:
        stored = {
            f.form_no: f
            for f in Filing.objects.filter(
                form_no__any_of=[r.form_no for r in records]
            ).select_related(
                "authority",
                "approved_revision__authority",
                "approved_revision__operator_type",
                "approved_revision__currency",
            )
        }
        open_codes = dict(
            Filing.objects.filter(operator_code__any_of=[r.operator_code for r in records])
            .exclude(status=Status.CANCELLED)
            .values_list("operator_code", "form_no")
        )
        # Every approved filing's 进出口企业代码 is in the registry's indexed copy.
        ie_codes = dict(
            PublishedOperator.objects.filter(ie_code__any_of=[r.ie_code for r in records])
            .exclude(form_no__any_of=list(stored))
            .values_list("ie_code", "form_no")
        )
        for record in records:
            existing = stored.get(record.form_no)
            if existing is not None:
                self._compare(record, existing)
                continue
            if self._repeated(record, seen):
                continue
            code_field = "uscc" if record.method == Method.USCC else "org_code"
            if record.operator_code in open_codes:
                self._refuse(
                    record,
                    code_field,
                    _("该经营者已有备案（备案登记表编号 %(form_no)s），不能重复导入。")
                    % {"form_no": open_codes[record.operator_code] or "—"},
                )
            elif record.ie_code in ie_codes:
                self._refuse(
                    record,
                    "ie_code",
                    _("进出口企业代码已被备案登记表编号 %(form_no)s 使用。")
                    % {"form_no": ie_codes[record.ie_code]},
                )
            else:
                self.new.append(record)

    def _repeated(self, record: LegacyRecord, seen: dict[str, dict[str, int]]) -> bool:
        """The same number or operator earlier in the file: the first one counts."""
        keys = {
            "form_no": record.form_no,
            "ie_code": record.ie_code,
            "operator_code": record.operator_code,
        }
        for name, key in keys.items():
            first = seen[name].get(key)
            if first is not None:
                column = name
                if name == "operator_code":
                    column = "uscc" if record.method == Method.USCC else "org_code"
                    message = _("与第%(line)d行是同一经营者。") % {"line": first}
                else:
                    message = _("与第%(line)d行的%(label)s重复。") % {
                        "line": first,
                        "label": LABELS[name],
                    }
                self._refuse(record, column, message)
                return True
        for name, key in keys.items():
            seen[name][key] = record.line
        return False

    def _compare(self, record: LegacyRecord, filing: Filing) -> None:
        if filing.operator_code != record.operator_code:
            name = filing.approved_revision.name_cn if filing.approved_revision else ""
            self._refuse(
                record,
                "form_no",
                _("备案登记表编号已被另一经营者“%(name)s”使用。") % {"name": name},
            )
            return
        differences = _differences(record, filing)
        if not differences:
            self.present += 1
            self.problems.append(
                Problem(record.line, "", _("已存在，未重复导入。"), record.form_no, "present")
            )
            return
        self.differing += 1
        for name, shown in differences:
            message = _("与系统中已有的数据不一致（系统中为“%(value)s”），未覆盖。") % {
                "value": shown
            }
            self.problems.append(
                Problem(record.line, LABELS.get(name, name), message, record.form_no, "differs")
            )


def _individual_sequence_value(ie_code: str) -> int:
    """The ``individual_org_code`` counter value a 进出口企业代码 in the reserved GT range
    used (decision 0011), 0 for any other."""
    body = ie_code[4:12]
    if body.startswith(INDIVIDUAL_CODE_PREFIX) and body[2:].isdigit():
        return int(body[2:])
    return 0


def _records_write(*, records: list[LegacyRecord], acting_user: User | None) -> None:
    """Write approved filings for checked, new records, as ``filing_import`` would for
    each, in one transaction: filings, revisions, history events and the published copy
    in bulk, one audit event for the batch. The record keeps its own numbers and date;
    the counters move past them.
    """
    transition = TRANSITIONS[Action.IMPORT]
    target = transition.target
    if target is None:
        raise RuntimeError("the import transition sets a status")
    count = len(records)
    actor_name = acting_user.get_username() if acting_user is not None else ""
    actor_id = acting_user.pk if acting_user is not None else None
    with transaction.atomic():
        filing_ids = ids_reserve(Filing, count)
        revision_ids = ids_reserve(FilingRevision, count)
        event_ids = ids_reserve(FilingEvent, count)
        system_nos = numbering.system_nos_next(count)
        filings, revisions, events, published = [], [], [], []
        for record, filing_id, revision_id, event_id, system_no in zip(
            records, filing_ids, revision_ids, event_ids, system_nos, strict=True
        ):
            revision = FilingRevision(
                id=revision_id,
                filing_id=filing_id,
                number=1,
                kind=FilingRevision.Kind.IMPORT,
                created_by=acting_user,
                authority=record.authority,
                method=record.method,
                **record.data,
            )
            filing = Filing(
                id=filing_id,
                system_no=system_no,
                authority=record.authority,
                status=target,
                operator_code=record.operator_code,
                current_revision=revision,
                approved_revision=revision,
                form_no=record.form_no,
                ie_code=record.ie_code,
                approved_at=record.approved_at,
                is_legacy=record.is_legacy,
            )
            events.append(
                {
                    "id": event_id,
                    "filing_id": filing_id,
                    "kind": transition.event,
                    "revision_id": revision_id,
                    "authority_id": record.authority.pk,
                    "actor_id": actor_id,
                    "actor_name": actor_name,
                    "status_before": "",
                    "status_after": target,
                }
            )
            filings.append(filing)
            revisions.append(revision)
            if transition.publishes:
                published.append((filing_id, published_values(filing)))
        instances_write(Filing, filings)
        instances_write(FilingRevision, revisions)
        dicts_write(FilingEvent, events)
        registry_publish_new(items=published)
        numbering.sequence_raise(name="form_no", value=max(int(r.form_no) for r in records))
        individual = max(_individual_sequence_value(r.ie_code) for r in records)
        if individual:
            numbering.sequence_raise(name="individual_org_code", value=individual)
        form_nos = [r.form_no for r in records]
        audit_record(
            event=transition.audit,
            actor=acting_user,
            object_type="legacy_import",
            count=count,
            form_nos=form_nos[:AUDIT_FORM_NOS],
            first_filing_id=filing_ids[0],
            last_filing_id=filing_ids[-1],
        )


def _batch_write(batch: _Batch, acting_user: User | None) -> None:
    """Write the batch's new records; if the database refuses the batch (another writer
    took a code since the check), write them one by one and report the refused ones."""
    try:
        with transaction.atomic():
            _records_write(records=batch.new, acting_user=acting_user)
        return
    except IntegrityError:
        pending, batch.new = batch.new, []
    for record in pending:
        try:
            with transaction.atomic():
                _records_write(records=[record], acting_user=acting_user)
        except IntegrityError:
            batch._refuse(record, "form_no", _("与系统中已有的备案冲突（编号或代码已被占用）。"))
        else:
            batch.new.append(record)


def legacy_import(
    *,
    source: IO[bytes],
    report: IO[str],
    dry_run: bool = False,
    acting_user: User | None = None,
    progress: Progress | None = None,
    file_name: str = "",
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import the legacy register in ``source`` (CSV or XLSX; see ``filings.legacy_import``)
    and write a CSV report of every problem, row by row, to ``report``.

    Good rows become approved filings without an owner that keep their own 备案登记表编号,
    进出口企业代码 and 备案日期, published to the registry (``filing_import`` in bulk). A
    bad row is reported with each column's message and left out; the others go in. A row
    whose 备案登记表编号 is stored already is reported as present when its data are the
    same and with the columns that differ when not; nothing stored is overwritten, so the
    import is idempotent. Each batch commits on its own with one audit event; the run
    ends with one more carrying the counts. ``dry_run`` checks everything and writes
    nothing to the database.
    """
    summary = ImportSummary()
    writer = csv.writer(report)
    writer.writerow(report_columns())

    def note(problems: list[Problem]) -> None:
        writer.writerows(report_row(p) for p in problems)
        summary.problems += len(problems)

    with translation.override(settings.LANGUAGE_CODE):
        try:
            table = table_open(source)
            header = header_read(next(table.rows, []))
        except TableError as error:
            summary.fatal = str(error)
            note([Problem(1, "", summary.fatal)])
            return summary
        note(list(header.problems))
        if header.fatal:
            summary.fatal = _("表头不完整，未导入任何数据。")
            return summary
        checker = RowChecker(header)
        seen: dict[str, dict[str, int]] = {"form_no": {}, "ie_code": {}, "operator_code": {}}
        total = max(table.total - 1, 0)
        try:
            for checked in _in_background(_checked(table.rows, checker, batch_size)):
                batch = _Batch(checked, seen)
                if batch.new and not dry_run:
                    _batch_write(batch, acting_user)
                summary.rows += len(checked)
                summary.created += len(batch.new)
                summary.present += batch.present
                summary.differing += batch.differing
                summary.invalid += batch.invalid
                note(sorted(batch.problems, key=lambda p: p.line))
                if progress is not None:
                    progress(summary, max(total, summary.rows))
        except TableError as error:
            summary.fatal = str(error)
            note([Problem(summary.rows + 2, "", summary.fatal)])
        if not dry_run:
            audit_record(
                event="legacy_import_finished",
                actor=acting_user,
                object_type="legacy_import",
                file_name=file_name[:200],
                **summary.as_dict(),
            )
    return summary
