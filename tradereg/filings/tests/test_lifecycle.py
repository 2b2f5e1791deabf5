"""The declared life cycle matches DESIGN.md's table."""

from tradereg.accounts.models import User
from tradereg.filings.lifecycle import TRANSITIONS, Action, allowed_actions, form_action_for
from tradereg.filings.models import Status

ENTERPRISE, OFFICER = User.Role.ENTERPRISE, User.Role.OFFICER


def test_enterprise_actions_per_status():
    assert allowed_actions(Status.DRAFT, ENTERPRISE) == [Action.SAVE, Action.REPORT]
    assert allowed_actions(Status.RETURNED, ENTERPRISE) == [Action.SAVE, Action.REPORT]
    assert allowed_actions(Status.REPORTED, ENTERPRISE) == [Action.EDIT]
    assert allowed_actions(Status.APPROVED, ENTERPRISE) == [Action.CHANGE]
    assert allowed_actions(Status.CHANGING, ENTERPRISE) == [Action.SAVE, Action.REPORT]
    assert allowed_actions(Status.CANCELLED, ENTERPRISE) == []


def test_officer_actions_per_status():
    assert allowed_actions(Status.REPORTED, OFFICER) == [Action.APPROVE, Action.RETURN]
    assert allowed_actions(Status.APPROVED, OFFICER) == [Action.CANCEL]
    assert allowed_actions(Status.DRAFT, OFFICER) == []


def test_the_form_performs_save_edit_or_change():
    assert form_action_for(Status.DRAFT) == Action.SAVE
    assert form_action_for(Status.REPORTED) == Action.EDIT
    assert form_action_for(Status.APPROVED) == Action.CHANGE
    assert form_action_for(Status.CANCELLED) is None


def test_targets_follow_the_design():
    assert TRANSITIONS[Action.REPORT].target == Status.REPORTED
    assert TRANSITIONS[Action.CHANGE].target == Status.CHANGING
    assert TRANSITIONS[Action.APPROVE].target == Status.APPROVED
    assert TRANSITIONS[Action.RETURN].target == Status.RETURNED
    assert TRANSITIONS[Action.CANCEL].target == Status.CANCELLED
    assert TRANSITIONS[Action.SAVE].target is None


def test_status_labels_use_the_manuals_words():
    assert Status.DRAFT.label == "已保存(未上报)"
    assert Status.REPORTED.label == "上报"
    assert Status.APPROVED.label == "已审核，可变更"
    assert Status.RETURNED.label == "已退回"
    assert Status.CHANGING.label == "变更中(未上报)"
    assert Status.CANCELLED.label == "已注销"
