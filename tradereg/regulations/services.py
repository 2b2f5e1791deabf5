"""State changes for 法律法规: loading the committed seed list."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.db import transaction

from tradereg.regulations.models import Regulation

REGULATIONS_JSON = Path(__file__).resolve().parent / "data" / "regulations.json"


def regulations_load(*, path: Path | None = None) -> int:
    """Create the seed documents that are missing; return how many were created.

    Idempotent: documents are matched by their stable ``slug`` and an existing one is
    never touched, so whatever a national admin has edited (status, body, attachment,
    links) survives a reload. Related-document links are set only on the documents
    this call creates. One transaction; no other side effects.
    """
    with (path or REGULATIONS_JSON).open(encoding="utf-8") as handle:
        entries = json.load(handle)
    created: list[tuple[Regulation, list[str]]] = []
    with transaction.atomic():
        for entry in entries:
            regulation, was_created = Regulation.objects.get_or_create(
                slug=entry["slug"], defaults=_fields(entry)
            )
            if was_created:
                created.append((regulation, entry.get("related", [])))
        slugs = {slug for _, related in created for slug in related}
        by_slug = Regulation.objects.in_bulk(slugs, field_name="slug")
        for regulation, related in created:
            unknown = set(related) - by_slug.keys()
            if unknown:
                raise ValueError(f"{regulation.slug}: unknown related documents {sorted(unknown)}")
            regulation.related.add(*(by_slug[slug] for slug in related))
    return len(created)


def _fields(entry: dict) -> dict:
    body = entry.get("body", "")
    return {
        "title": entry["title"],
        "doc_no": entry.get("doc_no", ""),
        "kind": Regulation.Kind(entry["kind"]),
        "issuer": entry["issuer"],
        "issued_on": _date(entry.get("issued_on")),
        "effective_on": _date(entry.get("effective_on")),
        "status": Regulation.Status(entry["status"]),
        "source_url": entry.get("source_url", ""),
        "sort_order": entry.get("sort_order", 100),
        "body": "\n".join(body) if isinstance(body, list) else body,
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
