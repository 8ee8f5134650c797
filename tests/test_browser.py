"""The site in a real browser: headless Chromium on `tracker serve`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(seeded: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    tracker = Path(sys.executable).with_name("tracker")
    proc = subprocess.Popen(
        [str(tracker), "--db", str(seeded), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read().decode() if proc.stdout else "serve exited")
            time.sleep(0.2)
    yield base, seeded.stem
    proc.terminate()
    proc.wait(timeout=10)


def chromium(*args: str) -> str:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        result = subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=90,
        )  # fmt: skip
        return result.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_scoreboard_page_in_chromium(served) -> None:  # type: ignore[no-untyped-def]
    base, name = served
    url = f"{base}/{name}/scoreboard"
    dom = chromium("--dump-dom", url)
    for speaker in ("Kim Tae-hyung", "Many experts (unnamed)", "Ban Kil-joo", "Koh Yu-hwan"):
        assert speaker in dom
    assert "Scoreboard" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "scoreboard.png"
    shot.unlink(missing_ok=True)
    chromium("--window-size=1400,900", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_per_claim_views_are_offered_as_stored_queries(served) -> None:  # type: ignore[no-untyped-def]
    base, name = served
    page = chromium("--dump-dom", f"{base}/{name}")
    # The stored queries are offered on the database page; the per-claim views are not.
    for query in ("claim_on_every_scale", "question_scores", "claims_by_status"):
        assert f'href="/{name}/{query}"' in page, query
    for view in ("claim_scores", "claim_probabilities_by_scale", "score_members"):
        assert f'href="/{name}/{view}"' not in page, view
    assert f'href="/{name}/question_status"' in page
    void = chromium("--dump-dom", f"{base}/{name}/claims_by_status?status=void")
    assert "Claims by status" in void
    # The two void claims of the seeds: a question found unresolvable, one annulled.
    assert "eventually meet for talks again in the coming months" in void
    assert "unlikely to produce meaningful results" in void
