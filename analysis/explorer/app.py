"""The explorer page: change a policy or an event and watch the balance of power move beside the baseline.

Served by Solara (``powershift explore``, or ``solara run powershift.analysis.explorer.app``). Mesa's
SolaraViz steps one model and draws its agents; this page runs an ensemble of worlds per change and
draws bands, so it is plain Solara around the command line's own pieces: ``state`` turns the controls
into the scenario file the command line would run, ``session`` runs it beside the cached paired
baseline, ``views`` draws the command line's charts. Every rerun happens in a background thread
(``solara.lab.use_task``), so the page stays live and shows progress; a bad input is shown as the
command line's one-line message, never a stack trace.
"""

from __future__ import annotations

import html
import io
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import solara
import solara.lab

from powershift.analysis.analyze.comparison import display_factor
from powershift.analysis.charts.registry import charts_for
from powershift.analysis.experiments.posterior import describe
from powershift.analysis.explorer import drawing, views
from powershift.analysis.explorer.session import BaselineCache, Look, default_posterior, look
from powershift.analysis.explorer.state import (
    MAX_WORLDS,
    Exploration,
    build,
    event_rows,
    from_link,
    policies,
    scenario_yaml,
    to_link,
)
from powershift.analysis.results.power_index import INDEX_NAMES
from powershift.analysis.results.storage import write_results
from powershift.model.actors import POLICY_BOUNDS, POLICY_NAMES
from powershift.model.files import InputError, file_text
from powershift.model.scenario import scenario_names

SETTLE_SECONDS = 0.15  # a slider sends values while it is dragged: wait this long for the last before running
POSTERIOR = default_posterior()
BASELINES = BaselineCache()  # shared by every page of this server: a baseline does not depend on who asked
drawing.warm_up()

TABLE_STYLE = """
.explorer-table { border-collapse: collapse; font-size: 0.9em; margin-bottom: 12px; }
.explorer-table th, .explorer-table td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #ddd; }
.explorer-table td:first-child, .explorer-table th:first-child { text-align: left; }
.explorer-view { max-width: 100%; height: auto; }
"""

state = solara.reactive(Exploration())
choices = solara.reactive(views.Choices())
tab = solara.reactive(0)
progress = solara.reactive((0.0, ""))
shown = solara.reactive(None)  # the last look that ran without error: the views keep showing it
drawn = solara.reactive({})  # (view, choices) -> PNG of the shown look
actor = solara.reactive("PAK")
refusal = solara.reactive(("", ""))  # (state key, message) of a file or link refused while that state was shown


def message(exc: BaseException) -> str:
    """What the page says about a failure: the command line's line for bad input, one plain line otherwise."""
    if isinstance(exc, InputError):
        return str(exc)
    return f"The run failed ({type(exc).__name__}: {exc}). This is a bug; please report it with the link below."


def compute(wanted: Exploration) -> Look | None:
    """Run a state once the controls have settled; a state overtaken by a newer one returns None unrun."""
    time.sleep(SETTLE_SECONDS)
    if state.value != wanted:
        return None
    result = look(wanted, POSTERIOR, BASELINES, lambda done, what: progress.set((done, what)))
    if state.value == wanted:
        drawn.set({})
        shown.set(result)
    return result


def draw(current: Look | None, order: list[str], picked: views.Choices) -> None:
    """Draw the views not drawn yet, the visible one first (``drawing.draw`` shares them between both cores)."""
    missing = [name for name in order if (name, picked) not in drawn.value]
    if current is None or not missing:
        return

    def deliver(name: str, image: bytes) -> None:
        if shown.value is current:
            drawn.set({**drawn.value, (name, picked): image})

    drawing.draw(current, missing, picked, deliver, lambda: shown.value is current and choices.value == picked)


def results_zip(current: Look) -> bytes:
    """The edited run as a results folder of the output contract (tables, manifest, charts), zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / current.state.label
        write_results(current.results, folder, "parquet", charts_for("ensemble"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(Path(tmp)).as_posix())
        return buffer.getvalue()


def refuse(exc: InputError) -> None:
    """Show a refused file or link until the state changes (the refusal is about the state it was given on)."""
    refusal.set((state.value.key(), str(exc)))


def load_file(info: Any) -> None:
    """A scenario file dropped on the page becomes the source; a file that is not one is refused in the page."""
    name = Path(str(info["name"])).stem or "uploaded"
    try:
        text = file_text(info["data"], f"{name}.yaml")
    except InputError as exc:
        refuse(exc)
        return
    state.set(Exploration(scenario=name, text=text, worlds=state.value.worlds, seed=state.value.seed))


@solara.component
def SourceControls(current: Exploration) -> None:
    names = scenario_names()
    solara.Select(
        label="Scenario",
        values=names if current.scenario in names else [current.scenario, *names],
        value=current.scenario,
        on_value=lambda name: state.set(Exploration(scenario=name, worlds=current.worlds, seed=current.seed)),
    )
    solara.FileDrop(label="…or drop a scenario file here", on_file=load_file, lazy=False)
    solara.InputFloat(
        optional=True,
        label="Horizon (years)",
        value=current.years if current.years is not None else source_years(current),
        on_value=lambda v: state.set(replace(state.value, years=v)) if v is not None else None,
    )
    solara.InputInt(
        label=f"Worlds (1 to {MAX_WORLDS:,})",
        value=current.worlds,
        on_value=lambda v: state.set(replace(state.value, worlds=v)),
    )
    solara.InputInt(label="Seed", value=current.seed, on_value=lambda v: state.set(replace(state.value, seed=v)))
    solara.Select(
        label="Power index",
        values=list(INDEX_NAMES),
        value=current.index or source_index(current),
        on_value=lambda v: state.set(replace(state.value, index=v)),
    )


def source_years(current: Exploration) -> float | None:
    """The source file's horizon, or nothing while the file is refused (the error says why)."""
    try:
        return float(build(current.baseline()).spec.years)
    except InputError:
        return None


def source_index(current: Exploration) -> str:
    try:
        return build(current.baseline()).spec.power.index
    except InputError:
        return "economic_military"


@solara.component
def PolicyControls(current: Exploration) -> None:
    try:
        values = policies(build(current.baseline()))
    except InputError:
        return
    codes = list(values)
    solara.HTML("h4", "Policies", style="margin: 12px 0 0 0")
    code = actor.value if actor.value in codes else codes[0]
    solara.Select(label="State", values=codes, value=code, on_value=actor.set)
    for name in POLICY_NAMES:
        low, high = POLICY_BOUNDS[name]
        value = current.policy.get(code, {}).get(name, values[code][name])
        with solara.Row(style={"align-items": "center", "gap": "4px"}):
            solara.HTML("span", name.replace("_", " "), style="width: 10em; font-size: 0.85em")
            solara.SliderFloat(
                label="",
                value=min(max(value, low), high),
                min=low,
                max=high,
                step=0.05,
                on_value=lambda v, n=name: state.set(state.value.with_policy(code, n, round(v, 4))),
                thumb_label=False,
            )
            solara.InputFloat(
                label="",
                value=value,
                on_value=lambda v, n=name: state.set(state.value.with_policy(code, n, v)),
                style={"max-width": "4.5em"},
                dense=True,
                classes=[f"policy-{name}"],
            )


@solara.component
def EventControls(current: Exploration) -> None:
    try:
        rows = event_rows(current)
    except InputError:
        return
    solara.HTML("h4", f"Events ({len(rows)})", style="margin: 12px 0 0 0")
    for row in rows:
        with solara.Column(gap="0px", style={"border-bottom": "1px solid #e0e0e0", "padding": "2px 0"}):
            solara.Checkbox(
                label=f"{row['id']} ({row['type']})",
                value=row["on"],
                on_value=lambda on, i=row["id"]: state.set(state.value.with_event(i, on=on)),
                style="font-size: 0.85em; margin: 0",
            )
            if row["on"]:
                EventSettings(row)


@solara.component
def EventSettings(row: dict[str, Any]) -> None:
    """Magnitude (a slider from 0 to 1, as the schema bounds it) and, for a dated event, its date."""
    with solara.Row(style={"align-items": "center", "gap": "4px", "margin-left": "32px"}):
        solara.HTML("span", "magnitude", style="font-size: 0.8em; color: #555")
        solara.SliderFloat(
            label="",
            value=row["magnitude"],
            min=0.0,
            max=1.0,
            step=0.05,
            on_value=lambda v: state.set(state.value.with_event(row["id"], magnitude=round(v, 4))),
        )
        if row["date_field"]:
            solara.InputText(
                label=row["date_field"],
                value=row["date"] or "",
                on_value=lambda v: state.set(state.value.with_event(row["id"], date=v.strip() or None)),
                dense=True,
                style={"max-width": "7.5em"},
            )


@solara.component
def Status(task: Any, current: Look | None) -> None:
    if task.pending:
        done, what = progress.value
        solara.ProgressLinear(max(done, 1.0))
        solara.Text(f"Running: {what}…", style={"color": "#555"})
    elif task.error:
        solara.Error(message(task.exception), classes=["explorer-error"])
        if current is not None:
            solara.Text("The views still show the last valid state.", style={"color": "#555"})
    key, said = refusal.value
    if said and key == state.value.key():
        solara.Error(said, classes=["explorer-error"])
    if current is not None and not task.pending:
        parameters = describe(current.meta.get("parameter_set"))
        solara.Text(
            f"{current.state.label}: {current.state.worlds} worlds, seed {current.state.seed}, "
            f"paired with {current.baseline.scenario.name} · parameters: {parameters} · {current.seconds:.1f} s",
            classes=["explorer-status"],
            style={"color": "#333"},
        )


@solara.component
def DifferenceTable(current: Look) -> None:
    solara.HTML("div", difference_table(current), classes=["explorer-difference"])


def difference_table(current: Look) -> str:
    """The end-of-run power shares and focus-dyad alignments of both, and their paired differences with 90 %
    intervals, as HTML tables: the rows of ``powershift compare``'s end_state.csv for the same two scenarios, with
    the shares (fractions there) in % and their differences in percentage points."""
    ends = current.ends
    date = html.escape(str(ends["date"].iloc[0]))
    return (
        f"<p>At the end of the run ({date}): medians over worlds; each difference is taken world by world "
        "against the baseline, then summarised.</p>"
        + end_rows(current, "share_", "State", "%", "pp", ".3f")
        + end_rows(current, "alignment_", "Dyad", "−1 … +1", "", ".3f")
    )


def end_rows(current: Look, prefix: str, what: str, unit: str, change: str, fmt: str) -> str:
    ends = current.ends[current.ends["outcome"].str.startswith(prefix)].copy()
    shown = ["median", "difference", "difference_low", "difference_high"]
    ends[shown] = ends[shown] * display_factor(prefix)
    base = ends[ends["scenario"] == current.comparison["scenarios"][0]].set_index("outcome")
    edited = ends[ends["difference"].notna()]
    cells = "".join(
        f"<tr data-{what.lower()}='{r.outcome.removeprefix(prefix)}'><td>{r.outcome.removeprefix(prefix)}</td>"
        f"<td>{base.loc[r.outcome, 'median']:{fmt}}</td><td>{r.median:{fmt}}</td>"
        f"<td class='difference'>{r.difference:+{fmt}}</td>"
        f"<td>{r.difference_low:+{fmt}} … {r.difference_high:+{fmt}}</td><td>{r.share_higher:.0%}</td></tr>"
        for r in edited.itertuples()
    )
    head = (
        f"<tr><th>{what}</th><th>Baseline ({unit})</th><th>Edited ({unit})</th>"
        f"<th>Paired difference{f' ({change})' if change else ''}</th><th>90 % interval</th><th>Worlds higher</th></tr>"
    )
    return f"<table class='explorer-table'>{head}{cells}</table>"


@solara.component
def ViewPicks(name: str, current: Look) -> None:
    picked = choices.value
    if name == "network":
        dates = views.dates(current)
        solara.Select(
            label="Date",
            values=dates,
            value=picked.date if picked.date in dates else dates[-1],
            on_value=lambda d: choices.set(replace(choices.value, date=d)),
        )
    if name == "waterfall":
        pairs = views.dyads(current)
        with solara.Row(style={"align-items": "center", "gap": "16px"}):
            solara.Select(
                label="Dyad",
                values=pairs,
                value=picked.dyad if picked.dyad in pairs else pairs[0],
                on_value=lambda d: choices.set(replace(choices.value, dyad=d)),
            )
            solara.Checkbox(
                label="against the baseline (each part's paired difference)",
                value=picked.against,
                on_value=lambda on: choices.set(replace(choices.value, against=on)),
            )


@solara.component
def Views(current: Look | None) -> None:
    names = list(views.VIEWS)
    visible = names[tab.value]
    order = [visible, *[n for n in names if n != visible]]
    # not restarted by a tab switch: the views already under way keep going, and an open tab shows its view when drawn
    solara.lab.use_task(lambda: draw(current, order, choices.value), dependencies=[id(current), choices.value])
    with solara.lab.Tabs(value=tab, lazy=True):
        for name in names:
            with solara.lab.Tab(views.VIEWS[name][0]):
                if current is None:
                    solara.Text("Running the first ensemble…")
                    continue
                ViewPicks(name, current)
                image = drawn.value.get((name, choices.value))
                if image is None:
                    solara.ProgressLinear(True)
                    solara.Text("Drawing…")
                else:
                    solara.Image(image, classes=[f"view-{name}", "explorer-view"])
                if name == "difference":
                    DifferenceTable(current)


@solara.component
def Keep(current: Exploration, result: Look | None) -> None:
    """Downloads of what is on screen (only when it is the current state: a refused edit has nothing to keep),
    and the link, which restores even a refused state so that it can be reported."""
    router = solara.use_router()
    link = f"{router.path or '/'}?{to_link(current)}"
    if result is not None and result.state == current:
        with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
            solara.FileDownload(
                lambda: scenario_yaml(current), filename=f"{current.label}.yaml", label="Download scenario (YAML)"
            )
            solara.FileDownload(
                lambda: results_zip(result), filename=f"{result.state.label}.zip", label="Download results (zip)"
            )
    elif result is not None:
        solara.Text("Downloads come back once the page shows the current state.", style={"color": "#555"})
    solara.HTML(
        "p",
        f"<a href='{html.escape(link)}'>Link to this state</a>: copy it to come back to exactly this page.",
        classes=["explorer-link"],
    )


@solara.component
def Page() -> None:
    router = solara.use_router()

    def restore() -> None:
        try:
            state.set(from_link(router.search or ""))
        except InputError as exc:
            refuse(exc)

    solara.use_effect(restore, [])
    current = state.value
    task = solara.lab.use_task(lambda: compute(current), dependencies=[current.key()], raise_error=False)
    solara.Title("powershift explorer")
    with solara.Sidebar():
        SourceControls(current)
        PolicyControls(current)
        EventControls(current)
    solara.Style(TABLE_STYLE)
    solara.HTML(
        "p",
        "Change a policy or an event: the edited scenario reruns in the background and every view compares it, "
        "world by world, with the unedited baseline (same seed and worlds).",
    )
    Shown(task, current)


@solara.component
def Shown(task: Any, current: Exploration) -> None:
    """What depends on the last look: its own component, so a new look redraws it and not the controls."""
    result = shown.value
    Status(task, result)
    Views(result)
    Keep(current, result)
