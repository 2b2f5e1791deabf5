"""Background work of accounts, run by the task worker (``manage.py db_worker``)."""

from django_tasks import task

from tradereg.accounts import security


@task()
def dormant_staff_disable_task() -> list[str]:
    """Disable staff accounts without a login for 90 days (see disable_dormant_staff)."""
    return security.dormant_staff_disable()
