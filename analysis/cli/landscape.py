"""``run.py landscape``: every local minimum of the two-coalition energy of given sizes and propensities,
for actor sets that are not in the model (nothing is simulated)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from powershift.analysis.analyze.landscape import read_landscape, report

NAME = "landscape"
HELP = "every local minimum of the two-coalition landscape energy"


def add_options(command: argparse.ArgumentParser) -> None:
    """The two input CSV files and the output form."""
    command.add_argument("--sizes", required=True, help="CSV with columns actor,size")
    command.add_argument(
        "--propensity",
        required=True,
        help="square matrix CSV (actor names as header and first column) or long CSV actor_a,actor_b,propensity",
    )
    command.add_argument("--json", action="store_true", help="print JSON")


def act(args: argparse.Namespace) -> None:
    """The minima, lowest energy first, as JSON or one ranked line each."""
    codes, sizes, propensity = read_landscape(Path(args.sizes), Path(args.propensity))
    minima = report(codes, sizes, propensity)
    if args.json:
        print(json.dumps({"minima": minima}))
        return
    for rank, item in enumerate(minima, 1):
        left, right = item["coalitions"]
        print(f"{rank:3d}. energy {item['energy']:.6g}: {{{', '.join(left)}}} vs {{{', '.join(right)}}}")
