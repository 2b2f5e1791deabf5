"""Schemathesis against the OpenAPI document, through the WSGI application: every
operation, generated inputs, zero server errors and zero answers outside the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tradereg.wsgi import application

from .helpers import approved, key_for

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def api_schema(db, settings):
    """The document as the WSGI app serves it. The start and end of a request would
    close the test's connection (inside its transaction); Django's test client keeps it
    open the same way."""
    settings.API_RATE_ANONYMOUS_PER_MINUTE = 1_000_000
    settings.API_BATCH_ANONYMOUS_PER_MINUTE = 1_000_000
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    approved(name_cn="北京华兴进出口有限公司")
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("with_key", [False, True], ids=["anonymous", "with a key"])
def test_api_conforms_to_its_schema(api_schema, with_key):
    """Each operation in turn (schemathesis's pytest plugin does not run on this pytest:
    the same checks through its Python API). Every check runs but "schema-valid data is
    accepted": an opaque cursor or a one-character name is schema-valid text that the
    API rightly refuses (400 cursor_invalid, 422 query_too_short)."""
    headers = {}
    if with_key:
        # Every scope, so that the watch operations get past the key check too.
        headers["Authorization"] = f"Bearer {key_for(('read', 'bulk', 'watch'))}"
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
        checked.append(operation.label)
    assert len(checked) == 15, checked  # with the seven of /watches
