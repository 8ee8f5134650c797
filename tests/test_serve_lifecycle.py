"""`tracker serve` stops on SIGTERM or Ctrl-C, even while a client that stopped
reading holds a streamed download open, and leaves no temporary file behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import Invoke, free_port

from tracker.site import SHUTDOWN_GRACE_SECONDS

pytest.importorskip("datasette.app")

# 18 MB: far more than the kernel's socket buffers hold, so a client that
# stops reading leaves the server with the rest of the response to send.
LONG_TEXT = "forecast " * 2_000_000
# Long enough on a slow, shared machine; without the grace period the server
# waited for the stalled client for ever.
HANG = SHUTDOWN_GRACE_SECONDS + 30


@pytest.fixture
def long_source(seeded: Path, invoke: Invoke, tmp_path: Path) -> Path:
    """The seeds plus a source with a long text, to stream as CSV."""
    text = tmp_path / "long.txt"
    text.write_text(LONG_TEXT, encoding="utf-8")
    invoke("add-source", "--title", "A long document", "--text-file", str(text))
    return seeded


@contextmanager
def served(db: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """`tracker serve` in a subprocess with its own empty TMPDIR, once it answers."""
    port = free_port()
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would stop the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", str(db), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(tmpdir)},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(log.read_text())
                time.sleep(0.2)
        yield proc, port, tmpdir
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stalled_download(port: int, name: str) -> socket.socket:
    """A streamed CSV of every source, of which only the headers are read."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    client.settimeout(60)
    client.connect(("127.0.0.1", port))
    client.sendall(
        f"GET /{name}/sources.csv?_stream=on&_size=max HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = client.recv(1024)
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return client


def idle_keep_alive(port: int) -> socket.socket:
    """A connection that got its answer and stays open for the next request."""
    client = socket.create_connection(("127.0.0.1", port), timeout=60)
    client.sendall(b"GET /-/versions.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert client.recv(65536).startswith(b"HTTP/1.1 200")
    return client


def rest(client: socket.socket) -> bytes:
    """What the server still sent before closing the connection."""
    received = b""
    try:
        while chunk := client.recv(1 << 20):
            received += chunk
    except OSError:  # reset, or the timeout
        pass
    return received


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_with_a_stalled_client_and_leaves_no_temporary_file(
    long_source: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    with served(long_source, tmp_path) as (proc, port, tmpdir):
        download = stalled_download(port, long_source.stem)
        keep_alive = idle_keep_alive(port)
        time.sleep(1)  # the server fills the socket buffers and waits
        proc.send_signal(sig)
        try:
            proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            pytest.fail(f"tracker serve still running {HANG} s after {sig.name}")
        with download, keep_alive:
            received = rest(download)
    log = (tmp_path / "serve.log").read_text()
    # Terminated (SIGTERM, which uvicorn passes on once it has stopped) or
    # exited normally: no error status of its own.
    assert proc.returncode in (0, -sig), log
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
    # The download was cut off, not finished: the server did have to stop it.
    assert len(received) < len(LONG_TEXT), log
    assert sorted(tmpdir.iterdir()) == [], log
