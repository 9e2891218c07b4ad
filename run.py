#!/usr/bin/env python3
"""powershift command line: list, run and validate scenarios; search coalition landscapes.

Bad input is reported as one line ``FILE: field.path: what was expected`` with exit status 2,
and nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from powershift.model.files import InputError, check_seed

RESULTS_ROOT = Path("results")


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line, ``run.py COMMAND: message``, with status 2.

    ``--help`` is untouched. Subcommand parsers are of this class too (argparse makes them so).
    """

    argv: list[str] = []  # set on the top parser: the command line being parsed

    def error(self, message: str) -> None:  # type: ignore[override]
        prog = self.prog
        commands = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
        named = [arg for arg in self.argv if commands and arg in commands[0].choices][:1]
        if named and message.startswith("unrecognized arguments"):
            prog = f"{prog} {named[0]}"  # argparse reports these from the top parser
        self.exit(2, f"{prog}: {' '.join(message.split())} (see '{prog} --help')\n")


def check_options(args: argparse.Namespace) -> None:
    """Counts and seeds, checked before anything runs or any folder is made."""
    if getattr(args, "seed", None) is not None:
        check_seed(args.seed)
    replicates = getattr(args, "replicates", None)
    if replicates is not None and replicates < 1:
        raise InputError("--replicates", "replicates", f"at least 1 replicate, got {replicates}")
    samples = getattr(args, "samples", None)
    if samples is not None and samples < 1:
        raise InputError("--samples", "samples", f"at least 1 sample, got {samples}")


def command_list(args: argparse.Namespace) -> None:
    from powershift.model.scenario import load_scenario, scenario_names

    for name in scenario_names():
        spec = load_scenario(name).spec
        line = " ".join(spec.description.split())
        line = line if len(line) <= 100 else line[:99].rsplit(" ", 1)[0] + " …"
        print(f"{name:27s} {spec.title}\n{'':27s} {line}")


def command_run(args: argparse.Namespace) -> None:
    from powershift.analysis.charts.registry import charts_for
    from powershift.analysis.experiments.ensemble import check_replicates, estimated_bytes, run_ensemble
    from powershift.analysis.results.folders import reserve
    from powershift.analysis.results.storage import default_folder, write_results
    from powershift.model.scenario import load_scenario

    posterior = chosen_posterior(args)
    scenario = load_scenario(args.scenario, tuple(args.set), args.years)
    check_replicates(scenario, args.replicates)
    announce_parameters(args, posterior, [scenario])
    if args.out:
        out = Path(args.out)
        reserve(out, estimated_bytes(scenario, args.replicates))
    else:
        out = default_folder(RESULTS_ROOT, scenario.name)
    results = run_ensemble(
        scenario,
        args.replicates,
        args.seed,
        args.chunk,
        tuple(args.set),
        args.workers,
        args.dask,
        quiet=args.quiet,
        posterior=posterior,
    )

    write_results(results, out, args.format, None if args.no_charts else charts_for("ensemble"))
    print(f"{scenario.name}: {args.replicates} replicate(s), {scenario.steps} steps, {results.seconds:.2f} s -> {out}")
    if not args.no_charts:
        print(f"charts: {out / 'charts'}")


def chosen_posterior(args: argparse.Namespace) -> Any:
    """The posterior a run uses: --posterior FILE, none with --no-posterior, else the committed default
    (``analysis.posterior.DEFAULT_POSTERIOR``) once that file exists."""
    from powershift.analysis.experiments import posterior

    if args.no_posterior:
        return None
    if args.posterior:
        return posterior.read_posterior(args.posterior)
    if posterior.DEFAULT_POSTERIOR.is_file():
        return posterior.read_posterior(posterior.DEFAULT_POSTERIOR)
    return None


def announce_parameters(args: argparse.Namespace, chosen: Any, scenarios: list[Any]) -> None:
    """Check the posterior against every scenario to run, then say in one line which parameter set is used."""
    from powershift.analysis.experiments import posterior

    fixed = posterior.fixed_paths(getattr(args, "set", None) or ())
    if chosen is None:
        why = (
            "--no-posterior" if args.no_posterior else f"no posterior at {posterior.shown(posterior.DEFAULT_POSTERIOR)}"
        )
        print(f"parameters: defaults ({why})")
        return
    for scenario in scenarios:
        posterior.check_posterior(chosen, scenario, fixed)
    kept = [p for p in chosen.model_parameters if p in fixed]
    note = f"; --set fixes {', '.join(kept)}" if kept else ""
    print(f"parameters: {posterior.describe(chosen.record(fixed))} from {posterior.shown(chosen.path)}{note}")


def sweep_design(args: argparse.Namespace) -> Any:
    """The design from --spec (if any) with the flags given on the command line on top."""
    from powershift.analysis.experiments.design import build_design, parse_param, read_design

    fields: dict[str, Any] = read_design(args.spec) if args.spec else {}
    flags = {
        "scenario": args.scenario,
        "sampler": args.sampler,
        "samples": args.samples,
        "replicates": args.replicates,
        "seed": args.seed,
        "years": args.years,
    }
    fields.update({k: v for k, v in flags.items() if v is not None})
    if args.param:
        fields["params"] = [parse_param(text) for text in args.param]
    if args.set:
        fields["set"] = list(args.set)
    if args.trajectories:
        fields["trajectories"] = True
    if not fields.get("scenario"):
        raise InputError("run.py sweep", "scenario", "a scenario name or file (or a --spec file naming one)")
    if not fields.get("params"):
        raise InputError(args.spec or "run.py sweep", "params", "at least one --param PATH=LOW:HIGH[:STEPS]")
    return build_design(fields, args.spec or "run.py sweep")


def command_sweep(args: argparse.Namespace) -> None:
    from powershift.analysis.experiments.sweep import run_sweep

    design = sweep_design(args)
    if args.resume and not args.out:
        raise InputError("--resume", "--out", "the folder of the sweep to resume")
    name = Path(design.scenario).stem
    out = Path(args.out) if args.out else default_sweep_folder(name)
    result = run_sweep(design, out, args.chunk, args.workers, args.dask, args.resume, args.quiet, finish_sweep)
    rate = result.ran / result.seconds if result.seconds > 0 else float("inf")
    print(f"{name}: {result.runs:,} runs ({result.ran:,} run now, {result.seconds:.2f} s, {rate:,.0f} runs/s) -> {out}")


def finish_sweep(out: Path, meta: dict[str, Any], points: Any, runs: Any) -> dict[str, int]:
    """A finished sweep's sensitivity indices (sobol and morris designs) and its charts; the sensitivity
    chart only when some index could be computed."""
    from powershift.analysis.analyze.sensitivity import write_sensitivity
    from powershift.analysis.charts import registry
    from powershift.analysis.results.design_schema import SweepDesign

    design = SweepDesign.model_validate(meta["design"])
    tables = {"runs": runs}
    rows = {}
    if design.sampler in ("sobol", "morris"):
        indices = write_sensitivity(out, meta, design, points, runs)
        rows["sensitivity"] = len(indices)
        if indices["value"].notna().any():
            tables["sensitivity"] = indices
    registry.draw("sweep", registry.available("sweep", meta, tables), meta, tables, out / "charts")
    return rows


def default_sweep_folder(name: str) -> Path:
    from powershift.analysis.results.storage import default_folder

    return default_folder(RESULTS_ROOT, f"sweep-{name}")


def command_plot(args: argparse.Namespace) -> None:
    from powershift.analysis.charts import registry as charts
    from powershift.analysis.charts.options import ChartOptions
    from powershift.analysis.results.folders import check_output, read_folder

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


def command_compare(args: argparse.Namespace) -> None:
    from powershift.analysis.analyze.comparison import gather, write_comparison
    from powershift.analysis.charts.registry import charts_for
    from powershift.analysis.results.folders import reserve
    from powershift.analysis.results.storage import default_folder
    from powershift.model.scenario import load_scenario

    chosen = chosen_posterior(args)
    names = [i for i in args.items if not Path(i).is_dir() and "/" not in i and Path(i).suffix in ("", ".yaml", ".yml")]
    if len(args.items) >= 2 and names:  # gather refuses anything else, in its own words
        scenarios = [load_scenario(name, years=args.years) for name in names] if chosen is not None else []
        announce_parameters(args, chosen, scenarios)
    elif len(args.items) >= 2:
        print("parameters: each folder's own (as its manifest records; nothing is run)")
    if args.out:
        reserve(Path(args.out))
    members = gather(args.items, args.seed, args.replicates, args.years, args.workers, args.quiet, chosen)
    name = "compare-" + "-vs-".join(m.label for m in members)
    out = Path(args.out) if args.out else default_folder(RESULTS_ROOT, name)
    write_comparison(members, out, None if args.no_charts else charts_for("comparison"))
    print((out / "end_state.md").read_text(), end="")
    print(f"-> {out}")


def command_explain(args: argparse.Namespace) -> None:
    from powershift.analysis.analyze.explanation import explain, write_explanation
    from powershift.analysis.charts.registry import charts_for
    from powershift.analysis.results.folders import reserve
    from powershift.analysis.results.storage import default_folder

    folder = Path(args.results)
    if args.out:
        reserve(Path(args.out))
    meta, parts = explain(folder, args.dyad, args.start, args.end, args.counterfactual, args.workers)
    name = f"{meta['dyad']}_{meta['from']}_{meta['to']}"
    out = Path(args.out) if args.out else default_folder(folder / "explanations", name)
    write_explanation(meta, parts, out, None if args.no_charts else charts_for("explanation"))
    print((out / "contributions.md").read_text(), end="")
    print(f"-> {out}")


def command_history(args: argparse.Namespace) -> None:
    """Score the replay's checks and the rolling hindcasts, or (``--calibrate``) refit the posterior."""
    from powershift.analysis.charts.registry import charts_for
    from powershift.analysis.charts.scores import hindcast_charts
    from powershift.analysis.results.folders import reserve
    from powershift.analysis.validation import hindcast
    from powershift.analysis.validation import replay as history
    from powershift.model.scenario import load_scenario

    if args.calibrate:
        calibrate_posterior(args)
        return
    posterior = chosen_posterior(args)
    if args.out:
        reserve(Path(args.out))
    if not args.json:
        announce_parameters(args, posterior, [load_scenario(o.scenario) for o in hindcast.ORIGINS])
    replicates = args.replicates or 100
    results = history.replay(posterior, replicates, args.seed, args.workers, args.quiet)
    forecasts = hindcast.run_hindcast(posterior, replicates, args.seed)
    card = {**history.score(results), "hindcast": hindcast.report(forecasts)}
    if args.out:

        def extras(folder: Path, meta: dict[str, Any], tables: dict[str, Any]) -> None:
            charts_for("ensemble")(folder, meta, tables)
            hindcast.write(forecasts, folder)
            hindcast_charts(forecasts, folder)

        history.write_replay(results, card, Path(args.out), extras)
    print(json.dumps(card, indent=2) if args.json else f"{history.text(card)}\n\n{hindcast.text(forecasts)}")


def calibrate_posterior(args: argparse.Namespace) -> None:
    """Fit the posterior on the calibration years (pyabc) and write NAME.csv and NAME.yaml for --out."""
    from powershift.analysis.validation import calibration

    out = Path(args.out) if args.out else RESULTS_ROOT / "posterior-2014-2019"
    if args.replicates is not None:
        raise InputError("--replicates", "(option)", "no --replicates with --calibrate (it runs one world per draw)")
    posterior = calibration.calibrate(out, calibration.FULL, args.seed, args.workers)
    details = posterior.manifest["details"]
    print(
        f"posterior {posterior.name}: {posterior.size} draws from {details['simulations']:,} simulations, "
        f"{details['generations']} generations, {details['minutes']:.1f} min -> {posterior.path}"
    )
    print(f"use it with: run.py run seed-2024 --posterior {posterior.path}")


def yaml_text(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def command_validate(args: argparse.Namespace) -> None:
    from powershift.model.scenario import load_scenario

    for name in args.files:
        scenario = load_scenario(name)
        print(f"{name}: ok ({len(scenario.events)} events, {scenario.steps} steps)")


def command_landscape(args: argparse.Namespace) -> None:
    from powershift.analysis.analyze.landscape import read_landscape, report

    codes, sizes, propensity = read_landscape(Path(args.sizes), Path(args.propensity))
    minima = report(codes, sizes, propensity)
    if args.json:
        print(json.dumps({"minima": minima}))
        return
    for rank, item in enumerate(minima, 1):
        left, right = item["coalitions"]
        print(f"{rank:3d}. energy {item['energy']:.6g}: {{{', '.join(left)}}} vs {{{', '.join(right)}}}")


def posterior_options(command: argparse.ArgumentParser) -> None:
    choice = command.add_mutually_exclusive_group()
    choice.add_argument(
        "--posterior",
        metavar="FILE",
        help="draw each world's parameters from this posterior (its .yaml manifest, its .csv, or their folder); "
        "default model/data/posterior-2014-2019.yaml once it exists",
    )
    choice.add_argument("--no-posterior", action="store_true", help="run every world with the default parameters")


def execution_options(command: argparse.ArgumentParser, default_workers: int) -> None:
    command.add_argument(
        "--workers", type=int, default=default_workers, help=f"local worker processes (default {default_workers})"
    )
    command.add_argument("--dask", metavar="ADDRESS|local", help="a Dask scheduler, or 'local' to start one")
    command.add_argument("--chunk", type=int, default=500, help="worlds advanced together as one model (default 500)")
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def parser() -> Parser:
    main = Parser(prog="run.py", description=__doc__.splitlines()[0])
    sub = main.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the named scenarios").set_defaults(func=command_list)

    run = sub.add_parser("run", help="run a scenario as an ensemble and write tables and charts")
    run.add_argument("scenario", help="a scenario name (see 'list') or a path to a scenario file")
    run.add_argument("--replicates", type=int, default=20, help="stochastic replicates (default 20)")
    run.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    run.add_argument("--years", type=float, help="override the scenario's horizon in years")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a parameter by dotted path, e.g. actors.PAK.policy.hedging=0.8 (repeatable)",
    )
    run.add_argument("--out", help="results folder; must not exist (default results/<scenario>[-k])")
    run.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format")
    run.add_argument("--no-charts", action="store_true", help="write tables only")
    posterior_options(run)
    execution_options(run, default_workers=1)
    run.set_defaults(func=command_run)

    sweep = sub.add_parser("sweep", help="sweep parameters over a design; runs table, sensitivity indices")
    sweep.add_argument("scenario", nargs="?", help="a scenario name or file (or give it in --spec)")
    sweep.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH[:STEPS]",
        help="a swept parameter, e.g. actors.PAK.policy.hedging=0:1 (repeatable; STEPS for grid)",
    )
    sweep.add_argument("--spec", help="a YAML sweep spec (fields as the flags; flags given here win)")
    sweep.add_argument("--sampler", choices=("grid", "lhs", "sobol", "morris"), help="default lhs")
    sweep.add_argument("--samples", type=int, help="points (lhs), base samples (sobol) or trajectories (morris)")
    sweep.add_argument("--replicates", type=int, help="stochastic replicates per point (default 5)")
    sweep.add_argument("--seed", type=int, help="sweep seed: sampler and replicates (default 0)")
    sweep.add_argument("--years", type=float, help="override the scenario's horizon in years")
    sweep.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="fixed override (repeatable)")
    sweep.add_argument("--out", help="new sweep folder, or the one to --resume (default results/sweep-<scenario>[-k])")
    sweep.add_argument("--resume", action="store_true", help="finish the sweep in --out: run only missing chunks")
    sweep.add_argument("--trajectories", action="store_true", help="also keep every run's per-step tables")
    execution_options(sweep, default_workers=os.cpu_count() or 1)
    sweep.set_defaults(func=command_sweep)

    plot = sub.add_parser("plot", help="redraw charts from a results, sweep, compare or explain folder")
    plot.add_argument("results", help="the folder to draw from")
    plot.add_argument(
        "--chart", nargs="+", default=[], metavar="NAME", help="charts to draw (default: all); 'list' names them"
    )
    plot.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="file format (default png)")
    plot.add_argument("--dates", nargs="+", type=iso_date, default=[], metavar="YYYY-MM-DD", help="snapshot dates")
    plot.add_argument("--outcome", help="sweep charts: the outcome to draw (e.g. share_CHN)")
    plot.add_argument("--param", action="append", default=[], metavar="PATH", help="sweep charts: swept parameter")
    plot.add_argument("--out", help="folder for the charts (default RESULTS/charts)")
    plot.add_argument("--overwrite", action="store_true", help="replace chart files that exist")
    plot.set_defaults(func=command_plot)

    compare = sub.add_parser("compare", help="compare results folders or scenarios: trajectories, differences")
    compare.add_argument(
        "items", nargs="+", metavar="A B", help="results folders or scenario names (first = reference)"
    )
    compare.add_argument(
        "--replicates", type=int, help="replicates for scenario names (default: first folder's, or 20)"
    )
    compare.add_argument("--seed", type=int, help="seed for scenario names (default: first folder's, or 0)")
    compare.add_argument("--years", type=float, help="override the horizon of scenario names")
    compare.add_argument("--out", help="new folder (default results/compare-A-vs-B[-k])")
    compare.add_argument("--no-charts", action="store_true", help="write tables only")
    compare.add_argument("--workers", type=int, default=1, help="local worker processes for scenario runs (default 1)")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")
    posterior_options(compare)
    compare.set_defaults(func=command_compare)

    explain = sub.add_parser("explain", help="why a dyad moved: each mechanism's and event's contribution")
    explain.add_argument("results", help="a results folder written by 'run.py run'")
    explain.add_argument("--dyad", required=True, metavar="A-B", help="the dyad, e.g. PAK-RUS")
    explain.add_argument("--from", dest="start", type=iso_date, metavar="YYYY-MM-DD", help="default: start of run")
    explain.add_argument("--to", dest="end", type=iso_date, metavar="YYYY-MM-DD", help="default: end of run")
    explain.add_argument("--out", help="new folder (default RESULTS/explanations/A-B_FROM_TO[-k])")
    explain.add_argument(
        "--counterfactual",
        action="store_true",
        help="also rerun the scenario without each event (paired) to measure each event's total effect",
    )
    explain.add_argument("--workers", type=int, default=1, help="local worker processes for --counterfactual")
    explain.add_argument("--no-charts", action="store_true", help="write tables only")
    explain.set_defaults(func=command_explain)

    hist = sub.add_parser(
        "history", help="score the 2014 replay and the rolling hindcasts against the record (docs/VALIDATION.md)"
    )
    hist.add_argument("--json", action="store_true", help="print the scorecard and hindcast scores as JSON")
    hist.add_argument("--replicates", type=int, help="worlds per replay and per hindcast origin (default 100)")
    hist.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    posterior_options(hist)
    hist.add_argument(
        "--calibrate",
        action="store_true",
        help="refit the posterior on 2014-2019 with pyabc (about 25 minutes) instead of scoring; "
        "--out names the new posterior (default results/posterior-2014-2019)",
    )
    hist.add_argument("--out", help="new folder for the replay, scorecard.json, hindcast scores and charts")
    hist.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    hist.add_argument("--quiet", action="store_true", help="no progress bar")
    hist.set_defaults(func=command_history)

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", nargs="+")
    validate.set_defaults(func=command_validate)

    land = sub.add_parser("landscape", help="every local minimum of the two-coalition landscape energy")
    land.add_argument("--sizes", required=True, help="CSV with columns actor,size")
    land.add_argument(
        "--propensity",
        required=True,
        help="square matrix CSV (actor names as header and first column) or long CSV actor_a,actor_b,propensity",
    )
    land.add_argument("--json", action="store_true", help="print JSON")
    land.set_defaults(func=command_landscape)
    return main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    cli = parser()
    cli.argv = argv
    try:
        args = cli.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad command line (2, its one line already printed)
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None) * 2
    try:
        check_options(args)
        args.func(args)
    except InputError as exc:
        print(" ".join(str(exc).splitlines()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was half-written (a sweep keeps its finished chunks: --resume)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:  # locks taken for --out are released even when the command failed (in-process callers)
        if "powershift.analysis.results.folders" in sys.modules:
            sys.modules["powershift.analysis.results.folders"].release_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
