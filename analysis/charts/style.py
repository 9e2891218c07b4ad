"""One visual style for every chart: fixed actor colours, titles, units, dates and a footnote."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from powershift.analysis.experiments.posterior import describe
from powershift.analysis.results.power_index import index_name, member_indices, power_index

# Okabe-Ito colour-blind-safe palette; the five states keep their colour in every chart.
ACTOR_COLOURS = {
    "USA": "#0072B2",
    "CHN": "#D55E00",
    "RUS": "#CC79A7",
    "IND": "#E69F00",
    "PAK": "#009E73",
}
SPARE_COLOURS = ["#56B4E9", "#F0E442", "#000000", "#999999", "#882255", "#44AA99", "#117733", "#332288"]
BLOC_COLOURS = ("#44AA99", "#882255")  # distinct from the sign colours of alignment
POSITIVE, NEGATIVE = "#0072B2", "#D55E00"  # signs of alignment and of contributions
# Dyads are pairs, not actors: their lines take colours no actor has (Tol's dark/olive tones), then dashes.
DYAD_COLOURS = ("#000000", "#332288", "#999933", "#882255", "#88CCEE")
NEUTRAL = "#332288"  # series that belong to no single actor (dyads, system measures)
REFERENCE = "#8C8C8C"  # the first scenario of a comparison, and zero lines
SCENARIO_STYLES = ("-", "--", ":", "-.")  # scenarios in a comparison: one line style each, actors keep colour
DPI = 150
TITLE_INCHES = 0.1  # the title's distance from the top edge, the same on short and tall figures
CHARS_PER_INCH = 11.5  # about how many characters of a 12-point title fit in an inch
FOOTNOTE_POINTS = 7
STYLE = {"font.size": 10, "axes.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False}
DATA_NOTE = "Data: IMF WEO, World Bank, SIPRI, UN WPP 2024, COW NMC v7.0, national trade figures (model/data)."


def actor_colour(code: str, codes: list[str]) -> str:
    if code in ACTOR_COLOURS:
        return ACTOR_COLOURS[code]
    others = [c for c in codes if c not in ACTOR_COLOURS]
    return SPARE_COLOURS[others.index(code) % len(SPARE_COLOURS)]


def dyad_style(index: int) -> tuple[str, str]:
    """Colour and line style of the k-th dyad in a chart."""
    colour = DYAD_COLOURS[index % len(DYAD_COLOURS)]
    return colour, ("-", "--", ":")[index // len(DYAD_COLOURS) % 3]


def share_label(meta: dict[str, Any], what: str = "Power share", unit: str = "%", stacked: bool = False) -> str:
    """A power-share axis label that names the index: 'Power share (%, economic–military index)';
    ``stacked`` puts the unit on a line of its own, for a short axis."""
    return f"{what}{chr(10) if stacked else ' '}({unit}, {index_name(power_index(meta))})"


def figure(width: float = 9.0, height: float = 5.0, **kwargs: Any) -> tuple[Figure, Any]:
    """A figure outside pyplot's global list of figures, so that charts can be drawn in several threads at
    once (the explorer draws in the background while the page stays live)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
        FigureCanvasAgg(fig)  # measures text for fit_width and tight layouts, as pyplot's Agg canvas did
        return fig, fig.subplots(**kwargs)


def subtitle(meta: dict[str, Any]) -> str:
    """What a chart was drawn from: scenario(s), replicates and seed, read from the folder's manifest."""
    kind = meta.get("kind", "ensemble")
    if kind == "sweep":
        design = meta["design"]
        return (
            f"Sweep of scenario '{meta['scenario']}' · {design['sampler']} · {meta['points']:,} points × "
            f"{design['replicates']} replicates · seed {design['seed']} · power on the {index_name(power_index(meta))}"
        )
    if kind == "explanation":
        return f"{subtitle(meta['source'])} · {meta['dyad']} from {meta['from']} to {meta['to']}"
    if kind == "share_explanation":
        run, base = meta["source"], meta["against"]
        return (
            f"Scenario '{run['scenario']}' against '{base['scenario']}' · {run['replicates']} paired replicates · "
            f"seed {run['seed']} · {meta['state']} at {meta['to']} · power on the {index_name(meta['index'])}"
        )
    if kind == "discovery":
        return (
            f"PRIM over sweep {meta['sweep']} of scenario '{meta['scenario']}' · {meta['runs']:,} runs, "
            f"{meta['cases']:,} where it happens"
        )
    reps = meta["replicates"]
    worlds = f"{reps} replicate{'s' * (reps != 1)}"
    if kind == "comparison":
        seeds = f"seed {meta['seed']}" if meta["paired"] else "different seeds"
        scenarios = " vs ".join(repr(s) for s in meta["scenarios"])
        return f"Scenarios {scenarios} · {worlds} each · {seeds} · {comparison_indices(meta)}"
    return f"Scenario '{meta['scenario']}' · {worlds} · seed {meta['seed']}{index_note(meta)}"


def index_note(meta: dict[str, Any]) -> str:
    """' · power on the CINC index', or nothing when the manifest does not say (an explanation's source
    keeps only scenario, seed and replicates: its alignment charts show no power share)."""
    if meta.get("kind", "ensemble") == "ensemble" and "parameters" not in meta and "power_index" not in meta:
        return ""
    return f" · power on the {index_name(power_index(meta))}"


def comparison_indices(meta: dict[str, Any]) -> str:
    indices = member_indices(meta)
    if len(set(indices.values())) == 1:
        return f"power on the {index_name(next(iter(indices.values())))}"
    return "power on: " + ", ".join(f"{label} the {index_name(i)}" for label, i in indices.items())


def finish(fig: Figure, meta: dict[str, Any], title: str, bottom: float = 0.03, tight: bool = True) -> None:
    """Title naming scenario, replicates and seed; a source/version footnote.

    ``tight=False`` keeps a layout the chart arranged itself (e.g. around a shared colour bar).
    """
    fig.suptitle(heading(fig, meta, title), fontsize=12, x=0.01, y=1 - TITLE_INCHES / fig.get_figheight(), ha="left")
    note = fig.text(0.01, 0.005, footnote(meta), fontsize=FOOTNOTE_POINTS, color="#555555", ha="left", va="bottom")
    fit_width(fig, note)
    if tight:
        fig.tight_layout(rect=(0, bottom, 1, 1))


def footnote(meta: dict[str, Any]) -> str:
    """Version, parameter set and data sources: 'powershift 0.1.0 · Parameters: defaults · Data: ...'."""
    parameters = parameter_note(meta)
    return " · ".join(filter(None, (f"powershift {meta.get('version', '')}", parameters, DATA_NOTE)))


def parameter_note(meta: dict[str, Any]) -> str:
    """Which parameters a folder's worlds ran with: 'Parameters: posterior NAME (D draws)' or 'Parameters:
    defaults' (also for ensembles written before posteriors existed, which all ran with the defaults); a
    sweep's design; a comparison's members' (by label when they differ). Empty when the manifest does not
    say (an explanation's source keeps no parameter set)."""
    kind = meta.get("kind", "ensemble")
    if kind in ("sweep", "discovery"):
        return "Parameters: as swept, the rest at defaults"
    if kind == "explanation":
        source = meta.get("source") or {}
        return f"Parameters: {describe(source['parameter_set'])}" if "parameter_set" in source else ""
    if kind == "share_explanation":
        return f"Parameters: {describe(meta['source'].get('parameter_set'))}"
    if kind == "comparison":
        members = meta.get("members") or []
        sets = {m.get("label", ""): describe(m.get("parameter_set")) for m in members}
        if len(set(sets.values())) > 1:
            return "Parameters: " + "; ".join(f"{label} {text}" for label, text in sets.items())
        return f"Parameters: {next(iter(sets.values()), 'defaults')}"
    return f"Parameters: {describe(meta.get('parameter_set'))}"


def fit_width(fig: Figure, text: Any, smallest: float = 5.0) -> None:
    """Shrink a one-line text (down to ``smallest`` points) until it fits the figure's width."""
    width = text.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi
    room = 0.98 * fig.get_figwidth()
    if width > room:
        text.set_fontsize(max(smallest, text.get_fontsize() * room / width))


def heading(fig: Figure, meta: dict[str, Any], title: str) -> str:
    """Title and subtitle, the subtitle broken at its ' · ' separators where it is wider than the figure."""
    width = int(CHARS_PER_INCH * fig.get_figwidth())
    lines: list[str] = []
    for part in subtitle(meta).split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "\n".join([title, *lines])


def date_axis(ax: Any, step: int = 2) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(step))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("Year")


def save(fig: Figure, path: Path) -> None:
    """Write the figure under a temporary name and rename it: a chart file is whole or absent."""
    staging = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fig.savefig(staging, dpi=DPI, format=path.suffix.lstrip("."))
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
        close(fig)


def close(fig: Figure) -> None:
    """Drop a figure's artists now, not at garbage collection: a sweep or a live page draws many."""
    fig.clear()
