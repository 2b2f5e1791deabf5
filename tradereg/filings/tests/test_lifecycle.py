"""The declared life cycle is DESIGN.md's table, row for row."""

import pytest

from tradereg.filings.lifecycle import TRANSITIONS, Action, Actor, form_action_for
from tradereg.filings.models import Status

D, REP, APP, RET, CHG, CAN = (
    Status.DRAFT,
    Status.REPORTED,
    Status.APPROVED,
    Status.RETURNED,
    Status.CHANGING,
    Status.CANCELLED,
)

# DESIGN.md "Filing life cycle": action, from, to (None: unchanged), who.
DESIGN_TABLE = [
    (Action.CREATE, set(), D, Actor.NEW_ENTERPRISE),
    (Action.SAVE, {D, RET, CHG}, None, Actor.OWNER),
    (Action.REPORT, {D, RET, CHG}, REP, Actor.OWNER),
    (Action.EDIT, {REP}, REP, Actor.OWNER),
    (Action.APPROVE, {REP}, APP, Actor.OFFICER),
    (Action.RETURN, {REP}, RET, Actor.OFFICER),
    (Action.CHANGE, {APP}, CHG, Actor.OWNER),
    (Action.CANCEL, {APP}, CAN, Actor.OFFICER),
    (Action.IMPORT, set(), APP, Actor.SYSTEM),
]


@pytest.mark.parametrize(("action", "sources", "target", "actor"), DESIGN_TABLE)
def test_transition_matches_the_design(action, sources, target, actor):
    transition = TRANSITIONS[action]
    assert set(transition.sources) == sources
    assert transition.target == target
    assert transition.actor == actor


def test_every_status_changing_transition_writes_history_and_audit():
    for action, _sources, _target, _actor in DESIGN_TABLE:
        transition = TRANSITIONS[action]
        assert transition.event is not None, action
        assert transition.audit, action


def test_decisions_that_reach_the_public_publish():
    publishing = {a for a, t in TRANSITIONS.items() if t.publishes}
    assert publishing == {Action.APPROVE, Action.CANCEL, Action.IMPORT}


def test_officer_decisions_e_mail_the_owner():
    for action in (Action.APPROVE, Action.RETURN, Action.CANCEL):
        assert TRANSITIONS[action].email == f"filings/emails/filing_{TRANSITIONS[action].event}"


def test_the_form_performs_save_edit_or_change():
    assert form_action_for(Status.DRAFT) == Action.SAVE
    assert form_action_for(Status.REPORTED) == Action.EDIT
    assert form_action_for(Status.APPROVED) == Action.CHANGE
    assert form_action_for(Status.CANCELLED) is None


def test_status_labels_use_the_manuals_words():
    assert Status.DRAFT.label == "已保存(未上报)"
    assert Status.REPORTED.label == "上报"
    assert Status.APPROVED.label == "已审核，可变更"
    assert Status.RETURNED.label == "已退回"
    assert Status.CHANGING.label == "变更中(未上报)"
    assert Status.CANCELLED.label == "已注销"
