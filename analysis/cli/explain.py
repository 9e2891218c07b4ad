"""``run.py explain``: why a dyad's alignment moved in a results folder, as each mechanism's and each
event's contribution (and, with --counterfactual, each event's total effect from paired reruns); with
--state and --against, why a state's power share differs from a baseline's."""

from __future__ import annotations

import argparse
from pathlib import Path

from powershift.analysis.analyze.against import against, baseline_run
from powershift.analysis.analyze.explanation import explain, write_explanation
from powershift.analysis.analyze.share_against import share_explanation, write_share_explanation
from powershift.analysis.charts.registry import charts_for
from powershift.analysis.cli.common import reserve_out
from powershift.analysis.cli.options import iso_date, no_charts_option, out_option, workers_option
from powershift.analysis.results.manifests import read_manifest
from powershift.analysis.results.storage import default_folder, read_results
from powershift.model.files import InputError

NAME = "explain"
HELP = "why a dyad moved (each mechanism's and event's contribution), or a share against a baseline"


def add_options(command: argparse.ArgumentParser) -> None:
    """The folder, the dyad and the period; where to write; the optional counterfactual reruns."""
    command.add_argument("results", help="a results folder written by 'run.py run'")
    subject = command.add_mutually_exclusive_group(required=True)
    subject.add_argument("--dyad", metavar="A-B", help="the dyad, e.g. PAK-RUS")
    subject.add_argument(
        "--state",
        metavar="CODE",
        help="a state whose power share at --to is split by component and coupling (needs --against)",
    )
    command.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD", help="default: start of run")
    command.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD", help="default: end of run")
    out_option(command, "new folder (default RESULTS/explanations/A-B_FROM_TO[-k])")
    command.add_argument(
        "--counterfactual",
        action="store_true",
        help="also rerun the scenario without each event (paired) to measure each event's total effect",
    )
    command.add_argument(
        "--against",
        metavar="BASELINE",
        help="explain the difference from a baseline: a results folder with the same seed and replicates, "
        "or a scenario (name or file) run with them",
    )
    workers_option(command, help="local worker processes for --counterfactual and --against")
    no_charts_option(command)


def act(args: argparse.Namespace) -> None:
    """Explain, write the folder (by default inside the results folder) and print the contributions."""
    if args.state:
        explain_share(args)
        return
    folder = Path(args.results)
    if args.against and args.counterfactual:
        raise InputError("--against", "--counterfactual", "one of the two (an event's effect is measured in one run)")
    reserved = reserve_out(args)
    meta, parts = explain(folder, args.dyad, args.start, args.end, args.counterfactual, args.workers)
    name = f"{meta['dyad']}_{meta['from']}_{meta['to']}"
    if args.against:
        baseline = baseline_run(read_manifest(folder, "ensemble"), args.against, args.workers)
        meta, parts = against(meta, parts, baseline, args.against)
        name += f"_vs_{Path(args.against).stem or 'baseline'}"
    out = reserved or default_folder(folder / "explanations", name)
    write_explanation(meta, parts, out, None if args.no_charts else charts_for("explanation"))
    print((out / "contributions.md").read_text(), end="")
    print(f"-> {out}")


def explain_share(args: argparse.Namespace) -> None:
    """``--state``: the share's difference from the baseline at --to, by component and coupling."""
    folder = Path(args.results)
    if not args.against:
        raise InputError("--state", args.state, "--against BASELINE as well (a share is explained against a baseline)")
    for flag, given in (("--from", args.start), ("--counterfactual", args.counterfactual)):
        if given:
            raise InputError("--state", flag, "no --from or --counterfactual (the share is split at --to)")
    reserved = reserve_out(args)
    run = read_results(folder)
    baseline = baseline_run(run[0], args.against, args.workers)
    meta, parts = share_explanation(run, baseline, args.state, args.end, folder, args.against, args.workers)
    name = f"{meta['state']}_share_{meta['to']}_vs_{Path(args.against).stem or 'baseline'}"
    out = reserved or default_folder(folder / "explanations", name)
    write_share_explanation(meta, parts, out, None if args.no_charts else charts_for("share_explanation"))
    print((out / "share_contributions.md").read_text(), end="")
    print(f"-> {out}")
