"""The clinician summary of a dense year prints on at most two A4 pages and fits a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser

from backend.sharing.render import render_summary
from backend.sharing.summary import build_summary
from tests.browser.conftest import PHONE, save_screenshot
from tests.unit.test_share_summary import dense_year

pytestmark = pytest.mark.browser

AS_OF = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def dense_page() -> str:
    records, scope = dense_year()
    summary = build_summary(records, scope, today=scope.end, as_of=AS_OF)
    return render_summary(summary, base_path="/s/TOKEN")


def test_a_dense_year_prints_on_two_a4_pages_at_most(browser: Browser, dense_page: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.set_content(dense_page)
        save_screenshot(page, "share-summary-1280")
        pdf = page.pdf(format="A4")
    finally:
        page.close()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert 1 <= pages <= 2, f"{pages} pages"


def test_a_dense_year_fits_a_phone_without_sideways_scrolling(
    browser: Browser, dense_page: str
) -> None:
    page = browser.new_page(viewport=PHONE)
    try:
        page.set_content(dense_page)
        save_screenshot(page, "share-summary-390")
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        wider = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                 .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        sections = page.locator("main > section h2").all_inner_texts()
    finally:
        page.close()
    assert widths[0] <= widths[1], wider
    assert not wider
    assert [s.split(" ", 1)[0] for s in sections] == ["1", "2", "3", "4", "5", "6", "7"]
