"""The README stays true: every command and every option is documented there."""

from __future__ import annotations

import re
from collections.abc import Iterator

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
        and opt not in ("--help", "--table", "--json", "--csv", "--nl")
        and opt not in text
    ]
    assert not missing, f"{path}: {missing} not in its README section"


def test_output_options_are_documented() -> None:
    for opt in ("--json", "--csv", "--nl"):
        assert opt in README
