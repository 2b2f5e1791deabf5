"""Changes to the site-wide content kept by national admins (announcements)."""

from django.db import transaction

from tradereg.core import pagecache
from tradereg.core.models import Announcement
from tradereg.regulations.markup import render_markdown


def announcement_save(*, announcement: Announcement) -> Announcement:
    """Save an announcement with its body rendered once to sanitised HTML (the home page
    shows ``body_html`` instead of running Markdown per request), and retire the cached
    anonymous pages after commit so that the change shows at once. Idempotent."""
    announcement.body_html = str(render_markdown(announcement.body))
    with transaction.atomic():
        announcement.save()
        transaction.on_commit(pagecache.version_bump)
    return announcement


def announcement_delete(*, announcement: Announcement) -> None:
    """Delete an announcement and retire the cached anonymous pages after commit."""
    with transaction.atomic():
        announcement.delete()
        transaction.on_commit(pagecache.version_bump)
