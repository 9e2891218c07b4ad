"""Results folders: nothing lost, nothing trusted blindly.

A corpus of damaged folders (each made here from a good one) must be refused by plot, explain and
compare with one line and exit status 2, writing nothing; unusable --out targets are refused before
any work; a full disk leaves nothing behind; a second writer to a folder stops at once; stale
staging folders are swept up.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import run
from powershift.analysis.results import locks, paths, readers, schemas
from powershift.analysis.results.locks import lock, release
from powershift.analysis.results.manifests import FORMAT_VERSION
from powershift.analysis.results.paths import check_output, default_folder
from powershift.analysis.results.staging import INCOMPLETE, write_marker
from powershift.model.files import InputError
from tests.cli.test_cli import MINIMAL, ROOT, files_under
from tests.conftest import cli_in_process

SCENARIO = MINIMAL + "  - {id: crude, type: energy_deal, supplier: RUS, buyer: PAK, at: 2024-07-01, volume_bn: 2}\n"
SWEEP = ["sweep", "seed-2024", "--param", "alignment.rate=0:1", "--samples", "3", "--replicates", "1"]
SWEEP += ["--years", "1", "--chunk", "1", "--workers", "1", "--quiet"]


pytestmark = pytest.mark.usefixtures("no_locks_left")
cli = cli_in_process


def refused(result: tuple[int, str, str], *fragments: str) -> str:
    status, _, err = result
    assert status == 2, err
    line = err.strip()
    assert line and "\n" not in line and "Traceback" not in line, err
    for fragment in fragments:
        assert fragment in line, line
    return line


def snapshot(path: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in files_under(path) if p.is_file()}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good folders of every kind, written once: runs (Parquet and CSV), a comparison, an explanation."""
    from powershift.analysis.analyze.comparison import gather, write_comparison
    from powershift.analysis.analyze.explanation import explain, write_explanation
    from powershift.analysis.experiments.ensemble import run_ensemble
    from powershift.analysis.results.storage import write_results
    from powershift.model.scenario import scenario_from_text

    root = tmp_path_factory.mktemp("good")
    scenario = scenario_from_text(SCENARIO)
    write_results(run_ensemble(scenario, 3, 2), root / "parquet")
    write_results(run_ensemble(scenario, 3, 2), root / "csv", "csv")
    write_results(run_ensemble(scenario, 2, 7), root / "other")
    write_comparison(gather([str(root / "parquet"), str(root / "other")]), root / "comparison")
    meta, parts = explain(root / "parquet", "PAK-RUS")
    write_explanation(meta, parts, root / "explanation")
    locks.release_all()
    return {p.name: p for p in root.iterdir()}


def rewrite_manifest(folder: Path, change: Callable[[dict], None]) -> None:
    meta = json.loads((folder / "manifest.json").read_text())
    change(meta)
    (folder / "manifest.json").write_text(json.dumps(meta))


def parquet_change(folder: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / f"{table}.parquet"
    change(pd.read_parquet(path)).to_parquet(path, index=False)


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def cut_lines(path: Path, drop: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-drop]))


def set_version(version: int | None) -> Callable[[dict], None]:
    def change(meta: dict) -> None:
        if version is None:
            del meta["format_version"]
        else:
            meta["format_version"] = version

    return change


def escape(meta: dict) -> None:
    meta["tables"]["trajectories"] = "../../../../etc/passwd"


def drop_key(meta: dict) -> None:
    del meta["replicates"]


def partial_manifest(folder: Path) -> None:
    truncate(folder / "manifest.json", 0.6)


def stringly(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(alignment=frame["alignment"].astype(str))


def csv_word(folder: Path) -> None:
    path = folder / "alignment.csv"
    lines = path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[5].rstrip("\n").split(",")
    cells[header.index("alignment")] = "warm"
    lines[5] = ",".join(cells) + "\n"
    path.write_text("".join(lines))


def leftover_staging(folder: Path) -> Path:
    staging = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    folder.rename(staging)
    write_marker(staging)
    return staging


def marked_incomplete(folder: Path) -> None:
    write_marker(folder)


# name: (source folder, damage (may return the damaged folder's new path), fragments of the refusal)
DAMAGES: dict[str, tuple[str, Callable[[Path], Path | None], tuple[str, ...]]] = {
    "truncated parquet": ("parquet", lambda f: truncate(f / "alignment.parquet"), ("alignment.parquet", "truncated")),
    "truncated csv (mid-line)": ("csv", lambda f: truncate(f / "trajectories.csv", 0.7), ("trajectories.csv",)),
    "truncated csv (whole lines)": ("csv", lambda f: cut_lines(f / "metrics.csv", 2), ("metrics.csv", "rows")),
    "garbage manifest": ("parquet", lambda f: (f / "manifest.json").write_bytes(b"\x00\xffgarbage{"), ("JSON",)),
    "partial manifest": ("parquet", partial_manifest, ("manifest.json", "valid JSON")),
    "manifest without a field": ("parquet", lambda f: rewrite_manifest(f, drop_key), ("manifest.json: replicates",)),
    "other-version manifest": (
        "parquet",
        lambda f: rewrite_manifest(f, set_version(FORMAT_VERSION + 1)),
        (f"format {FORMAT_VERSION + 1}, this is format {FORMAT_VERSION}", "upgrade"),
    ),
    "unversioned manifest": ("parquet", lambda f: rewrite_manifest(f, set_version(None)), ("format_version",)),
    "dropped column": (
        "parquet",
        lambda f: parquet_change(f, "trajectories", lambda t: t.drop(columns="power_share")),
        ("trajectories.parquet: power_share", "no such column"),
    ),
    "string-typed column": (
        "parquet",
        lambda f: parquet_change(f, "alignment", stringly),
        ("alignment.parquet: alignment", "numbers"),
    ),
    "string value in a csv": ("csv", csv_word, ("alignment.csv: alignment", "'warm'")),
    "path escaping the folder": (
        "parquet",
        lambda f: rewrite_manifest(f, escape),
        ("tables.trajectories", "inside the results folder", "etc/passwd"),
    ),
    "leftover staging folder": ("parquet", leftover_staging, ("staging folder",)),
    "incomplete marker": ("parquet", marked_incomplete, (INCOMPLETE, "still being written")),
    "missing contrib_noise": (
        "parquet",
        lambda f: parquet_change(f, "alignment", lambda t: t.drop(columns="contrib_noise")),
        ("contrib_noise",),
    ),
    "rows of another run": (
        "parquet",
        lambda f: parquet_change(f, "metrics", lambda t: t.assign(replicate=t["replicate"] + 5)),
        ("metrics.parquet: replicate", "0 to 2"),
    ),
}


@pytest.fixture(scope="module")
def damaged(made: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("damaged")
    folders = {}
    for k, (name, (source, damage, _)) in enumerate(DAMAGES.items()):
        folder = root / f"bad{k}"
        shutil.copytree(made[source], folder)
        moved = damage(folder)
        folders[name] = moved if isinstance(moved, Path) else folder
    return folders


@pytest.mark.parametrize("command", ["plot", "explain", "compare"])
@pytest.mark.parametrize("name", list(DAMAGES))
def test_damaged_folders_are_refused_with_one_line(
    name: str,
    command: str,
    made: dict[str, Path],
    damaged: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = damaged[name]
    before = snapshot(folder.parent)
    args = {
        "plot": ["plot", str(folder), "--out", str(tmp_path / "charts")],
        "explain": ["explain", str(folder), "--dyad", "PAK-RUS", "--out", str(tmp_path / "why")],
        "compare": ["compare", str(made["other"]), str(folder), "--out", str(tmp_path / "cmp"), "--no-charts"],
    }[command]
    line = refused(cli(capsys, *args), *DAMAGES[name][2])
    assert folder.name in line
    assert snapshot(folder.parent) == before
    assert files_under(tmp_path) == []


def test_good_folders_read_back_whole(made: dict[str, Path]) -> None:
    """The validated reader returns what was written, in Parquet and CSV alike; every manifest has the format."""
    from powershift.analysis.results.storage import read_results

    parquet_meta, parquet = read_results(made["parquet"])
    csv_meta, csv = read_results(made["csv"])
    assert parquet_meta["format_version"] == csv_meta["format_version"] == FORMAT_VERSION
    assert parquet_meta["rows"]["trajectories"] == 3 * (parquet_meta["steps"] + 1) * len(parquet_meta["actors"])
    for name, table in parquet.items():
        pd.testing.assert_frame_equal(csv[name], table, check_dtype=False)
    for kind in ("comparison", "explanation"):
        found, meta, tables = readers.read_folder(made[kind])
        assert found == kind and meta["format_version"] == FORMAT_VERSION and len(next(iter(tables.values())))


@pytest.mark.parametrize(
    ("kind", "table", "fragments"),
    [("comparison", "series", ("series.parquet", "truncated")), ("explanation", "parts", ("parts.parquet",))],
)
def test_damaged_comparison_and_explanation_folders_are_refused_by_plot(
    made: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, table: str, fragments: tuple
) -> None:
    folder = tmp_path / kind
    shutil.copytree(made[kind], folder)
    truncate(folder / f"{table}.parquet")
    refused(cli(capsys, "plot", str(folder), "--out", str(tmp_path / "charts")), *fragments)
    shutil.copy(made[kind] / f"{table}.parquet", folder / f"{table}.parquet")
    rewrite_manifest(folder, set_version(0))
    refused(cli(capsys, "plot", str(folder), "--out", str(tmp_path / "charts")), "format 0", "run it again")
    assert not (tmp_path / "charts").exists()


def test_a_symlink_out_of_the_folder_is_refused(made: dict[str, Path], tmp_path: Path) -> None:
    from powershift.analysis.results.storage import read_results

    folder = tmp_path / "r"
    shutil.copytree(made["parquet"], folder)
    outside = tmp_path / "elsewhere.parquet"
    (folder / "events.parquet").rename(outside)
    (folder / "events.parquet").symlink_to(outside)
    with pytest.raises(InputError, match="leads outside"):
        read_results(folder)
    rewrite_manifest(folder, lambda m: m["tables"].update(events="/etc/passwd"))
    with pytest.raises(InputError, match="inside the results folder"):
        read_results(folder)


def test_explain_says_the_means_add_up_only_when_they_do(made: dict[str, Path]) -> None:
    from powershift.analysis.analyze.explanation import adds_up, contributions, markdown, period, summarise
    from powershift.analysis.results.storage import read_results

    meta, tables = read_results(made["parquet"])
    begin, end = period(tables["alignment"]["date"], None, None)
    about = {"dyad": "PAK-RUS", "from": "2024-01-01", "to": "2026-01-01", "source": meta}
    whole = summarise(contributions(tables, ("PAK", "RUS"), begin, end).assign(what=""))
    assert adds_up(whole) and "Means add up: start + parts = end." in markdown(whole, about)

    assert tables["alignment"]["contrib_noise"].abs().max() > 0  # the test is not of zeros
    lacking = {**tables, "alignment": tables["alignment"].drop(columns="contrib_noise")}
    partial = summarise(contributions(lacking, ("PAK", "RUS"), begin, end).assign(what=""))
    text = markdown(partial, about)
    assert not adds_up(partial)
    assert "Means add up" not in text and "Means do not add up" in text
    written = json.loads((made["explanation"] / "manifest.json").read_text())
    assert written["adds_up"] is True


# --- unusable --out targets ------------------------------------------------------------------


def dangling(tmp_path: Path) -> Path:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    return link


def file_parent(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("x")
    return tmp_path / "file" / "out"


def existing_file(tmp_path: Path) -> Path:
    (tmp_path / "taken").write_text("x")
    return tmp_path / "taken"


TARGETS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "file as parent": (file_parent, "is a file"),
    "inside /proc": (lambda _: Path("/proc/powershift-results"), "outside /proc"),
    "inside /sys": (lambda _: Path("/sys/kernel/powershift"), "outside /sys"),
    "over-long name": (lambda t: t / ("x" * 256), "at most 255 bytes"),
    "over-long multibyte name": (lambda t: t / ("é" * 128), "at most 255 bytes"),
    "dangling symlink": (dangling, "dangling symlink"),
    "existing file": (existing_file, "not an existing file"),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_unusable_out_targets_are_refused_before_any_work(name: str, tmp_path: Path) -> None:
    make, fragment = TARGETS[name]
    target = make(tmp_path)
    before = files_under(tmp_path)
    with pytest.raises(InputError, match=fragment) as caught:
        check_output(target, 10_000)
    assert caught.value.field == "--out"
    with pytest.raises(InputError, match=fragment):
        paths.reserve(target)
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("name", ["file as parent", "inside /proc", "over-long name", "dangling symlink"])
def test_commands_refuse_unusable_out_targets(
    name: str, made: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL)
    make, fragment = TARGETS[name]
    target = str(make(tmp_path))
    before = files_under(tmp_path)
    commands = [[*SWEEP, "--out", target]]
    if name != "over-long name":  # run.py's own `.exists()` checks raise on an over-long name: see reserve()
        commands += [
            ["run", "s.yaml", "--replicates", "1", "--no-charts", "--out", target],
            ["plot", str(made["parquet"]), "--chart", "network", "--out", target],
            ["explain", str(made["parquet"]), "--dyad", "PAK-RUS", "--no-charts", "--out", target],
        ]
    for command in commands:
        refused(cli(capsys, *command), fragment)
    assert files_under(tmp_path) == before


def test_too_little_free_space_is_refused_before_any_work(tmp_path: Path, monkeypatch) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(paths.shutil, "disk_usage", lambda _: usage._replace(free=5 * 1024**2))
    with pytest.raises(InputError, match=r"room for the results: about 1.0 GiB are needed .* 5.0 MiB are free"):
        check_output(tmp_path / "out", 1024**3)
    with pytest.raises(InputError, match="room for the results"):
        check_output(tmp_path / "small", 0)  # the margin alone does not fit


def test_a_read_only_place_is_refused(tmp_path: Path, monkeypatch) -> None:
    """(The tests run as root, who may write anywhere: the permission check is simulated.)"""
    monkeypatch.setattr(paths.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="read-only"):
        check_output(tmp_path / "out")


# --- a full disk -----------------------------------------------------------------------------


def full_disk_after(calls: int, real: Callable) -> Callable:
    count = {"n": 0}

    def write(*args: object, **kwargs: object) -> None:
        count["n"] += 1
        if count["n"] > calls:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(*args, **kwargs)

    return write


def test_a_full_disk_while_writing_results_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from powershift.analysis.results.appending import TableFile

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL)
    monkeypatch.setattr(TableFile, "append", full_disk_after(2, TableFile.append))  # run writes chunk by chunk
    refused(cli(capsys, "run", "s.yaml", "--replicates", "1", "--out", "out"), "out", "room on the disk", "No space")
    refused(cli(capsys, "run", "s.yaml", "--replicates", "1", "--no-charts"), "results/s", "room on the disk")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_a_full_disk_while_drawing_charts_leaves_no_chart(
    made: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from powershift.analysis.charts import style

    real = style.save
    two = ["--chart", "network", "power_shares"]
    monkeypatch.setattr(style, "save", full_disk_after(1, real))
    refused(cli(capsys, "plot", str(made["parquet"]), *two, "--out", str(tmp_path / "new")), "new", "room on the disk")
    assert files_under(tmp_path) == []
    charts = tmp_path / "charts"
    charts.mkdir()
    for name in ("network", "power_shares"):
        (charts / f"{name}.png").write_bytes(b"the chart drawn before")
    before = {p: p.read_bytes() for p in files_under(charts)}
    monkeypatch.setattr(style, "save", full_disk_after(1, real))
    refused(cli(capsys, "plot", str(made["parquet"]), *two, "--out", str(charts), "--overwrite"), "room on the disk")
    assert {p: p.read_bytes() for p in files_under(charts)} == before  # none replaced, no staging left


def test_a_full_disk_during_a_sweep_keeps_the_finished_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from powershift.analysis.experiments import sweep

    out = tmp_path / "s"
    real = sweep.write_atomic
    monkeypatch.setattr(sweep, "write_atomic", full_disk_after(2, real))  # points, then one chunk
    refused(cli(capsys, *SWEEP, "--out", str(out)), str(out), "room on the disk", "--resume")
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["part-00000.parquet"]
    assert (out / INCOMPLETE).is_file() and not [p for p in files_under(out) if ".tmp-" in p.name]
    refused(cli(capsys, "plot", str(out)), INCOMPLETE, "--resume")
    monkeypatch.setattr(sweep, "write_atomic", real)
    status, printed, err = cli(capsys, *SWEEP, "--out", str(out), "--resume")
    assert status == 0, err
    assert "(2 run now" in printed and not (out / INCOMPLETE).exists()
    assert sweep.read_runs(out)["point"].tolist() == [0, 1, 2]


# --- sweeps: resume and plot trust nothing ---------------------------------------------------


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    assert run.main([*SWEEP, "--out", str(out)]) == 0
    locks.release_all()
    return out


def test_a_sweep_is_marked_incomplete_until_it_is_done(finished_sweep: Path) -> None:
    meta = json.loads((finished_sweep / "manifest.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION and meta["status"] == "complete"
    assert not (finished_sweep / INCOMPLETE).exists()
    assert not [p for p in finished_sweep.parent.iterdir() if p.name.startswith(".")]  # no lock, no staging


@pytest.mark.parametrize(
    ("damage", "fragments"),
    [
        (lambda s: truncate(s / "runs" / "part-00001.parquet"), ("part-00001.parquet", "truncated")),
        (lambda s: (s / "runs" / "part-00002.parquet").unlink(), ("part-00002.parquet", "missing")),
        (
            lambda s: shutil.copy(s / "runs" / "part-00000.parquet", s / "runs" / "part-00001.parquet"),
            ("part-00001.parquet", "other runs"),
        ),
        (
            lambda s: shutil.copy(s / "runs" / "part-00000.parquet", s / "runs" / "part-00009.parquet"),
            ("chunks 0 to 2",),
        ),
        (lambda s: truncate(s / "points.parquet"), ("points.parquet",)),
        (lambda s: rewrite_manifest(s, lambda m: m.update(runs=7)), ("manifest.json: runs",)),
        (lambda s: rewrite_manifest(s, set_version(FORMAT_VERSION + 1)), ("format_version",)),
    ],
)
def test_damaged_sweeps_are_refused_by_plot_and_resume(
    finished_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable, fragments: tuple
) -> None:
    out = tmp_path / "s"
    shutil.copytree(finished_sweep, out)
    damage(out)
    before = snapshot(out)
    refused(cli(capsys, "plot", str(out), "--out", str(tmp_path / "charts")), *fragments)
    if "points.parquet" in fragments or "missing" in fragments:
        return  # resume recomputes a missing chunk; plot refusing is the point
    refused(cli(capsys, *SWEEP, "--out", str(out), "--resume"), *fragments)
    assert snapshot(out) == before


# --- concurrent writers ----------------------------------------------------------------------

HOLDER = """
import sys
from pathlib import Path
from powershift.analysis.results.locks import lock
lock(Path(sys.argv[1]))
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_by_another_process(folder: Path) -> Iterator[int]:
    """Another process that holds the lock of ``folder`` until the block ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder.absolute())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "locked"
        yield process.pid
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=60)


def test_a_second_writer_to_a_folder_stops_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL)
    out = tmp_path / "out"
    with held_by_another_process(out) as pid:
        with pytest.raises(InputError, match=f"process {pid} is writing it"):
            paths.reserve(out)
        with pytest.raises(InputError, match=f"process {pid}"):
            lock(out)
        line = refused(cli(capsys, "run", "s.yaml", "--replicates", "1", "--no-charts", "--out", "out"), "--out")
        assert f"process {pid} is writing it" in line
        assert not out.exists()
        # without --out a run takes the next free name instead
        status, _, err = cli(capsys, "run", "s.yaml", "--replicates", "1", "--no-charts")
        assert status == 0, err
        with held_by_another_process(tmp_path / "results" / "s") as _:
            assert default_folder(tmp_path / "results", "s") == tmp_path / "results" / "s-2"
            release(tmp_path / "results" / "s-2")
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["s"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".lock")]  # the holder released it at exit
    reserved = paths.reserve(out)
    assert reserved == out and locks.lock_path(out).is_file()
    release(out)
    assert not locks.lock_path(out).exists()


def test_default_names_skip_folders_being_written(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL)
    (tmp_path / "results").mkdir()
    with held_by_another_process(tmp_path / "results" / "s"):
        status, _, err = cli(capsys, "run", "s.yaml", "--replicates", "1", "--no-charts")
        assert status == 0, err
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["s-2"]


@pytest.mark.slow
def test_a_second_resume_of_a_sweep_stops_at_once_and_computes_nothing(
    finished_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s"
    shutil.copytree(finished_sweep, out)
    (out / "runs" / "part-00001.parquet").unlink()  # as if interrupted: one chunk to do
    rewrite_manifest(out, lambda m: m.update(status="running"))
    before = snapshot(out)
    with held_by_another_process(out) as pid:
        clock = time.perf_counter()
        line = refused(cli(capsys, *SWEEP, "--out", str(out), "--resume"), f"process {pid} is writing it")
        assert time.perf_counter() - clock < 10
        assert str(out) in line
        refused(cli(capsys, *SWEEP, "--out", str(out)), "does not exist yet")
    assert snapshot(out) == before
    status, printed, err = cli(capsys, *SWEEP, "--out", str(out), "--resume")
    assert status == 0 and "(1 run now" in printed, err


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = dead_pid()
    out = tmp_path / "out"
    locks.lock_path(out).write_text(json.dumps({"pid": dead, "host": socket.gethostname()}))
    assert lock(out) is True
    assert json.loads(locks.lock_path(out).read_text())["pid"] == os.getpid()
    release(out)
    locks.lock_path(out).write_text(json.dumps({"pid": dead, "host": "another-host"}))
    with pytest.raises(InputError, match="on another-host"):
        lock(out)  # a process on another host cannot be asked: it may be alive


# --- staging ---------------------------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_staging_folders_are_swept_up(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    from powershift.analysis.results.storage import read_results

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(MINIMAL)
    (tmp_path / "results").mkdir()
    stale = tmp_path / "results" / f".s.partial-{dead_pid()}"
    alive = tmp_path / "results" / f".s.partial-{os.getppid()}"
    foreign = tmp_path / "results" / f".s.partial-{dead_pid()}0"
    for folder in (stale, alive, foreign):
        folder.mkdir()
        (folder / "trajectories.parquet").write_bytes(b"half")
    write_marker(stale)
    write_marker(alive)  # (its pid is this process's parent: alive)
    with pytest.raises(InputError, match="staging folder"):
        read_results(stale)
    status, _, err = cli(capsys, "run", "s.yaml", "--replicates", "1", "--no-charts")
    assert status == 0, err
    assert not stale.exists()
    assert alive.exists() and foreign.exists()  # alive, or not powershift's (no marker): left alone
    assert (tmp_path / "results" / "s" / "manifest.json").is_file()
    assert not (tmp_path / "results" / "s" / INCOMPLETE).exists()


def test_only_a_completed_folder_looks_complete(tmp_path: Path) -> None:
    from powershift.analysis.experiments.ensemble import run_ensemble
    from powershift.analysis.results.storage import read_results, write_results
    from powershift.model.scenario import scenario_from_text

    seen = {}

    def extras(staging: Path, meta: dict, tables: dict) -> None:
        seen["staging"] = staging
        assert (staging / INCOMPLETE).is_file() and staging.name.startswith(".out.partial-")
        with pytest.raises(InputError, match="staging folder"):
            read_results(staging)

    write_results(run_ensemble(scenario_from_text(MINIMAL), 1, 0), tmp_path / "out", extras=extras)
    assert not seen["staging"].exists() and not (tmp_path / "out" / INCOMPLETE).exists()
    assert read_results(tmp_path / "out")[0]["replicates"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging, no lock


def test_parquet_schemas_cover_what_the_model_writes(made: dict[str, Path]) -> None:
    """Every column the format promises is in the tables the model writes, with its type."""
    for name, schema in schemas.SCHEMAS.items():
        path = made["parquet"] / f"{name}.parquet"
        if path.is_file():
            found = pq.read_schema(path)
            schemas.check_schema(path, schema, found, 1)
            assert all(f.type != pa.null() for f in found if f.name in schema.names)


@pytest.mark.slow(seconds=10)
@pytest.mark.parametrize("delay", [1.0, 5.5, 6.5])
def test_sigkill_of_run_leaves_nothing_a_reader_accepts(tmp_path: Path, delay: float) -> None:
    """Killed while simulating, writing tables or drawing (a 2,000-world run takes about 9 s here),
    `run` leaves either no folder a reader accepts or a complete one, and the next run to the same
    --out takes over the dead writer's lock and sweeps up its staging folder."""
    command = [sys.executable, str(ROOT / "run.py"), "run", "seed-2024", "--replicates", "2000"]
    process = subprocess.Popen(
        [*command, "--out", "out", "--quiet"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    process.kill()
    process.wait(timeout=30)
    complete = False
    for folder in [p for p in tmp_path.iterdir() if p.is_dir()]:
        code = run.main(["plot", str(folder), "--chart", "list"])
        if folder.name == "out" and code == 0:
            assert not (folder / INCOMPLETE).exists()  # a folder a reader accepts is a complete one
            complete = True
        else:
            assert code == 2, folder.name
    if not complete:
        code = run.main(["run", "baseline", "--replicates", "2", "--years", "1", "--out", str(tmp_path / "out")])
        assert code == 0
        assert run.main(["plot", str(tmp_path / "out"), "--chart", "list"]) == 0
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]  # the dead run's staging was swept up
