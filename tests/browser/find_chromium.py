"""Prints the Chromium that browser tests use; installs Playwright's build when none is found."""

import os
import subprocess
import sys
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CANDIDATES = [os.environ.get("CHROMIUM", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
FIX = "No Chromium for the browser tests. Install it: apt-get install chromium (or set CHROMIUM=/path)."


def playwright_chromium() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
    except Exception:
        return None
    return path if Path(path).exists() else None


def find_chromium() -> str | None:
    for candidate in CANDIDATES:
        if candidate and Path(candidate).exists():
            return candidate
    return playwright_chromium()


def main() -> int:
    path = find_chromium()
    if path is None:
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)
        path = playwright_chromium()
    if path is None:
        print(FIX, file=sys.stderr)
        return 1
    print(f"Chromium for browser tests: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
