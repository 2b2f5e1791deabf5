"""The one PDF helper: the form's own HTML and style sheet, laid out by WeasyPrint.

The Chinese text is set in Noto Sans CJK from the ``noto-cjk-sans-otc`` package through an
``@font-face`` rule with a ``file://`` URL, so nothing is fetched at run time; the fetcher
refuses every other file and every network URL. ``lang="zh-CN"`` on the document makes
HarfBuzz pick the simplified Chinese glyph forms of the collection.

The font configuration and the parsed style sheets are kept per thread: building them
copies the 19 MB font and costs more than laying out a page, and WeasyPrint objects are
not shared between threads.
"""

import atexit
import logging
import threading
from functools import cache
from pathlib import Path

import noto_cjk_sans_otc
from django.contrib.staticfiles import finders

FONT_FAMILY = "FormCJK"
STYLESHEET = "printing/form.css"

_local = threading.local()

# WeasyPrint reports every step at INFO; through the console handler that doubled the time
# of a render. Its warnings (a missing font, an unknown CSS property) still get through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@atexit.register
def _release() -> None:
    """Drop the font configuration before interpreter shutdown tears its modules down."""
    _local.__dict__.clear()


@cache
def font_path() -> Path:
    return Path(str(noto_cjk_sans_otc.FONT_PATH)).resolve()


@cache
def stylesheet_path() -> Path:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(STYLESHEET)
    return Path(found)


def _fetcher():
    from weasyprint.urls import URLFetcher

    allowed = {font_path().as_uri(), stylesheet_path().as_uri()}

    class LocalOnlyFetcher(URLFetcher):
        """data: URLs and the two files above; nothing from the network or elsewhere."""

        def fetch(self, url, headers=None):
            if url.startswith("data:") or url.split("?")[0] in allowed:
                return super().fetch(url, headers)
            raise ValueError(f"not fetched while rendering a form: {url}")

    return LocalOnlyFetcher(allowed_protocols={"file", "data"})


def _resources():
    resources = getattr(_local, "resources", None)
    if resources is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = _fetcher()
        fonts = FontConfiguration()
        font_face = CSS(
            string=(
                f'@font-face {{ font-family: "{FONT_FAMILY}"; '
                f'src: url("{font_path().as_uri()}"); }}'
            ),
            font_config=fonts,
            url_fetcher=fetcher,
        )
        sheet = CSS(filename=str(stylesheet_path()), font_config=fonts, url_fetcher=fetcher)
        resources = _local.resources = (fonts, [font_face, sheet], fetcher)
    return resources


def render_pages(html: str) -> list[bytes]:
    """Lay ``html`` out once and return each page as a PDF of its own.

    The form is one HTML document with one ``.sheet`` per page, so the front and the back
    come from a single layout pass; only the font subsetting is paid per page.
    """
    from weasyprint import HTML

    fonts, stylesheets, fetcher = _resources()
    document = HTML(string=html, url_fetcher=fetcher)
    rendered = document.render(stylesheets=stylesheets, font_config=fonts)
    return [rendered.copy([page]).write_pdf() for page in rendered.pages]
