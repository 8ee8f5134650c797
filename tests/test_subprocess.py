"""The real command as a user runs it: the console script, ``python -m tracker``,
and a plain non-editable install into a fresh virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

SCRIPT = Path(sys.executable).with_name("tracker")


def run(cmd: list[str], db: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "tester"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.parametrize("entry", [[str(SCRIPT)], [sys.executable, "-m", "tracker"]])
def test_command_line_end_to_end(entry: list[str], tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert run([*entry, "import", str(SEEDS)], db).returncode == 0
    listed = run([*entry, "list", "--speaker", "Kim Tewo", "--json"], db)
    assert listed.returncode == 0
    assert {r["speaker"] for r in json.loads(listed.stdout)} == {"Kim Taewoo"}
    shown = run([*entry, "show", "trump-kim-meet-during-korea-visit"], db)
    assert "NO on 2025-10-29" in shown.stdout

    bad = run(
        [
            *entry,
            "add-outcome",
            "no-such-question",
            "yes",
            "--on",
            "2026-01-01",
            "--evidence",
            "https://example.org",
        ],
        db,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == 'Error: no question "no-such-question"'
    assert "Traceback" not in bad.stdout + bad.stderr

    helped = run([*entry, "--help"], db)
    assert helped.returncode == 0 and "Example" in helped.stdout


def test_non_editable_install_creates_and_migrates_a_database(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [
        str(env_dir / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, str(ROOT)], check=True, capture_output=True, timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    db = work / "fresh.db"
    python = str(env_dir / "bin" / "python")
    where = run(
        [python, "-c", "import tracker, pathlib; print(pathlib.Path(tracker.__file__).parent)"],
        db,
        cwd=work,
    )
    package = Path(where.stdout.strip())
    assert package.is_relative_to(env_dir), "must use the installed copy, not the source tree"
    assert (package / "_migrations" / "env.py").is_file()

    tracker = str(env_dir / "bin" / "tracker")
    init = run([tracker, "init"], db, cwd=work)
    assert init.returncode == 0, init.stderr
    assert "up to date" in init.stdout
    assert run([tracker, "import", str(SEEDS)], db, cwd=work).returncode == 0
    listed = run([tracker, "list", "--json"], db, cwd=work)
    assert len(json.loads(listed.stdout)) >= 12
    assert "head" in run([tracker, "db", "current"], db, cwd=work).stdout
