"""axe-core in the browser tests: a page's violations of serious or critical impact.

The engine is the one axe-playwright-python ships (no download); it runs in the page
as it stands, so a test calls it after each step of a journey.
"""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = frozenset({"serious", "critical"})

_axe = Axe()


def axe_violations(page: Page, *, impacts: frozenset[str] = BLOCKING) -> list[str]:
    """One line per violated rule of ``impacts``: its id, impact and first elements."""
    results = _axe.run(page)
    return [
        f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes']][:3]}"
        for rule in results.response["violations"]
        if rule["impact"] in impacts
    ]
