"""``run.py explore`` starts the page on loopback, quietly, and refuses what would leave it blank."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import PackageNotFoundError

import pytest

from powershift.analysis.cli import explore
from tests.conftest import ROOT, cli_in_process


@pytest.fixture
def started(monkeypatch):
    """The command the server would be started with, instead of starting it."""
    calls = []
    monkeypatch.setattr(explore.os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    return calls


def test_serves_the_app_on_loopback_in_production_mode(capsys, started) -> None:
    status, out, _ = cli_in_process(capsys, "explore")
    assert status == 0
    ((path, argv, env),) = started
    assert path == sys.executable
    assert argv[1:5] == ["-m", "solara", "run", "powershift.analysis.explorer.app"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and argv[argv.index("--port") + 1] == "8765"
    assert {"--production", "--no-check-version", "--no-open"} <= set(argv)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert "http://127.0.0.1:8765/" in out


def test_host_port_and_open_are_passed_on(capsys, started) -> None:
    assert cli_in_process(capsys, "explore", "--host", "0.0.0.0", "--port", "9001", "--open")[0] == 0
    argv = started[0][1]
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and argv[argv.index("--port") + 1] == "9001"
    assert "--open" in argv and "--no-open" not in argv


def test_a_bad_port_is_refused_in_one_line(capsys, started) -> None:
    status, _, err = cli_in_process(capsys, "explore", "--port", "70000")
    assert status == 2 and err.strip() == "--port: port: a port from 0 to 65535, got 70000" and not started


def test_mismatched_front_end_assets_are_refused(capsys, started, monkeypatch) -> None:
    """A Solara newer than its bundled front end serves a blank page offline: say so instead."""
    monkeypatch.setattr(explore, "version", lambda name: {"solara": "1.64.1", "solara-assets": "1.58.2"}[name])
    status, _, err = cli_in_process(capsys, "explore")
    assert status == 2 and not started
    assert "solara-assets: version 1.64.1, as solara's (found 1.58.2" in err


def test_missing_packages_are_named(capsys, started, monkeypatch) -> None:
    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(explore, "version", missing)
    status, _, err = cli_in_process(capsys, "explore")
    assert status == 2 and not started
    assert err.strip() == "run.py explore: solara: the explorer's packages (pip install -e '.[explore]')"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow(seconds=15)
def test_the_command_serves_the_page(tmp_path) -> None:
    """The documented command, as a user runs it: the server answers on loopback with Solara's page."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "explore", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline, page = time.monotonic() + 90, ""
        while time.monotonic() < deadline and not page:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert "solara" in page.lower()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not list(tmp_path.iterdir())  # serving writes nothing where it was started
