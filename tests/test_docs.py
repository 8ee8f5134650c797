"""The README stays true: every command and every option is documented there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from conftest import ROOT

from tracker.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "tracker") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL = dict(commands(cli))


def section(path: str) -> str:
    """The README section whose heading names the command (``### `tracker db upgrade |
    downgrade``` names each db command)."""
    parent = path.rpartition(" ")[0]
    for chunk in README.split("\n### ")[1:]:
        heading = chunk.splitlines()[0]
        names = [n.strip(" `") for n in heading.split("|")]
        full = [names[0]] + [f"{parent} {n}" for n in names[1:]]
        if path in full:
            return chunk
    return ""


@pytest.mark.parametrize("path", list(ALL))
def test_command_has_a_section_with_an_example(path: str) -> None:
    text = section(path)
    assert text, f"README has no section for {path}"
    body = text.split("\n", 1)[1]
    assert re.search(rf"^{re.escape(path)}(\s|$)", body, re.M), f"no example for {path}"


@pytest.mark.parametrize("path", list(ALL))
def test_every_option_is_documented_in_its_section(path: str) -> None:
    text = section(path)
    missing = [
        opt
        for param in ALL[path].params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
        and opt not in ("--help", "--table", "--json", "--csv", "--csv-raw", "--nl")
        and opt not in text
    ]
    assert not missing, f"{path}: {missing} not in its README section"


def test_output_options_are_documented() -> None:
    for opt in ("--json", "--csv", "--csv-raw", "--nl"):
        assert opt in README


def _block_after(marker: str) -> list[str]:
    """The lines of the first code block after ``marker``, continuation lines joined."""
    text = README.split(marker, 1)[1].split("```", 2)[1]
    return text.replace("\\\n", " ").strip().splitlines()


def test_the_quick_start_and_the_corrections_run_as_written(tmp_path: Path) -> None:
    """The README's example, then its correction examples, on a new database."""
    script = Path(sys.executable).with_name("tracker")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "tracker").symlink_to(script)
    lines = _block_after("From nothing to a recorded outcome")
    edits = [line for line in _block_after("### `tracker edit claim") if line.startswith("tracker")]
    retract = _block_after("### `tracker retract claim")[0]
    commands = "\n".join([*lines, *(f".venv/bin/{line}" for line in [*edits, retract])])
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    done = subprocess.run(
        ["bash", "-e", "-c", commands], cwd=tmp_path, env={**env, "TRACKER_USER": "reader"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "YES on 2026-05-02" in done.stdout and "trade minister" in done.stdout
    assert "RETRACTED" not in done.stdout  # the retraction came last
    assert (tmp_path / "tracker.db").is_file()
