"""The verification codes move into the registry's published forms (decision 0013).

Every approved revision the public can print or verify gets its ``PublishedForm``: a code
already printed keeps its value (and its superseded form stays verifiable); an approved
revision nobody has printed yet gets a new code now. The values are taken from the
revision, which never changes, as the publish service writes them; the ID number only
masked.
"""

import secrets
from itertools import islice

from django.db import migrations
from django.db.models import Q
from django.utils import dateformat

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32, as the registry's
BATCH = 200


def _masked(value):
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _amount(value):
    return format(value.normalize(), "f")


def _new_code(taken):
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        if code not in taken:
            taken.add(code)
            return code


def forms_from_codes_and_filings(apps, schema_editor):
    VerificationCode = apps.get_model("printing", "VerificationCode")
    PublishedForm = apps.get_model("registry", "PublishedForm")
    PublishedOperator = apps.get_model("registry", "PublishedOperator")
    FilingRevision = apps.get_model("filings", "FilingRevision")

    # (filing id, revision number) -> (code or None, approved_at)
    wanted = {
        (entry.filing_id, entry.revision_number): (entry.code, entry.approved_at)
        for entry in VerificationCode.objects.all()
    }
    for filing_id, number, approved_at in PublishedOperator.objects.values_list(
        "filing_id", "revision_number", "approved_at"
    ):
        wanted.setdefault((filing_id, number), (None, approved_at))
    done = set(PublishedForm.objects.values_list("filing_id", "revision_number"))
    taken = set(PublishedForm.objects.values_list("code", flat=True))
    taken |= {code for code, _at in wanted.values() if code}
    keys = iter(sorted(key for key in wanted if key not in done))
    while batch := list(islice(keys, BATCH)):
        match = Q()
        for filing_id, number in batch:
            match |= Q(filing_id=filing_id, number=number)
        revisions = FilingRevision.objects.filter(match).select_related(
            "filing", "operator_type", "currency", "authority"
        )
        rows = []
        for revision in revisions:
            filing = revision.filing
            code, approved_at = wanted[(filing.pk, revision.number)]
            rows.append(
                PublishedForm(
                    filing_id=filing.pk,
                    revision_number=revision.number,
                    code=code or _new_code(taken),
                    system_no=filing.system_no,
                    form_no=filing.form_no or "",
                    ie_code=filing.ie_code or "",
                    operator_code=filing.operator_code,
                    name_cn=revision.name_cn,
                    name_en=revision.name_en,
                    uscc=revision.uscc,
                    org_code=revision.org_code or revision.uscc[8:17],
                    operator_type=revision.operator_type.name,
                    section=revision.operator_type.section,
                    residence=revision.residence,
                    premises_cn=revision.premises_cn,
                    premises_en=revision.premises_en,
                    phone=revision.phone,
                    fax=revision.fax,
                    postcode=revision.postcode,
                    email=revision.email,
                    registration_date=dateformat.format(revision.registration_date, "Y年n月j日"),
                    registration_no=revision.registration_no,
                    representative=revision.representative,
                    id_type=revision.get_id_type_display(),
                    masked_id_number=_masked(revision.id_number),
                    capital=_amount(revision.capital),
                    currency=revision.currency.name,
                    capital_usd=_amount(revision.capital_usd),
                    remarks=revision.remarks,
                    authority_name=revision.authority.name,
                    approved_at=approved_at,
                )
            )
        PublishedForm.objects.bulk_create(rows)


def codes_from_forms(apps, schema_editor):
    """Back to the old table: the codes and the fields it held."""
    VerificationCode = apps.get_model("printing", "VerificationCode")
    PublishedForm = apps.get_model("registry", "PublishedForm")
    VerificationCode.objects.bulk_create(
        [
            VerificationCode(
                code=form.code,
                filing_id=form.filing_id,
                revision_number=form.revision_number,
                form_no=form.form_no,
                ie_code=form.ie_code,
                name_cn=form.name_cn,
                name_en=form.name_en,
                uscc=form.uscc,
                org_code=form.org_code,
                authority_name=form.authority_name,
                approved_at=form.approved_at,
            )
            for form in PublishedForm.objects.iterator()
        ],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("filings", "0006_remove_decision"),
        ("printing", "0001_initial"),
        ("registry", "0003_published_form"),
    ]

    operations = [
        migrations.RunPython(forms_from_codes_and_filings, codes_from_forms),
        migrations.DeleteModel(
            name="VerificationCode",
        ),
    ]
