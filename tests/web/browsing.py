"""What the browser tests share: Debian's chromium driven by Playwright, the application served by uvicorn in a
thread, and screenshots (test-screenshots/, and docs/images/ when AIDLEDGER_DOC_SHOTS=1: the committed copies change
only when asked, as their dates and times would at every run). A test module imports the `browser` fixture it uses."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn
from playwright import sync_api as playwright_api

from aidledger.web.app import create_app
from aidledger.web.thresholds import Thresholds

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-screenshots"
DOC_IMAGES = ROOT / "docs" / "images"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(url: str, clock: Callable[[], datetime] | None = None,
            thresholds: Thresholds | None = None) -> Iterator[str]:
    """The application on `url` served by uvicorn in a thread; its base URL."""
    application = create_app(url, thresholds=thresholds) if clock is None else \
        create_app(url, clock=clock, thresholds=thresholds)
    config = uvicorn.Config(application, host="127.0.0.1", port=free_port(), log_level="warning")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        served.should_exit = True
        thread.join(timeout=30)
        application.state.database.dispose()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (make os-deps)"
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page, name: str, *, full_page: bool = True) -> None:
    """test-screenshots/NAME.png, and docs/images/NAME.png when AIDLEDGER_DOC_SHOTS=1 (the whole page, or what
    the window shows)."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
    if os.environ.get("AIDLEDGER_DOC_SHOTS") == "1":
        shutil.copyfile(SHOTS / f"{name}.png", DOC_IMAGES / f"{name}.png")
