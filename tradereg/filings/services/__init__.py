"""Everything that changes a filing. Each transition is one function, in one transaction,
that locks the filing row, checks who may act, writes the revision/status and an audit
event, and queues the e-mail inside the same transaction (committed with it or not at all).
"""

from tradereg.filings.lifecycle import TransitionNotAllowed, missing_required_attachments
from tradereg.filings.services.claims import (
    account_claim_complete,
    account_claim_find,
    account_claim_invite,
)
from tradereg.filings.services.common import REVISION_FIELDS, ie_code_for, operator_code_for
from tradereg.filings.services.enterprise import (
    attachment_add,
    attachment_delete,
    filing_create,
    filing_report,
    filing_save,
)
from tradereg.filings.services.imports import filing_import
from tradereg.filings.services.personal_data import id_number_reveal
from tradereg.filings.services.review import (
    RETURNABLE_FIELDS,
    filing_approve,
    filing_cancel,
    filing_return,
    note_add,
)

__all__ = [
    "RETURNABLE_FIELDS",
    "REVISION_FIELDS",
    "TransitionNotAllowed",
    "account_claim_complete",
    "account_claim_find",
    "account_claim_invite",
    "attachment_add",
    "attachment_delete",
    "filing_approve",
    "filing_cancel",
    "filing_create",
    "filing_import",
    "filing_report",
    "filing_return",
    "filing_save",
    "id_number_reveal",
    "ie_code_for",
    "missing_required_attachments",
    "note_add",
    "operator_code_for",
]
