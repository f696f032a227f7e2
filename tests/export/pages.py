"""Opening an exported page offline, and what every exported page of the test notebook must show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def open_offline(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    """The page from disk in a context that aborts and records every request that is not the file itself."""
    context = browser.new_context()
    attempted: list[str] = []
    page_url = path.as_uri()

    def refuse(route: Any) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route(lambda url: url != page_url and not url.startswith(("blob:", "data:")), refuse)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    local = ("blob:", "data:")
    page.on("request", lambda r: None if r.url == page_url or r.url.startswith(local) else attempted.append(r.url))
    page.goto(page_url)
    page.wait_for_selector("html[data-awc-rendered=true]")
    return context, page, attempted, errors


def check_exported_page(browser: Any, path: Path, first: int = 5) -> None:
    """What every exported page of the test notebook must show, live and offline (``first``: the first
    clicker's saved count)."""
    html = path.read_text(encoding="utf-8")
    assert re.search(r"""(src|href)=["']?(https?:|//)""", html) is None
    context, page, attempted, errors = open_offline(browser, path)
    try:
        assert page.inner_text("h1") == "Exported notebook"  # markdown, rendered
        assert page.inner_text("em") == "emphasis"
        assert page.locator("li").all_inner_texts() == ["first item", "second item"]
        assert "hello from the kernel" in page.locator("pre.awc-stream").all_inner_texts()[0]
        assert page.inner_text(".from-html") == "bold html"
        size = page.evaluate(
            "() => [document.querySelector('.awc-output img')].map((i) => [i.naturalWidth, i.naturalHeight])[0]"
        )
        assert size == [4, 3]  # the PNG decoded
        page.wait_for_selector(".holder-child .clicker")
        assert page.locator(".clicker").all_inner_texts() == [f"{first} / 45", "7 / 2"]  # binary field and child
        assert page.inner_text(".holder-title") == "holder"
        page.locator(".clicker").first.click()  # live: a click changes the widget in the page
        page.wait_for_function(f"document.querySelector('.clicker').textContent === '{first + 1} / 45'")
        assert page.inner_text(".plain-anywidget") == "n=3"  # anywidget's own AnyWidget renders as well
        page.click(".plain-anywidget")
        page.wait_for_function("document.querySelector('.plain-anywidget').textContent === 'n=4'")
        fallback = page.locator(".awc-fallback")
        assert fallback.count() == 1 and fallback.is_visible()
        assert "IntSlider" in fallback.inner_text() and "not an anywidget widget" in fallback.inner_text()
        assert page.inner_text("#awc-errors") == ""
        assert errors == []
    finally:
        context.close()
    assert attempted == []
