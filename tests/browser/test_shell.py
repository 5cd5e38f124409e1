"""The app shell loads in Chromium from the real server, under the real CSP."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext


def test_shell_loads_without_csp_violations_and_offers_help(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(server_url + "/")
    assert response is not None
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert page.title() == "Tend"
    help_link = page.get_by_role("link", name="Get help")
    help_link.wait_for()
    assert help_link.is_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
