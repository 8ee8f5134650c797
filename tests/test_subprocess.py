"""The real command as a user runs it: the console script, ``python -m tracker``,
and a plain non-editable install into a fresh virtual environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from tracker.config import DISTRIBUTION

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


def _distribution() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]


def test_wheel_and_sdist_build_and_the_wheel_creates_and_upgrades_a_database(
    tmp_path: Path,
) -> None:
    """The distribution builds under its own name (not "tracker", someone
    else's on the package index); the wheel, installed into a fresh
    environment, creates a database and upgrades an old one."""
    name = _distribution()
    assert name == DISTRIBUTION != "tracker"
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--sdist",
         "--outdir", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    stem = name.replace("-", "_")
    (wheel,) = dist.glob(f"{stem}-*-py3-none-any.whl")
    (sdist,) = dist.glob(f"{stem}-*.tar.gz")
    with zipfile.ZipFile(wheel) as zipped:
        files = set(zipped.namelist())
        (meta,) = [f for f in files if f.endswith(".dist-info/METADATA")]
        assert f"Name: {name}\n" in zipped.read(meta).decode()
        entry_points = next(f for f in files if f.endswith(".dist-info/entry_points.txt"))
        assert "tracker = tracker.cli:cli" in zipped.read(entry_points).decode()
    assert {"tracker/_migrations/env.py", "tracker/templates/tracker_scorecard.html"} <= files
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "tracker/cli.py", "migrations/env.py", "README.md"} <= names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]  # fmt: skip
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=600)
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

    tracker = str(env_dir / "bin" / "tracker")
    init = run([tracker, "init"], db, cwd=work)
    assert init.returncode == 0, init.stderr
    assert "up to date" in init.stdout
    assert run([tracker, "import", str(SEEDS)], db, cwd=work).returncode == 0
    listed = run([tracker, "list", "--json"], db, cwd=work)
    assert len(json.loads(listed.stdout)) >= 12
    assert "head" in run([tracker, "db", "current"], db, cwd=work).stdout

    old = work / "old.db"  # a database written by tracker at schema 0013
    shutil.copyfile(ROOT / "tests" / "fixtures" / "schema" / "0013.db", old)
    upgraded = run([tracker, "db", "upgrade"], old, cwd=work)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "head" in run([tracker, "db", "current"], old, cwd=work).stdout


def test_every_install_hint_names_the_distribution() -> None:
    """An install hint that said `pip install 'tracker[...]'` would install
    someone else's package: every hint in the code and the README names ours."""
    hints = re.compile(r"pip install '([\w.-]+)\[")
    texts = [ROOT / "README.md", *sorted((ROOT / "tracker").rglob("*.py"))]
    found = []
    for path in texts:
        found += [(path.name, m.group(1)) for m in hints.finditer(path.read_text())]
    assert found, "the hints are where this test looks"
    assert {name for _, name in found} == {_distribution()}, found
