"""A coarse name for the device that opened a share ("Safari on iPhone"), for the person's
access log. The full user-agent is never stored: it identifies a browser too precisely."""

from __future__ import annotations

# First match wins: Edge and Opera say "Chrome" too, Chrome on iOS says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def coarse_agent(user_agent: str) -> str:
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser is None:
        # curl, a clinic system importing the FHIR file, a link preview bot...
        return "A program" if system is None else f"A program on {system}"
    return browser if system is None else f"{browser} on {system}"
