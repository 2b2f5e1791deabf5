"""What a person does on the enterprise pages, for the browser tests of several apps."""

from urllib.parse import urlsplit

from playwright.sync_api import Page


def upload(page: Page, kind: str, path) -> None:
    """Choose the 附件类型, pick the file and press 上传, as on the filing's page."""
    page.get_by_label("附件类型").select_option(label=kind)
    page.get_by_label("选择文件").set_input_files(path)
    page.get_by_role("button", name="上传", exact=True).click()


def posts_to(page: Page, path: str) -> list:
    """The POST requests the page sends to ``path`` from now on."""
    sent: list = []
    page.on(
        "request",
        lambda request: (
            sent.append(request)
            if request.method == "POST" and urlsplit(request.url).path == path
            else None
        ),
    )
    return sent
