"""Errors any app may raise."""

from django.http import Http404


class OutOfScope(Http404):
    """The object exists but is not the asker's: answered as a plain 404 (its existence is
    not disclosed) and recorded as a refused access by the audit middleware."""

    def __init__(self, object_type: str, object_id: int | str) -> None:
        super().__init__()
        self.object_type = object_type
        self.object_id = object_id
