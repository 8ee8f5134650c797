"""The Datasette site over a tracker database: its metadata, and serving it.

The metadata ships as ``datasette_metadata.yaml`` next to this module, written
for a database called ``tracker``; Datasette names a database after its file,
so the name is filled in here for any other file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError

METADATA_FILE = Path(__file__).with_name("datasette_metadata.yaml")
TEMPLATE_NAME = "tracker"
INSTALL_HINT = (
    "tracker serve needs Datasette: pip install 'tracker[datasette]' (or pip install datasette)"
)


def metadata(database: str = TEMPLATE_NAME) -> dict[str, Any]:
    """The metadata for a database named ``database`` (a file's stem)."""
    import yaml

    data = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    data["databases"] = {database: data["databases"][TEMPLATE_NAME]}
    data["description_html"] = data["description_html"].replace(
        f"/{TEMPLATE_NAME}/", f"/{database}/"
    )
    return data


def write_metadata(target: Path, database: str) -> None:
    """YAML, or JSON when the file name ends in .json."""
    data = metadata(database)
    if target.suffix.lower() == ".json":
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        import yaml

        target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


# How the site is served. Datasette 0.65's suggested facets count every row of
# a table or view before suggesting, and a count that runs past the time limit
# fails the whole page (upstream: simonw/datasette#2082, fixed in the 1.0
# alphas by considering the first 1,000 rows). The per-claim views hold a row
# per claim and scale (five million at a million claims), so suggestions are
# off; the useful facets are configured per table in the metadata instead.
SETTINGS: dict[str, Any] = {"sql_time_limit_ms": 1000, "suggest_facets": False}


def datasette_command(db: Path, port: int, metadata_path: Path) -> list[str]:
    settings = [
        part
        for name, value in SETTINGS.items()
        for part in ("--setting", name, str(value).lower())  # False -> "false"
    ]
    return [
        sys.executable, "-m", "datasette", "serve", str(db),
        "--metadata", str(metadata_path),
        "--host", "127.0.0.1", "--port", str(port), *settings,
    ]  # fmt: skip


def app(db: Path) -> Any:
    """The site as ``tracker serve`` configures it, in this process (for
    Datasette's own test client: the tests and the benchmark)."""
    from datasette.app import Datasette

    return Datasette(files=[str(db)], metadata=metadata(db.stem), settings=SETTINGS)


def serve(db: Path, port: int) -> None:
    """Replace this process with Datasette serving ``db`` on 127.0.0.1:``port``.

    Visitors can read and run read-only SQL; nothing they do can write, since
    no writable canned query or write plugin is configured.
    """
    if importlib.util.find_spec("datasette") is None:
        raise TrackerError(INSTALL_HINT)
    folder = Path(tempfile.mkdtemp(prefix="tracker-site-"))
    meta = folder / "metadata.json"
    write_metadata(meta, db.stem)
    command = datasette_command(db, port, meta)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
