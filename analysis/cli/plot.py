"""``run.py plot``: redraw charts from a results, sweep, compare or explain folder, without rerunning."""

from __future__ import annotations

import argparse
from pathlib import Path

from powershift.analysis.charts import registry as charts
from powershift.analysis.charts.options import ChartOptions
from powershift.analysis.cli.options import iso_date, out_option
from powershift.analysis.results.paths import check_output
from powershift.analysis.results.readers import read_folder
from powershift.model.files import InputError

NAME = "plot"
HELP = "redraw charts from a results, sweep, compare or explain folder"


def add_options(command: argparse.ArgumentParser) -> None:
    """Which charts, in which format, and the chart options some charts take."""
    command.add_argument("results", help="the folder to draw from")
    command.add_argument(
        "--chart", nargs="+", default=[], metavar="NAME", help="charts to draw (default: all); 'list' names them"
    )
    command.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="file format (default png)")
    command.add_argument("--dates", nargs="+", type=iso_date, default=[], metavar="YYYY-MM-DD", help="snapshot dates")
    command.add_argument("--outcome", help="sweep charts: the outcome to draw (e.g. share_CHN)")
    command.add_argument("--param", action="append", default=[], metavar="PATH", help="sweep charts: swept parameter")
    out_option(command, "folder for the charts (default RESULTS/charts)")
    command.add_argument("--overwrite", action="store_true", help="replace chart files that exist")


def act(args: argparse.Namespace) -> None:
    """``--chart list`` names the charts the folder can give; otherwise draw them into a folder that may
    exist (charts are added to a results folder), refusing to replace a chart file unless --overwrite."""
    folder = Path(args.results)
    kind, meta, tables = read_folder(folder)
    if args.chart == ["list"]:
        for name in charts.available(kind, meta, tables):
            print(f"{name:22s} {charts.family(kind)[name][1]}")
        return
    names = list(dict.fromkeys(args.chart)) or charts.available(kind, meta, tables)
    charts.check_names(kind, names, folder)
    out = Path(args.out) if args.out else folder / "charts"
    check_output(out, 0, existing_folder=True)
    taken = [out / f"{name}.{args.format}" for name in names if (out / f"{name}.{args.format}").exists()]
    if taken and not args.overwrite:
        raise InputError(taken[0], "--chart", "a chart file that does not exist yet (--overwrite replaces it)")
    options = ChartOptions(tuple(args.dates), args.outcome, tuple(args.param))
    for path in charts.draw(kind, names, meta, tables, out, args.format, options):
        print(path)
