"""In a real terminal (a pseudo-terminal), missing fields are prompted for and
imports show a progress bar."""

from __future__ import annotations

import os
import pty
import selectors
import subprocess
import sys
import time
from pathlib import Path

from conftest import SEEDS

SCRIPT = Path(sys.executable).with_name("tracker")


def run_in_terminal(args: list[str], db: Path, answers: list[str], timeout: float = 60) -> str:
    """Run the command on a pty, typing each answer after the next prompt."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "tester", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [str(SCRIPT), *args], stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    selector.register(leader, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                try:
                    chunk = os.read(leader, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if pending and seen.rstrip().endswith(b":"):
                    os.write(leader, pending.pop(0).encode() + b"\n")
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
    finally:
        selector.close()
        os.close(leader)
    assert proc.returncode == 0, seen.decode(errors="replace")
    return seen.decode(errors="replace")


def test_prompts_for_missing_fields_in_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    screen = run_in_terminal(
        ["add-question", "--slug", "typed-in"],
        db,
        [
            "Typed at the prompt",
            "YES if it happens",
            "2027-06-30",
        ],
    )
    assert "Title:" in screen and "Resolution criteria:" in screen
    screen = run_in_terminal(["show", "typed-in"], db, [])
    assert "Typed at the prompt" in screen and "2027-06-30" in screen


def test_import_shows_progress_in_a_terminal(tmp_path: Path) -> None:
    screen = run_in_terminal(["import", str(SEEDS)], tmp_path / "t.db", [])
    assert "importing" in screen and "100%" in screen


def test_a_wrong_answer_is_asked_again_and_nothing_typed_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    screen = run_in_terminal(
        ["add-question", "--slug", "asked-again"],
        db,
        ["Typed at the prompt", "   ", "YES if it happens", "30/06/2027", "2027-02-30",
         "2027-06-30"],
    )  # fmt: skip
    assert "must not be blank" in screen
    assert "expected a date as YYYY-MM-DD" in screen and "is not a real date" in screen
    screen = run_in_terminal(["show", "asked-again"], db, [])
    assert "Typed at the prompt" in screen and "YES if it happens" in screen
    assert "2027-06-30" in screen
