"""What the registry tells other apps, inside the publishing transaction.

The open-data change log listens (``tradereg.opendata``): it must be written in the same
transaction as the publication, but the registry may not import an app that reads it.
"""

from django.dispatch import Signal

# Sent with ``operator``: one operator published (new, changed or cancelled).
operator_published = Signal()
# Sent with ``rows``: operators published for the first time in bulk (an import), as the
# dicts ``registry_publish_new`` wrote.
operators_published_new = Signal()
