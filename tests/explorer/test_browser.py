"""End-to-end tests of the explorer page: a real server (``run.py explore``) driven by Debian's chromium.

The unit tests of ``analysis.explorer`` check the pieces; these check what a reader sees: that the page
loads without errors in the browser, that moving a control reruns and redraws, that the numbers the page
prints are the command line's for the same change (through the scenario file the page offers), that bad
input gets the command line's one-line message and never a traceback, and that the link brings a state
back. One server and one browser serve the module (about 10 s to start both); the steps are grouped into
three tests so that under ``-n auto`` at most three workers pay that start. Screenshots of every view, of
the error state and of the page after edits go to ``$POWERSHIFT_SCREENSHOTS`` (else a tmp folder), to be
looked at by a person.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (``apt-get install chromium``;
``.ci/run`` does it when it can). Without it, or without playwright or solara, the module is skipped.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import pytest

from tests.conftest import ROOT, cli_at

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and os.path.isfile(p)), None)
if CHROMIUM is None:
    pytest.skip("no chromium browser (/usr/bin/chromium; apt-get install chromium)", allow_module_level=True)
for _package in ("playwright", "solara"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} is not installed (pip install -e '.[test]')", allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

pytestmark = pytest.mark.browser

SERVER_START_SECONDS = 60  # Solara's first start imports the whole app; about 12 s on 2 cores
WAIT_MS = 30_000  # a rerun of 200 worlds and its drawing take a few seconds; a stuck page fails after this
VIEWS = {
    "power_shares": "Power shares",
    "difference": "Difference from baseline",
    "focus_alignment": "Focus alignment",
    "bloc_safety": "Bloc safety",
    "network": "Network",
    "waterfall": "Why it moved",
}
BROKEN_YAML = "title: [unclosed\nyears: 3\n"  # not YAML: the bracket is never closed
EVENT_OFF = "pak-economic-shock-hazard"
"""Of seed-2024's events, one whose removal moves the end-of-run power shares at the printed 3 decimals
(PAK's median share by about +0.035 pp at 200 worlds, seed 0). Removing any one of the deals moves every
median by less than 0.001 pp (checked at the same worlds and seed): a table of zeros would match by accident."""

DIGEST_JS = """async (name) => {
    const img = [...document.querySelectorAll(`img.view-${name}`)].find(i => i.offsetParent !== null);
    if (!img || !img.src) return null;
    try {
        const data = await (await fetch(img.src)).arrayBuffer();
        const hash = await crypto.subtle.digest("SHA-256", data);
        return Array.from(new Uint8Array(hash), b => b.toString(16).padStart(2, "0")).join("");
    } catch (error) {
        return null;  // the image was replaced while it was read: ask again
    }
}"""
"""The SHA-256 of the PNG a visible view shows (its ``src`` is a blob URL, new at every render, so the URL
says nothing about the picture)."""
SHOWN_JS = """(name) => {
    const img = [...document.querySelectorAll(`img.view-${name}`)].find(i => i.offsetParent !== null);
    return !!img && img.complete && img.naturalWidth > 0 && !document.querySelector(".v-window__container--is-active");
}"""
"""Whether a view's image is in the open tab, decoded, and the tab's slide-in transition is over."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``run.py explore`` on a free loopback port, as a user starts it; its base URL once it answers HTTP.

    Started through the command (not ``solara run`` directly) so that the test also covers the command's
    package check and options. Its output goes to a log file that a failure to start quotes.
    """
    port = free_port()
    log = tmp_path_factory.mktemp("explorer-server") / "server.log"
    url = f"http://127.0.0.1:{port}/"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "explore", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the server and the drawing helper it spawns
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not answers(url):
            if process.poll() is not None:
                pytest.fail(f"the explorer server exited with status {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                waited = f"the explorer server did not answer {url} within {SERVER_START_SECONDS} s"
                pytest.fail(f"{waited}:\n{log.read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # whatever of that group outlived the server
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless (``--no-sandbox``: CI and the sessions run as root)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``$POWERSHIFT_SCREENSHOTS`` to keep them, else a tmp folder."""
    folder = Path(os.environ["POWERSHIFT_SCREENSHOTS"]) if os.environ.get("POWERSHIFT_SCREENSHOTS") else None
    folder = folder or tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watched:
    """A browser context whose every page reports its console errors, uncaught exceptions and failed
    requests into ``problems``: each test ends by asserting there were none."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context = context
        self.base = base
        self.problems: list[str] = []
        context.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        context.on("weberror", lambda e: self.problems.append(f"uncaught: {e.error}"))
        context.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def open(self, address: str = "") -> Page:
        """A new page at ``address`` (relative to the server), once the first look is shown."""
        page = self.context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(urljoin(self.base, address))
        page.wait_for_selector(".explorer-status", timeout=WAIT_MS)
        return page

    def assert_clean(self) -> None:
        assert self.problems == [], "the browser reported problems:\n" + "\n".join(self.problems)


@pytest.fixture
def watched(server: str, browser: Browser) -> Iterator[Watched]:
    """A fresh browser context (a new Solara session, so no state carries over from another test)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    try:
        yield Watched(context, server)
    finally:
        context.close()


def wait_until(check: Callable[[], Any], what: str, seconds: float = WAIT_MS / 1000) -> Any:
    """Poll ``check`` until it returns something truthy; fail saying ``what`` was awaited."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(0.2)


def status(page: Page) -> str:
    return page.locator(".explorer-status").inner_text()


def wait_for_label(page: Page, label: str) -> None:
    """Until the status line names ``label`` (a rerun replaces the line by a progress bar, then brings it back)."""
    expect(page.locator(".explorer-status")).to_contain_text(f"{label}: 200 worlds, seed 0", timeout=WAIT_MS)


def show(page: Page, name: str) -> str:
    """Open a view's tab and wait until its image is drawn, loaded and slid into place; its digest."""
    page.get_by_role("tab", name=VIEWS[name]).click()
    page.wait_for_function(SHOWN_JS, arg=name, timeout=WAIT_MS)
    return wait_until(lambda: page.evaluate(DIGEST_JS, name), f"the {name} image's bytes")


def screenshot(page: Page, path: Path) -> None:
    """A full-page screenshot of everything, also what lies below the fold of the page's inner scroll area.

    The Vuetify layout scrolls inside the page (the document is one window high), so Playwright's full page
    is the window: the window is made as tall as the tallest content for the shot, then set back.
    """
    size = page.viewport_size or {"width": 1600, "height": 1000}
    tallest = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(tallest, size["height"]), 6000)})
    try:
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(size)


def set_policy(page: Page, name: str, value: str) -> None:
    """Type a policy value into its box and press Enter (the box applies on Enter or blur)."""
    box = page.locator(f".policy-{name} input")
    box.fill(value)
    box.press("Enter")


def difference_rows(page: Page) -> dict[str, list[str]]:
    """The difference table's cells by state: state, baseline, edited, difference, interval, worlds higher."""
    page.get_by_role("tab", name=VIEWS["difference"]).click()
    page.locator(".explorer-difference tr[data-state=PAK]").wait_for(timeout=WAIT_MS)
    rows = page.locator(".explorer-difference table.explorer-table tr[data-state]")
    return {row.get_attribute("data-state"): row.locator("td").all_inner_texts() for row in rows.all()}


def alignment_rows(page: Page) -> dict[str, list[str]]:
    """The difference table's focus-dyad rows: dyad, baseline, edited, difference, interval, worlds higher."""
    page.get_by_role("tab", name=VIEWS["difference"]).click()
    page.locator(".explorer-difference tr[data-dyad]").first.wait_for(timeout=WAIT_MS)
    rows = page.locator(".explorer-difference table.explorer-table tr[data-dyad]")
    return {row.get_attribute("data-dyad"): row.locator("td").all_inner_texts() for row in rows.all()}


def drop_file(page: Page, path: Path) -> None:
    """Drop a file from disk on the page's FileDrop zone, as a user dragging it from a file manager does.

    Solara's zone has no ``<input type=file>`` (so ``set_input_files`` has nothing to fill): it listens for
    ``drop`` and reads ``event.dataTransfer.items[i].webkitGetAsEntry()``. A DataTransfer built in the page
    has no file-system entries (``webkitGetAsEntry()`` gives null), so the drop is made by chromium itself
    through the DevTools protocol (``Input.dispatchDragEvent`` with the file's path), which gives the page
    the same event a real drag does.
    """
    zone = page.locator(".solara-file-drop")
    zone.scroll_into_view_if_needed()
    box = zone.bounding_box()
    assert box is not None, "the file drop zone is not shown"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    cdp = page.context.new_cdp_session(page)
    try:
        for kind in ("dragEnter", "dragOver", "drop"):
            cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    finally:
        cdp.detach()


def cli_error(*args: str, cwd: Path) -> str:
    """The one line the command line prints for bad input (exit status 2)."""
    result = cli_at(*args, cwd=cwd)
    assert result.returncode == 2, result
    return result.stderr.strip()


def assert_no_traceback(page: Page) -> None:
    """No stack trace in the text a reader sees (the page's own CSS names a ``Generic.Traceback`` style)."""
    assert "Traceback" not in page.locator("body").inner_text()


@pytest.mark.slow(seconds=30)
def test_page_draws_every_view_reruns_on_a_policy_and_the_link_restores_it(watched: Watched, shots: Path) -> None:
    """The page a reader opens: the default look (seed-2024, 200 worlds, seed 0, the committed posterior),
    every view drawn; typing a policy value reruns and redraws under the edited label; the link to the
    state opened in another tab comes back to the same label and value."""
    page = watched.open()
    wait_for_label(page, "seed-2024")
    assert "paired with seed-2024" in status(page)
    assert "posterior-2014-2019" in status(page), "the page should use the posterior `powershift run` uses"
    page.locator("img.view-power_shares").wait_for(state="visible")
    for name in VIEWS:
        show(page, name)
        screenshot(page, shots / f"view-{name}.png")

    before = show(page, "focus_alignment")
    assert page.locator(".policy-hedging input").input_value() != "1.8"
    set_policy(page, "hedging", "1.8")
    wait_for_label(page, "seed-2024-explored")
    after = wait_until(
        lambda: (d := page.evaluate(DIGEST_JS, "focus_alignment")) and d != before and d,
        "the focus alignment view to be redrawn for the edit",
    )
    assert after != before
    # the image's bytes would change with the label alone (its subtitle names it): the numbers must move too
    moved = alignment_rows(page)
    assert len(moved) == 5 and any(abs(float(cells[3])) >= 0.005 for cells in moved.values()), moved
    screenshot(page, shots / "edited.png")

    link = page.locator(".explorer-link a").get_attribute("href")
    assert link and "?state=" in link
    again = watched.open(link)
    wait_for_label(again, "seed-2024-explored")
    assert again.locator(".policy-hedging input").input_value() == "1.8"
    assert_no_traceback(page)
    watched.assert_clean()


@pytest.mark.slow(seconds=15)
def test_switching_an_event_off_gives_the_command_lines_numbers(
    watched: Watched, tmp_path: Path, no_locks_left: None
) -> None:
    """The page's difference table is ``powershift compare``'s end_state.csv for the same two scenarios,
    and the scenario file the page offers reproduces the page's edited medians with ``powershift run``:
    what a reader sees can be rerun and cited without the page."""
    page = watched.open()
    wait_for_label(page, "seed-2024")
    box = page.get_by_label(f"{EVENT_OFF} (economic_shock)")
    assert box.is_checked()
    page.get_by_text(f"{EVENT_OFF} (economic_shock)", exact=True).click()  # Vuetify covers the box itself
    expect(box).not_to_be_checked()
    wait_for_label(page, "seed-2024-explored")
    rows = difference_rows(page)
    assert set(rows) == {"PAK", "RUS", "IND", "USA", "CHN"}
    assert any(abs(float(cells[3])) >= 0.01 for cells in rows.values()), rows  # the edit shows in the table

    with page.expect_download() as download:
        page.get_by_role("button", name="Download scenario (YAML)").click()
    assert download.value.suggested_filename == "seed-2024-explored.yaml"
    download.value.save_as(tmp_path / "seed-2024-explored.yaml")
    text = (tmp_path / "seed-2024-explored.yaml").read_text()
    assert f"# event {EVENT_OFF} switched off" in text

    common = ["--replicates", "200", "--seed", "0", "--no-charts"]
    compared = cli_at("compare", "seed-2024", "seed-2024-explored.yaml", *common, "--out", "cmp", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    ends = pd.read_csv(tmp_path / "cmp" / "end_state.csv")
    ends = ends[ends["outcome"].str.startswith("share_")]
    assert ends["median"].between(0, 1).all()
    assert (ends["unit"] == "share of power, 0–1 (economic–military index)").all()
    pp = 100  # the CSV holds fractions of 1; the page shows % and differences in percentage points
    for r in ends[ends["scenario"] == "seed-2024-explored"].itertuples():
        state = r.outcome.removeprefix("share_")
        assert rows[state][2] == f"{pp * r.median:.3f}", (state, rows[state], r)
        assert rows[state][3] == f"{pp * r.difference:+.3f}", (state, rows[state], r)
        interval = f"{pp * r.difference_low:+.3f} … {pp * r.difference_high:+.3f}"
        assert rows[state][4] == interval, (state, rows[state], r)
        assert rows[state][5] == f"{r.share_higher:.0%}", (state, rows[state], r)
    for r in ends[ends["scenario"] == "seed-2024"].itertuples():
        assert rows[r.outcome.removeprefix("share_")][1] == f"{pp * r.median:.3f}", (rows, r)

    ran = cli_at("run", "seed-2024-explored.yaml", *common, "--out", "r", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    shares = pd.read_parquet(tmp_path / "r" / "trajectories.parquet", columns=["date", "actor", "power_share"])
    last = shares[shares["date"] == shares["date"].max()]
    medians = (100 * last.groupby("actor")["power_share"].median()).to_dict()
    assert {s: cells[2] for s, cells in rows.items()} == {s: f"{medians[s]:.3f}" for s in rows}
    watched.assert_clean()


@pytest.mark.slow(seconds=15)
def test_bad_input_gets_the_command_lines_one_line_message(watched: Watched, tmp_path: Path, shots: Path) -> None:
    """A value out of range and a bad scenario file are refused in the page with the line the command line
    prints for the same input (so the docs' explanation of each message holds in both), never a traceback."""
    page = watched.open()
    wait_for_label(page, "seed-2024")
    errors = page.locator(".explorer-error")

    set_policy(page, "hedging", "5")  # bounds 0..2
    expected = cli_error("run", "seed-2024", "--set", "actors.PAK.policy.hedging=5", cwd=tmp_path)
    expect(errors).to_have_text([expected], timeout=WAIT_MS)
    assert "seed-2024" in status(page), "the views should keep showing the last valid state"
    assert_no_traceback(page)

    (tmp_path / "bad-horizon.yaml").write_text("title: t\ndescription: d\nstart: 2024-01-01\nyears: -3\nevents: []\n")
    drop_file(page, tmp_path / "bad-horizon.yaml")
    expect(errors).to_have_text([cli_error("run", "bad-horizon.yaml", cwd=tmp_path)], timeout=WAIT_MS)
    assert_no_traceback(page)
    screenshot(page, shots / "error.png")

    (tmp_path / "broken.yaml").write_text(BROKEN_YAML)
    drop_file(page, tmp_path / "broken.yaml")
    broken = cli_error("run", "broken.yaml", cwd=tmp_path)
    expect(errors).to_have_text([broken], timeout=WAIT_MS)
    assert_no_traceback(page)
    download = page.get_by_role("button", name="Download scenario (YAML)")
    if download.count() and download.is_enabled():  # a refused file once turned this button into a traceback
        download.click()
        with contextlib.suppress(PlaywrightTimeoutError):  # it broke the page within a second: 3 s to be sure
            page.wait_for_function("() => document.body.innerText.includes('Traceback')", timeout=3000)
        assert_no_traceback(page)
        expect(errors).to_have_text([broken])

    (tmp_path / "latin.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    drop_file(page, tmp_path / "latin.yaml")
    expect(errors.filter(has_text="latin.yaml")).to_have_text(cli_error("run", "latin.yaml", cwd=tmp_path))
    assert_no_traceback(page)

    page.get_by_label("Scenario").click(
        force=True
    )  # back to a named scenario: the file's refusal is about the file only
    page.get_by_role("option", name="baseline", exact=True).click()
    wait_for_label(page, "baseline")
    expect(errors).to_have_count(0)
    seed = page.get_by_label("Seed")
    seed.fill("-1")
    seed.press("Enter")
    expect(errors).to_have_text([cli_error("run", "baseline", "--seed", "-1", cwd=tmp_path)], timeout=WAIT_MS)
    assert_no_traceback(page)

    cut = watched.open("/?state=abc")  # a link cut short: refused in one line, the default look shown
    one_line = re.compile(r"^link: state: a link copied from the explorer[^\n]*$")
    expect(cut.locator(".explorer-error")).to_have_text([one_line])
    assert_no_traceback(cut)
    watched.assert_clean()
