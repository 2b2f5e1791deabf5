"""Settings of the server `make loadtest` measures: the project's own (production mode,
from the environment the command sets) plus the bare view beside the real pages."""

from tradereg.settings import *  # noqa: F403

ROOT_URLCONF = "tradereg.devtools.loadtest_urls"
