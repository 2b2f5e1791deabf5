"""Attachments on S3-compatible storage (MEDIA_STORAGE=s3), as private as on the disk.

The bucket is a private back room of the app: objects get no ACL of their own (so the
bucket's private default, and no canned ACL for stores that refuse them), no signed
address is ever made, and a name is never overwritten. People get files only through the
app's own views, which check who may see them.
"""

from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Fixed, whatever the options say: these are what keeps the bucket private.
        self.default_acl = None
        self.querystring_auth = False
        # A replaced attachment keeps its earlier file: a second upload under the same
        # name gets a new name instead of overwriting the first.
        self.file_overwrite = False

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        """The name under MEDIA_URL, as the disk storage gives it; never the bucket's
        address nor a signed link that would bypass the app's permission checks."""
        return urljoin(settings.MEDIA_URL or "", filepath_to_uri(name))
