"""What several commands do the same way: where results go, and which parameter set the worlds use.

One place for each, so that every command refuses an existing ``--out`` with the same words, takes
its lock before any work, and prints the same ``parameters: ...`` line.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from powershift.analysis.experiments import posterior
from powershift.analysis.experiments.posterior import Posterior
from powershift.analysis.results.paths import reserve
from powershift.model.scenario import Scenario

RESULTS_ROOT = Path("results")
"""Where default output folders are made, relative to the working directory."""


def reserve_out(args: argparse.Namespace, estimated_bytes: int = 0) -> Path | None:
    """The ``--out`` folder, checked (new, writable, room for ``estimated_bytes``) and locked before
    any work, so a bad or taken folder costs nothing; None when no ``--out`` was given (the command
    then picks a new default folder, often once its results are named)."""
    if not args.out:
        return None
    out = Path(args.out)
    reserve(out, estimated_bytes)
    return out


def chosen_posterior(args: argparse.Namespace) -> Posterior | None:
    """The posterior a run uses: --posterior FILE, none with --no-posterior, else the committed default
    (``posterior.DEFAULT_POSTERIOR``) once that file exists."""
    if args.no_posterior:
        return None
    if args.posterior:
        return posterior.read_posterior(args.posterior)
    if posterior.DEFAULT_POSTERIOR.is_file():
        return posterior.read_posterior(posterior.DEFAULT_POSTERIOR)
    return None


def announce_parameters(args: argparse.Namespace, chosen: Posterior | None, scenarios: Sequence[Scenario]) -> None:
    """Check the posterior against every scenario to run, then say in one line which parameter set is used."""
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
