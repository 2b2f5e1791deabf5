"""The demo data `make run` loads on an empty database: every step through the services."""

import pytest
from django.core.management import call_command

from tradereg.accounts.models import User
from tradereg.filings.models import Filing, FilingEvent, Status
from tradereg.registry.models import PublishedOperator

pytestmark = pytest.mark.django_db


def test_demo_data_loads_through_the_real_transitions():
    call_command("demo_data", "--operators", "12", verbosity=0)
    assert set(User.objects.values_list("username", flat=True)) >= {
        "mofcom",
        "beijing",
        "shanghai",
        "guangdong",
        "demo-enterprise",
    }
    beijing = Filing.objects.filter(authority__code="110000")
    assert beijing.filter(status=Status.REPORTED).count() == 4
    change = beijing.get(status=Status.REPORTED, reported_as_change=True)
    # The change was reported with a scan signed for the changed form.
    signed = change.attachments.get(kind="signed_form")
    assert signed.revision == change.current_revision
    assert change.all_attachments.filter(kind="signed_form", replaced_at__isnull=False).exists()
    assert change.events.filter(kind=FilingEvent.Kind.APPROVED).count() == 1
    demo = Filing.objects.get(owner__username="demo-enterprise")
    assert demo.status == Status.APPROVED
    assert PublishedOperator.objects.filter(filing_id=demo.pk).exists()
    assert PublishedOperator.objects.count() == 12 + 2  # imports, demo-enterprise, the change
