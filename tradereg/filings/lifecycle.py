"""The filing life cycle, declared once (DESIGN.md, "Filing life cycle"; decision 0008).

Each transition carries everything about itself: its label, sources and target, who may
take it, the guards it must pass, the history event and audit event it writes and the
e-mail it sends. ``filings.services.transitions.transition_apply`` is the one function
that applies a row of this table; ``can`` answers "may this person do this now" for the
buttons and for enforcement alike. Nothing else lists which statuses an action may
start from.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum, nonmember
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradereg.accounts.models import User
from tradereg.filings.models import Attachment, Filing, FilingEvent, Status


class TransitionNotAllowed(Exception):
    """The filing's state does not allow the action now; the message is for the user."""


class Action(StrEnum):
    do_not_call_in_templates = nonmember(True)

    CREATE = "create"
    SAVE = "save"
    EDIT = "edit"
    CHANGE = "change"
    REPORT = "report"
    APPROVE = "approve"
    RETURN = "return"
    CANCEL = "cancel"
    IMPORT = "import"
    ATTACH = "attach"
    DETACH = "detach"
    NOTE = "note"
    OPEN_ACCOUNT = "open_account"
    BIND_OWNER = "bind_owner"


class Actor(StrEnum):
    """Who may take a transition, relative to the filing."""

    do_not_call_in_templates = nonmember(True)

    OWNER = "owner"  # the enterprise account that owns the filing
    OFFICER = "officer"  # an officer of the authority the filing is addressed to
    NEW_ENTERPRISE = "new_enterprise"  # the person creating account and filing at once
    SYSTEM = "system"  # imports of legacy records and demo data
    # Someone holding a one-time link an officer sent (开通用户); the calling service has
    # checked the link, so no button is ever offered for it.
    LINK_HOLDER = "link_holder"


@dataclass(frozen=True)
class Context:
    """What the person acting brings to a transition, for the guards to check."""

    expected_revision: int | None = None
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Guard = Callable[[Filing, Context], None]


def missing_required_attachments(filing: Filing) -> list[str]:
    """Labels of the required attachments a report still lacks.

    A change must carry a 备案登记表扫描件 signed for the changed form: the scan that went
    with the approved revision signed the old data, so only one uploaded since counts.
    """
    current = list(filing.attachments.select_related("revision"))
    present = {a.kind for a in current}
    missing = [Attachment.Kind(k).label for k in Attachment.REQUIRED_KINDS if k not in present]
    if filing.has_been_approved and Attachment.Kind.SIGNED_FORM in present:
        approved_number = filing.approved_revision.number
        signed = [a for a in current if a.kind == Attachment.Kind.SIGNED_FORM]
        if all(a.revision.number <= approved_number for a in signed):
            missing.insert(0, _("变更后重新签章的备案登记表扫描件"))
    return [str(m) for m in missing]


def guard_attachments(filing: Filing, context: Context) -> None:
    missing = missing_required_attachments(filing)
    if missing:
        items = _("、").join(missing)
        raise TransitionNotAllowed(_("上报前请先上传：%(items)s。") % {"items": items})


def guard_revision_seen(filing: Filing, context: Context) -> None:
    """The officer decides on the revision they looked at, not on one saved since."""
    expected = context.expected_revision
    if expected is not None and filing.current_revision.number != expected:
        raise TransitionNotAllowed(
            _("该备案在您查看后已被修改（现为第%(n)d版），请重新查看后再作决定。")
            % {"n": filing.current_revision.number}
        )


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[Status]  # empty: the transition creates the filing
    target: Status | None  # None: the status stays as it is
    actor: Actor
    event: FilingEvent.Kind | None = None  # the history row it writes; None writes none
    audit: str = ""  # the audit event name
    guards: tuple[Guard, ...] = ()
    email: str | None = None  # template prefix of the e-mail to the owner
    publishes: bool = False  # the registry's copy is rewritten
    needs_reason: bool = False
    refusal: str = ""  # what a person is told when the status does not allow it
    applies: Callable[[Filing], bool] | None = None  # a fact about the filing beyond status

    @property
    def creates(self) -> bool:
        return not self.sources


def _has_no_owner(filing: Filing) -> bool:
    return filing.owner_id is None


_EDITABLE = frozenset({Status.DRAFT, Status.RETURNED, Status.CHANGING})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.CREATE,
            gettext_lazy("保存"),
            frozenset(),
            Status.DRAFT,
            Actor.NEW_ENTERPRISE,
            event=FilingEvent.Kind.CREATED,
            audit="filing_saved",
            email="filings/emails/welcome",
        ),
        Transition(
            Action.SAVE,
            gettext_lazy("保存"),
            _EDITABLE,
            None,
            Actor.OWNER,
            event=FilingEvent.Kind.SAVED,
            audit="filing_saved",
        ),
        Transition(
            Action.EDIT,
            gettext_lazy("编辑"),
            frozenset({Status.REPORTED}),
            Status.REPORTED,
            Actor.OWNER,
            event=FilingEvent.Kind.EDITED,
            audit="filing_edited",
        ),
        Transition(
            Action.CHANGE,
            gettext_lazy("变更"),
            frozenset({Status.APPROVED}),
            Status.CHANGING,
            Actor.OWNER,
            event=FilingEvent.Kind.CHANGE_STARTED,
            audit="filing_change_started",
        ),
        Transition(
            Action.REPORT,
            gettext_lazy("上报"),
            _EDITABLE,
            Status.REPORTED,
            Actor.OWNER,
            event=FilingEvent.Kind.REPORTED,
            audit="filing_reported",
            guards=(guard_attachments,),
        ),
        Transition(
            Action.APPROVE,
            gettext_lazy("审核通过"),
            frozenset({Status.REPORTED}),
            Status.APPROVED,
            Actor.OFFICER,
            event=FilingEvent.Kind.APPROVED,
            audit="filing_approved",
            guards=(guard_revision_seen,),
            email="filings/emails/filing_approved",
            publishes=True,
        ),
        Transition(
            Action.RETURN,
            gettext_lazy("退回"),
            frozenset({Status.REPORTED}),
            Status.RETURNED,
            Actor.OFFICER,
            event=FilingEvent.Kind.RETURNED,
            audit="filing_returned",
            guards=(guard_revision_seen,),
            email="filings/emails/filing_returned",
            needs_reason=True,
        ),
        Transition(
            Action.CANCEL,
            gettext_lazy("注销"),
            frozenset({Status.APPROVED}),
            Status.CANCELLED,
            Actor.OFFICER,
            event=FilingEvent.Kind.CANCELLED,
            audit="filing_cancelled",
            email="filings/emails/filing_cancelled",
            publishes=True,
            needs_reason=True,
        ),
        Transition(
            Action.IMPORT,
            gettext_lazy("导入"),
            frozenset(),
            Status.APPROVED,
            Actor.SYSTEM,
            event=FilingEvent.Kind.IMPORTED,
            audit="filing_imported",
            publishes=True,
        ),
        # Attachments do not move the status; their rows are their own history.
        Transition(
            Action.ATTACH,
            gettext_lazy("上传"),
            _EDITABLE | {Status.REPORTED},
            None,
            Actor.OWNER,
            refusal=gettext_lazy("备案已审核通过，如需修改附件请先办理变更。"),
        ),
        Transition(
            Action.DETACH,
            gettext_lazy("删除"),
            _EDITABLE,
            None,
            Actor.OWNER,
            refusal=gettext_lazy("已上报或已审核的备案不能删除附件。"),
        ),
        Transition(
            Action.OPEN_ACCOUNT,
            gettext_lazy("开通用户"),
            frozenset({Status.APPROVED}),
            None,
            Actor.OFFICER,
            audit="account_claim_sent",
            email="filings/emails/account_claim",
            refusal=gettext_lazy("该备案已有用户，无需开通。"),
            applies=_has_no_owner,
        ),
        Transition(
            Action.BIND_OWNER,
            gettext_lazy("开通用户"),
            frozenset({Status.APPROVED}),
            None,
            Actor.LINK_HOLDER,
            event=FilingEvent.Kind.OWNER_BOUND,
            audit="account_claimed",
            refusal=gettext_lazy("该备案已开通用户，请直接登录。"),
            applies=_has_no_owner,
        ),
        Transition(
            Action.NOTE,
            gettext_lazy("添加备注"),
            frozenset(Status),
            None,
            Actor.OFFICER,
        ),
    ]
}

# The enterprise's form is opened by whichever of these applies to the status.
FORM_ACTIONS = (Action.SAVE, Action.EDIT, Action.CHANGE)
# The buttons each audience is offered, in the order they are shown.
OWNER_BUTTONS = (Action.SAVE, Action.EDIT, Action.CHANGE, Action.REPORT)
OWNER_FILE_BUTTONS = (Action.ATTACH, Action.DETACH)
OFFICER_BUTTONS = (Action.APPROVE, Action.RETURN, Action.CANCEL, Action.NOTE)


def refusal_for(action: Action, filing: Filing) -> str:
    transition = TRANSITIONS[action]
    if transition.refusal:
        return str(transition.refusal)
    return _("备案当前状态为“%(status)s”，不能%(action)s。") % {
        "status": filing.get_status_display(),
        "action": transition.label,
    }


def may_act(actor: Actor, filing: Filing, user: User | None) -> bool:
    """Whether ``user`` is the kind of person the transition is for, on this filing."""
    if user is None or not user.is_authenticated:
        return False
    if actor == Actor.OWNER:
        return user.is_enterprise and filing.owner_id == user.pk
    if actor == Actor.OFFICER:
        return user.is_officer and user.authority_id == filing.authority_id
    return False


def can(action: Action, filing: Filing, user: User | None) -> bool:
    """May ``user`` take ``action`` on ``filing`` in its present status?

    The same answer drives the buttons on every page and the check inside
    ``transition_apply``; guards that depend on what the person brings (attachments,
    the revision they saw, a reason) are checked when they act and explain themselves.
    """
    transition = TRANSITIONS[action]
    return allows(transition, filing) and may_act(transition.actor, filing, user)


def allows(transition: Transition, filing: Filing) -> bool:
    """Whether the filing's state (status and the transition's own condition) allows it."""
    if filing.status not in transition.sources:
        return False
    return transition.applies is None or transition.applies(filing)


def actions_for(filing: Filing, user: User | None, offered: tuple[Action, ...]) -> list[Action]:
    """The buttons among ``offered`` that ``user`` may press on ``filing`` now."""
    return [action for action in offered if can(action, filing, user)]


def form_action_for(status: str) -> Action | None:
    """Which save-like action a 保存 on the enterprise form performs in this status."""
    for action in FORM_ACTIONS:
        if status in TRANSITIONS[action].sources:
            return action
    return None
