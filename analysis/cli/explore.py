"""``run.py explore``: serve the explorer page (Solara) on this machine.

The page is started by module name in a Solara server that replaces this process, so the command
line never imports Solara: ``powershift explore`` is ``solara run powershift.analysis.explorer.app``
on loopback, in production mode (a failure in the page then shows its one-line message, not a
traceback), without Solara's usage reports or its version check. Solara fetches its page scripts
from a public CDN unless ``solara-assets`` of the same version is installed; without it the page
stays blank offline, so the versions are checked first.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from powershift.model.files import InputError

NAME = "explore"
HELP = "serve the explorer page in the browser (Solara)"
APP = "powershift.analysis.explorer.app"
INSTALL = "pip install -e '.[explore]'"
QUIET = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # Solara reports usage to a third party unless told not to


def add_options(command: argparse.ArgumentParser) -> None:
    """Where to listen: loopback by default, so the page is not offered to the network unless asked."""
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine)")
    command.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    command.add_argument("--open", action="store_true", help="also open the page in the default browser")


def check_packages() -> None:
    """Solara and its bundled front end, of one version (a newer Solara's page is not in an older bundle)."""
    try:
        solara, assets = version("solara"), version("solara-assets")
    except PackageNotFoundError as exc:
        raise InputError("run.py explore", exc.name or "solara", f"the explorer's packages ({INSTALL})") from None
    if solara != assets:
        raise InputError(
            "run.py explore", "solara-assets", f"version {solara}, as solara's (found {assets}; {INSTALL})"
        )


def act(args: argparse.Namespace) -> None:
    """Replace this process by the Solara server (its output, Ctrl-C and exit status are the command's)."""
    if not 0 <= args.port <= 65535:
        raise InputError("--port", "port", f"a port from 0 to 65535, got {args.port}")
    check_packages()
    command = [sys.executable, "-m", "solara", "run", APP, "--host", args.host, "--port", str(args.port)]
    command += ["--production", "--no-check-version", "--open" if args.open else "--no-open"]
    print(f"explorer: http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, {**os.environ, **QUIET})
