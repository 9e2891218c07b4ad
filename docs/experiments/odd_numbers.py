"""Recompute the numbers docs/ODD.md quotes (P1, P2, section 5): python docs/experiments/odd_numbers.py

Each block prints what the document states, from the model as it is; nothing is read from the
document itself.
"""

from __future__ import annotations

import numpy as np

from analysis.ensemble import run_ensemble
from model.scenario import load_scenario, scenario_from_text, scenario_names
from model.world import World, world_seed

QUIET = (
    "title: t\ndescription: d\nstart: {start}\nyears: 10\nactor_set: {actors}\n"
    "mechanisms: {{noise: {{enabled: false}}}}\n"
)


def start_shares(actors: str, start: str) -> None:
    """P1 (section 3.1.4): start-year power shares against the five states' CINC shares."""
    scenario = scenario_from_text(QUIET.format(start=start, actors=actors))
    world = World(scenario, [world_seed(0, 0)])
    cinc = np.array([scenario.actors.spec.actors[c].cinc.value for c in world.codes])
    model, reference = 100 * world.shares[0], 100 * cinc / cinc.sum()
    print(f"P1 {actors}: " + ", ".join(world.codes))
    print("   model %      " + " ".join(f"{v:6.2f}" for v in model))
    print("   CINC five %  " + " ".join(f"{v:6.2f}" for v in reference))
    print("   difference   " + " ".join(f"{v:+6.2f}" for v in model - reference))
    world.release()


def rest_point() -> None:
    """P2: no events, no noise: the first step moves nothing; ten years move little."""
    world = World(scenario_from_text(QUIET.format(start="2024-01-01", actors="five-2024")), [world_seed(0, 0)])
    history = world.run()
    first = np.abs(history.alignment[1] - history.alignment[0]).max()
    decade = np.abs(history.alignment - history.alignment[0]).max()
    print(f"P2: largest alignment change after one step {first:.1e}, over ten years {decade:.4f}")
    world.release()


def share_drift() -> None:
    """Section 5: power shares move little, blocs never switch, scenarios differ from the baseline by little."""
    means = {}
    for name in scenario_names():
        scenario = load_scenario(name)
        if scenario.actors.spec.name != "five-2024":
            continue
        traj = run_ensemble(scenario, 20, 0).tables["trajectories"]
        ends = traj[traj.step == traj.step.max()].groupby("actor").power_share.mean()
        starts = traj[traj.step == 0].groupby("actor").power_share.mean()
        means[name] = 100 * (ends - starts)
        switched = traj.groupby(["replicate", "actor"]).bloc.nunique().max() > 1
        print(f"sec 5 {name:27s} share change pp: {means[name].round(2).to_dict()}  bloc switch: {switched}")
    base = means["baseline"]
    worst = max(float((m - base).abs().max()) for n, m in means.items() if n != "baseline")
    print(f"sec 5: largest difference of a scenario's mean share change from the baseline: {worst:.2f} pp")
    rate = load_scenario("baseline").spec.mechanisms.relaxation.rate
    print(
        f"sec 5: relaxation {rate}/yr: half-life {np.log(2) / rate:.2f} yr, left after 3 years {np.exp(-3 * rate):.0%}"
    )


if __name__ == "__main__":
    start_shares("five-2024", "2024-01-01")
    start_shares("five-2014", "2014-01-01")
    rest_point()
    share_drift()
