"""A seed file's ``text_file`` stays in the seed file's folder: no absolute path,
no ``..`` or symlink leading out, only regular UTF-8 files under the size limit.
A refused text_file fails the whole import, and nothing is written."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke, assert_plain_error

from tracker.services import importer

SECRET = "the launch codes are 0000"
GOOD = "Officials said a meeting was unlikely."


def seed(folder: Path, text_file: str, name: str = "x.json") -> Path:
    """A seed file with a good source, a person, and one source whose text comes
    from ``text_file``: a refusal must leave all of them out."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = {
        "sources": [
            {"slug": "good", "title": "Good", "text": GOOD},
            {"slug": "from-file", "title": "From a file", "text_file": text_file},
        ],
        "people": [{"name": "Ban Kil-joo", "kind": "person"}],
    }
    path.write_text(json.dumps(data), "utf-8")
    return path


def nothing_written(db: Path) -> None:
    if not db.exists():
        return
    conn = sqlite3.connect(db)
    try:
        for table in ("sources", "people"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    finally:
        conn.close()


def refused(invoke: Invoke, db: Path, path: Path, *expected: str) -> str:
    """Import ``path``, expect one plain error line holding each of ``expected``,
    and check that nothing was written."""
    result = invoke("import", str(path), ok=False)
    assert result.exit_code == 1
    line = next(x for x in result.stderr.splitlines() if x.startswith("Error:"))
    for part in expected:
        assert part in line, line
    assert SECRET not in result.output + result.stderr
    nothing_written(db)
    return line


def _memory_cap() -> None:
    """In the child: a regression reading /dev/zero runs out of memory at 4 GB
    instead of taking the machine's."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def refused_in_subprocess(db: Path, path: Path, *expected: str) -> str:
    """As ``refused``, in a child process with a timeout (and a memory cap): a
    file that blocks or never ends fails the test instead of hanging it."""
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_USER": "tester"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "import", str(path)],
            capture_output=True, text=True, env=env, timeout=60, preexec_fn=_memory_cap,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"importing {path} hung")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert_plain_error(result.stderr)
    line = next(x for x in result.stderr.splitlines() if x.startswith("Error:"))
    for part in expected:
        assert part in line, line
    nothing_written(db)
    return line


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The seed folder, with a secret one level up (outside it)."""
    (tmp_path / "secret.txt").write_text(SECRET, "utf-8")
    return tmp_path / "seeds"


OUTSIDE = "is outside the seed file's folder"


def test_an_absolute_path_is_refused(invoke: Invoke, db_path: Path, folder: Path) -> None:
    path = seed(folder, "/etc/passwd")
    line = refused(invoke, db_path, path, f"{path}: sources[1]: text_file: /etc/passwd {OUTSIDE}")
    assert line.endswith("(give a path inside it)")


def test_an_absolute_path_inside_the_folder_is_refused_too(
    invoke: Invoke, db_path: Path, folder: Path
) -> None:
    (folder / "article.txt").parent.mkdir(parents=True)
    (folder / "article.txt").write_text(GOOD, "utf-8")
    path = seed(folder, str(folder / "article.txt"))
    refused(invoke, db_path, path, "sources[1]: text_file:", OUTSIDE)


@pytest.mark.parametrize("name", ["../secret.txt", "sub/../../secret.txt", "../seeds/article.txt"])
def test_dot_dot_leaving_the_folder_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, name: str
) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "article.txt").write_text(GOOD, "utf-8")
    path = seed(folder, name)
    refused(invoke, db_path, path, f"{path}: sources[1]: text_file: {name} {OUTSIDE}")


def test_a_symlink_pointing_outside_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, tmp_path: Path
) -> None:
    folder.mkdir()
    (folder / "article.txt").symlink_to(tmp_path / "secret.txt")
    path = seed(folder, "article.txt")
    line = refused(invoke, db_path, path, f"sources[1]: text_file: article.txt {OUTSIDE}")
    assert "article.txt is a symlink to" in line


def test_a_relative_symlink_pointing_outside_is_refused(
    invoke: Invoke, db_path: Path, folder: Path
) -> None:
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "article.txt").symlink_to("../../secret.txt")
    path = seed(folder, "sub/article.txt")
    refused(invoke, db_path, path, f"text_file: sub/article.txt {OUTSIDE}")


def test_a_symlinked_folder_pointing_outside_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "article.txt").write_text(SECRET, "utf-8")
    folder.mkdir()
    (folder / "docs").symlink_to(elsewhere, target_is_directory=True)
    path = seed(folder, "docs/article.txt")
    line = refused(invoke, db_path, path, f"text_file: docs/article.txt {OUTSIDE}")
    assert "docs is a symlink to" in line


def test_a_symlink_out_and_back_in_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, tmp_path: Path
) -> None:
    """Every step of the path must stay inside, not just where it ends."""
    (folder / "article.txt").parent.mkdir(parents=True)
    (folder / "article.txt").write_text(GOOD, "utf-8")
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    path = seed(folder, "up/seeds/article.txt")
    refused(invoke, db_path, path, f"text_file: up/seeds/article.txt {OUTSIDE}")


def test_a_fifo_is_refused_without_blocking(db_path: Path, folder: Path) -> None:
    folder.mkdir()
    os.mkfifo(folder / "article.txt")
    path = seed(folder, "article.txt")
    refused_in_subprocess(
        db_path, path, "text_file: article.txt is a FIFO, not a regular file (give a text file)"
    )


def test_a_symlink_to_a_fifo_inside_is_refused_without_blocking(
    db_path: Path, folder: Path
) -> None:
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "article.txt").symlink_to("pipe")
    path = seed(folder, "article.txt")
    refused_in_subprocess(db_path, path, "text_file: article.txt is a FIFO, not a regular file")


def test_dev_zero_is_refused(db_path: Path, folder: Path) -> None:
    path = seed(folder, "/dev/zero")
    refused_in_subprocess(db_path, path, f"text_file: /dev/zero {OUTSIDE}")


def test_a_symlink_to_dev_zero_is_refused(db_path: Path, folder: Path) -> None:
    folder.mkdir()
    (folder / "article.txt").symlink_to("/dev/zero")
    path = seed(folder, "article.txt")
    line = refused_in_subprocess(db_path, path, "text_file: article.txt")
    assert OUTSIDE in line or "not a regular file" in line


def test_a_folder_is_refused(invoke: Invoke, db_path: Path, folder: Path) -> None:
    (folder / "sub").mkdir(parents=True)
    path = seed(folder, "sub")
    refused(invoke, db_path, path, "text_file: sub is a folder, not a regular file")


def test_a_missing_file_is_refused(invoke: Invoke, db_path: Path, folder: Path) -> None:
    path = seed(folder, "nowhere.txt")
    refused(invoke, db_path, path, "text_file: nowhere.txt does not exist in the seed file's")


def test_a_file_over_the_size_limit_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "TEXT_FILE_MAX_BYTES", 16)
    folder.mkdir()
    (folder / "article.txt").write_bytes(b"x" * 17)
    path = seed(folder, "article.txt")
    refused(invoke, db_path, path, "text_file: article.txt is too big (over 16 bytes)")
    # At the limit it is read.
    (folder / "article.txt").write_bytes(b"x" * 16)
    invoke("import", str(path))
    conn = sqlite3.connect(db_path)
    text = conn.execute("SELECT text FROM sources WHERE slug = 'from-file'").fetchone()[0]
    assert text == "x" * 16


def test_a_file_that_grows_after_its_size_was_checked_is_refused(
    invoke: Invoke, db_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit holds on what is read, not only on the size the file reported."""
    monkeypatch.setattr(importer, "TEXT_FILE_MAX_BYTES", 16)
    folder.mkdir()
    target = folder / "article.txt"
    target.write_bytes(b"x" * 1000)
    real_stat, resolved = os.stat, target.resolve()

    def small_stat(p, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = real_stat(p, *args, **kwargs)
        if isinstance(p, (str, Path)) and Path(p) == resolved:
            fields = list(found)
            fields[6] = 1  # st_size
            return os.stat_result(fields)
        return found

    monkeypatch.setattr(importer.os, "stat", small_stat)
    path = seed(folder, "article.txt")
    refused(invoke, db_path, path, "text_file: article.txt is too big (over 16 bytes)")


def test_a_file_that_is_not_utf8_is_refused(invoke: Invoke, db_path: Path, folder: Path) -> None:
    folder.mkdir()
    (folder / "article.txt").write_bytes("Café".encode("latin-1"))
    path = seed(folder, "article.txt")
    refused(invoke, db_path, path, "text_file: article.txt is not UTF-8 text (", "at byte 3)")


def test_control_characters_in_a_name_are_escaped(
    invoke: Invoke, db_path: Path, folder: Path
) -> None:
    name = "evil\x1b[2J\u202e.txt"
    path = seed(folder, name)
    line = refused(invoke, db_path, path, "text_file: evil\\u001b[2J\\u202e.txt does not exist")
    assert "\x1b" not in line and "\u202e" not in line


def test_one_refused_file_stops_every_file(invoke: Invoke, db_path: Path, folder: Path) -> None:
    """A folder import: the good file is not written either."""
    folder.mkdir()
    (folder / "a.yaml").write_text("people: [{name: Kim Taewoo, kind: person}]\n", "utf-8")
    seed(folder, "../secret.txt", name="b.json")
    refused(invoke, db_path, folder, "b.json: sources[1]: text_file: ../secret.txt", OUTSIDE)


def test_a_text_file_in_a_subfolder_is_imported(
    invoke: Invoke, db_path: Path, folder: Path, tmp_path: Path
) -> None:
    (folder / "texts" / "2025").mkdir(parents=True)
    (folder / "texts" / "2025" / "article.txt").write_text("Café: unlikely.\r\nEnd.\n", "utf-8")
    (folder / "texts" / "latest.txt").symlink_to("2025/article.txt")  # a link inside is fine
    path = seed(folder, "texts/2025/article.txt")
    data = json.loads(path.read_text("utf-8"))
    data["sources"].append({"slug": "linked", "title": "Linked", "text_file": "texts/latest.txt"})
    data["sources"].append(
        {"slug": "round", "title": "Round", "text_file": "texts/../texts/2025/article.txt"}
    )
    path.write_text(json.dumps(data), "utf-8")
    # The seed file named through a symlinked folder: its own folder is where the link leads.
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    invoke("import", str(tmp_path / "link" / path.name))
    conn = sqlite3.connect(db_path)
    texts = dict(conn.execute("SELECT slug, text FROM sources"))
    expected = "Café: unlikely.\nEnd.\n"
    assert texts == {"good": GOOD, "from-file": expected, "linked": expected, "round": expected}
