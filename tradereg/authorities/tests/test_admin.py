"""Adding an entrusted county-level authority in the admin."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from tradereg.authorities.models import Authority

pytestmark = pytest.mark.usefixtures("reference_data")


def test_admin_fills_in_the_parent_of_a_new_county_level_authority():
    model_admin = site._registry[Authority]
    authority = Authority(code="330782", name="义乌市商务局", region_id="330782")
    model_admin.save_model(RequestFactory().post("/"), authority, form=None, change=False)
    assert Authority.objects.get(code="330782").parent.code == "330700"


def test_admin_keeps_a_chosen_parent():
    model_admin = site._registry[Authority]
    zhejiang = Authority.objects.get(code="330000")
    authority = Authority(code="330782", name="义乌市商务局", region_id="330782", parent=zhejiang)
    model_admin.save_model(RequestFactory().post("/"), authority, form=None, change=False)
    assert Authority.objects.get(code="330782").parent == zhejiang
