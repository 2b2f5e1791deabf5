"""The filing life cycle, declared once (DESIGN.md, "Filing life cycle").

Services check transitions against this table; views derive their buttons from it; tests
iterate over it. Nothing else lists which statuses an action may start from.
"""

from dataclasses import dataclass
from enum import StrEnum, nonmember

from django.utils.translation import gettext_lazy as _

from tradereg.accounts.models import User
from tradereg.filings.models import Status


class Action(StrEnum):
    do_not_call_in_templates = nonmember(True)

    SAVE = "save"
    EDIT = "edit"
    CHANGE = "change"
    REPORT = "report"
    APPROVE = "approve"
    RETURN = "return"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[Status]
    target: Status | None  # None: the status stays as it is
    role: User.Role


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.SAVE,
            _("保存"),
            frozenset({Status.DRAFT, Status.RETURNED, Status.CHANGING}),
            None,
            User.Role.ENTERPRISE,
        ),
        Transition(
            Action.EDIT,
            _("编辑"),
            frozenset({Status.REPORTED}),
            Status.REPORTED,
            User.Role.ENTERPRISE,
        ),
        Transition(
            Action.CHANGE,
            _("变更"),
            frozenset({Status.APPROVED}),
            Status.CHANGING,
            User.Role.ENTERPRISE,
        ),
        Transition(
            Action.REPORT,
            _("上报"),
            frozenset({Status.DRAFT, Status.RETURNED, Status.CHANGING}),
            Status.REPORTED,
            User.Role.ENTERPRISE,
        ),
        Transition(
            Action.APPROVE,
            _("审核通过"),
            frozenset({Status.REPORTED}),
            Status.APPROVED,
            User.Role.OFFICER,
        ),
        Transition(
            Action.RETURN,
            _("退回"),
            frozenset({Status.REPORTED}),
            Status.RETURNED,
            User.Role.OFFICER,
        ),
        Transition(
            Action.CANCEL,
            _("注销"),
            frozenset({Status.APPROVED}),
            Status.CANCELLED,
            User.Role.OFFICER,
        ),
    ]
}

# The enterprise's form is opened by whichever of these applies to the status.
FORM_ACTIONS = (Action.SAVE, Action.EDIT, Action.CHANGE)


def allowed_actions(status: str, role: str) -> list[Action]:
    return [t.action for t in TRANSITIONS.values() if status in t.sources and t.role == role]


def form_action_for(status: str) -> Action | None:
    """Which save-like action a 保存 on the enterprise form performs in this status."""
    for action in FORM_ACTIONS:
        if status in TRANSITIONS[action].sources:
            return action
    return None


def target_status(action: Action, current: str) -> str:
    target = TRANSITIONS[action].target
    return current if target is None else target
