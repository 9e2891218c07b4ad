"""Recompute the numbers docs/explanation/odd.md quotes (P1, P2, sections 3-5): python docs/experiments/odd_numbers.py

Each block prints what the document states, from the model and its data files as they are;
nothing is read from the document itself. The one block that reads outside the project (the
COW NMC components of the CINC comparison) reads /work/shared/reference/facts.csv and says so
when that file is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from powershift.analysis.experiments.ensemble import run_ensemble
from powershift.model import blocs, economy, military
from powershift.model.actors import load_actor_set
from powershift.model.parameters import Parameters
from powershift.model.scenario import load_scenario, scenario_from_text, scenario_names
from powershift.model.world import World, world_seed

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
DEFAULTS = Parameters()
QUIET = (
    "title: t\ndescription: d\nstart: {start}\nyears: 10\nactor_set: {actors}\n"
    "mechanisms: {{noise: {{enabled: false}}}}\neconomy: {{growth_uncertainty: 0.0, exchange_uncertainty: 0.0}}\n"
)
LARGE = 0.05
"""An actor with a power share above this counts as large in the bloc-safety summary."""
NMC_YEAR = {"five-2024": 2022, "five-2014": 2014}
"""The COW NMC year each actor set's CINC figures are for."""


def row(label: str, values: np.ndarray, fmt: str = "{:+6.2f}") -> str:
    return f"   {label:28s}" + " ".join(fmt.format(v) for v in values)


def shares(x: np.ndarray) -> np.ndarray:
    return x / x.sum()


def quiet_world(actors: str, start: str, extra: str = "") -> World:
    return World(scenario_from_text(QUIET.format(start=start, actors=actors) + extra), [world_seed(0, 0)])


def start_check(actors: str, start: str) -> None:
    """P1 (section 3.1.4): the headline start shares against the composite computed from the
    sources, and the CINC index against COW CINC."""
    data = load_actor_set(actors)
    world = quiet_world(actors, start)
    dt, delta = world.dt, DEFAULTS.military.depreciation
    p = DEFAULTS.power
    f = np.exp(np.log1p(data.growth) * dt)
    ratio = dt * f / (f - 1 + delta * dt)  # K / m at the steady state of the stepped update under trend growth
    weights = (p.gdp_mer, p.gdp_ppp, p.military)
    total = sum(weights)

    def composite(military_component: np.ndarray) -> np.ndarray:
        parts = (data.gdp, data.gdp_ppp, military_component)
        return sum(w * shares(x) for w, x in zip(weights, parts, strict=True)) / total

    model = 100 * world.shares[0]
    exact = 100 * composite(data.milex * ratio)
    direct = 100 * composite(data.milex)
    print(f"P1 {actors}: " + ", ".join(world.codes))
    print(row("trend growth %", 100 * data.growth, "{:6.3f}"))
    print(row("stock / spending, years", ratio, "{:6.2f}"))
    print(row("continuous 1/(d + ln(1+g))", 1 / (delta + np.log1p(data.growth)), "{:6.2f}"))
    print(row("GDP MER share %", 100 * shares(data.gdp), "{:6.2f}"))
    print(row("GDP PPP share %", 100 * shares(data.gdp_ppp), "{:6.2f}"))
    print(row("spending share %", 100 * shares(data.milex), "{:6.2f}"))
    print(row("stock share %", 100 * shares(data.milex * ratio), "{:6.2f}"))
    print(row("headline share %", model, "{:6.2f}"))
    print(row("one-year composite %", direct, "{:6.2f}"))
    print(row("headline - one-year, pp", model - direct))
    print(f"   headline - source composite with the stock: largest |difference| {np.abs(model - exact).max():.1e} pp")
    world.release()

    cinc_world = quiet_world(actors, start, "power: {index: cinc}\n")
    cinc_model = 100 * cinc_world.index_shares[0]
    cinc = 100 * data.cinc / data.cinc.sum()
    print(row("CINC index share %", cinc_model, "{:6.2f}"))
    print(row("COW CINC five share %", cinc, "{:6.2f}"))
    print(row("CINC index - CINC, pp", cinc_model - cinc))
    print(f"   CINC index - CINC: largest |difference| {np.abs(cinc_model - cinc).max():.2f} pp")
    cinc_world.release()
    net_world = quiet_world(actors, start, "power: {index: net_resources}\n")
    print(row("net resources share %", 100 * net_world.index_shares[0], "{:6.2f}"))
    net_world.release()
    nmc_within_five(actors, world.codes, 100 * shares(data.milex * ratio), 100 * shares(data.population))


def nmc_within_five(actors: str, codes: list[str], stock: np.ndarray, population: np.ndarray) -> None:
    """Why the CINC index differs from CINC: the NMC components averaged within the five, and the
    model's two substitutes (SIPRI stock for NMC milex, World Bank for NMC population)."""
    path = REFERENCE / "facts.csv"
    if not path.is_file():
        print(f"   (no {path}: NMC components not recomputed)")
        return
    table = pd.read_csv(path)
    year = NMC_YEAR[actors]
    names = ("milex", "milper", "irst", "pec", "tpop", "upop")

    def nmc(name: str) -> np.ndarray:
        rows = table[(table.indicator == f"COW_NMC_{name}") & (table.year.astype(str) == str(year))]
        series = rows.set_index("country_or_pair")["value"].astype(float)
        return np.array([series[c] for c in codes])

    component = {n: 100 * shares(nmc(n)) for n in names}
    print(row(f"NMC {year} within five %", sum(component.values()) / len(names), "{:6.2f}"))
    print(row(f"NMC {year} milex share %", component["milex"], "{:6.2f}"))
    print(row("model stock - NMC milex, pp", stock - component["milex"]))
    print(row("model pop - NMC tpop, pp", population - component["tpop"]))


def trade_calibration() -> None:
    """Section 3.1.5: the per-dyad calibration factors that are not 1 in five-2024."""
    world = quiet_world("five-2024", "2024-01-01")
    k, codes = world.trade_calibration[0], world.codes
    off = zip(*np.nonzero(np.abs(k - 1) > 5e-4), strict=True)
    print("sec 3.1.5 calibration factors != 1: " + ", ".join(f"{codes[i]}->{codes[j]} {k[i, j]:.3f}" for i, j in off))
    world.release()


def rest_point() -> None:
    """P2: no events, no noise, no growth draw: the first step moves nothing; ten years move little."""
    world = quiet_world("five-2024", "2024-01-01")
    trade0 = world.trade.copy()
    world.step()
    first_trade = float(np.abs(world.trade - trade0).max())
    while world.t < world.horizon:
        world.step()
    history = world.recording
    first = np.abs(history.alignment[1] - history.alignment[0]).max()
    decade = np.abs(history.alignment - history.alignment[0]).max()
    gdp = history.actors["gdp"][:, 0]
    years = np.arange(gdp.shape[0]) / 4
    forecast = load_actor_set("five-2024").growth_path(2024 + np.arange(10))  # (10, N)
    path = np.vstack([np.ones((1, gdp.shape[1])), np.cumprod(np.repeat(1 + forecast, 4, axis=0) ** 0.25, axis=0)])
    off = np.abs(gdp / (gdp[0] * path) - 1).max()
    print(f"P2: largest alignment change after one step {first:.1e}, largest trade change {first_trade:.1e} bn")
    print(f"P2: over ten years {decade:.4f} (largest alignment change of any pair)")
    print(f"P2: real GDP off the forecast path by at most {100 * off:.3f} % over {years[-1]:.0f} years")
    world.release()


def relaxation() -> None:
    """Sections 3.3.5, 4 and 5: how much of a one-off push fades under relaxation and the anchor.

    The model's own stepping of relaxation and anchor (bounded update with its 1 - A^2 damping),
    no other force: A, B start at a level a, A is pushed by a small p at t = 0.
    """
    relax = DEFAULTS.mechanisms.relaxation
    room = 1 - 0.6**2
    print(
        f"sec 4: relaxation {relax.rate}/yr with the anchor fixed (kappa 0): half-life {np.log(2) / relax.rate:.2f} yr "
        f"at A = 0, {np.log(2) / (relax.rate * room):.2f} yr at |A| = 0.6 (effective rate x {room:.2f})"
    )
    for rate, kappa, label in ((relax.rate, relax.anchor_rate, "defaults"), (*calibrated(), "posterior median")):
        for level in (0.0, 0.6):
            left = one_off(rate, kappa, level)
            room = 1 - level**2
            half = np.log(2) / (rate * room + kappa)
            stays = kappa / (rate * room + kappa)
            print(
                f"sec 3.3.5 {label} (rate {rate:.3f}, kappa {kappa:.3f}) at A = {level}: effective rate "
                f"{rate * room:.3f}/yr, gap half-life {half:.2f} yr, share that stays {stays:.0%}; "
                f"stepped: left after 1 year {left[4]:.0%}, 3 years {left[12]:.0%}, 10 years {left[40]:.0%}, "
                f"50 years {left[200]:.0%}"
            )
    print(f"sec 3.3.5: anchor half-life at kappa {relax.anchor_rate}: {np.log(2) / relax.anchor_rate:.1f} yr")


def calibrated() -> tuple[float, float]:
    """The committed posterior's medians (model/data/posterior-2014-2019.csv) of the relaxation and anchor rates."""
    from powershift.analysis.experiments.posterior import DEFAULT_POSTERIOR, read_posterior

    medians = read_posterior(DEFAULT_POSTERIOR).draws.median()
    print("sec 3.3.5 posterior medians: " + ", ".join(f"{k} {v:.3f}" for k, v in medians.items()))
    return float(medians["mechanisms.relaxation.rate"]), float(medians["mechanisms.relaxation.anchor_rate"])


def one_off(rate: float, kappa: float, level: float, push: float = 0.01, dt: float = 0.25) -> np.ndarray:
    """Share of a push left, step by step over 50 years, under the model's relaxation and anchor updates."""
    a, b = level + push * (1 - level**2), level
    left = [1.0]
    follow = 1 - np.exp(-kappa * dt)
    for _ in range(200):
        step = float(np.clip(rate * (b - a) * dt, -0.5, 0.5))
        a = float(np.clip(a + step * (1 - a**2), -1, 1))
        b = b + follow * (a - b)
        left.append((a - level) / (push * (1 - level**2)))
    return np.array(left)


def sanctions_drag() -> None:
    """Section 4: the sanctions drag sized on Russia 2022-23 (weo-vintages.csv figures)."""
    forecast = (2.947301, 2.0)  # real_gdp_growth_proj_IMF_WEO_Oct2021, RUS, 2022 and 2023
    outturn = (-2.0697, 3.649299)  # real_gdp_growth_outturn_IMF_WEO_hist (tv_1), RUS, 2022 and 2023
    planned = np.prod([1 + g / 100 for g in forecast])
    actual = np.prod([1 + g / 100 for g in outturn])
    gap = 100 * (1 - actual / planned)
    data = load_actor_set("five-2014")
    codes, gdp = data.codes, data.gdp[None, :]
    usa, rus, n = codes.index("USA"), codes.index("RUS"), data.n
    compliance = data.policy["sanctions_compliance"][None, :]

    def joined(direct: float, secondary: float) -> np.ndarray:
        sanctions, threat = np.zeros((1, n, n)), np.zeros((1, n, n))
        sanctions[0, usa, rus], threat[0, usa, rus] = direct, secondary
        return economy.coalition(sanctions, threat, np.zeros((1, n, n)), compliance)

    # the 2022 package of the replay: +0.7 on the USA's 0.2 in force (2014 steps and CAATSA), secondary 0.3 x 0.7
    change = joined(0.9, 0.05 + 0.21) - joined(0.2, 0.05)
    own = float(economy.sanctions_pressure(np.where(np.arange(n)[None, :, None] == usa, change, 0.0), gdp)[0, rus])
    total = float(economy.sanctions_pressure(change, gdp)[0, rus])
    share = float(gdp[0, usa] / (gdp.sum() - gdp[0, rus]))
    print(
        f"sec 4 sanctions drag: WEO Oct 2021 path +{100 * (planned - 1):.1f} %, outturn +{100 * (actual - 1):.1f} %, "
        f"gap {gap:.2f} % = {gap / 2:.2f} pp/yr; USA share of the others' 2014 GDP {share:.3f}; pressure of the "
        f"2022 package {own:.3f} (USA alone), {total:.3f} (with compliance); "
        f"drag {gap / 200 / own:.3f} or {gap / 200 / total:.3f}"
    )


def trade_term_under_sanctions() -> None:
    """Section 3.3.10: what sanctions cost through the trade term alone (sanctions_drag 0), and with the drag.

    The rest trade the trade gain is measured from is formed under the barriers in force, so the
    trade a sanction blocks is missing from both; what remains is the alignment cooling's effect.
    """
    event = "events: [{id: s, type: sanctions, by: [IND, CHN, PAK], target: [RUS], at: 2024-04-01}]\n"
    quiet = QUIET.format(start="2024-01-01", actors="five-2024").replace("years: 10", "years: 6")
    no_drag = quiet.replace("exchange_uncertainty: 0.0}", "exchange_uncertainty: 0.0, sanctions_drag: 0.0}")
    gdp = {}
    for label, text in (("none", quiet), ("drag 0", no_drag + event), ("default", quiet + event)):
        world = World(scenario_from_text(text), [world_seed(0, 0)])
        h = world.run()
        rus = world.codes.index("RUS")
        gdp[label] = h.actors["gdp"][-1, 0, rus]
        if label == "drag 0":
            volume = world.trade[0, rus].sum() + world.trade[0, :, rus].sum()
            rest = world.rest_trade[0, rus].sum() + world.rest_trade[0, :, rus].sum()
        world.release()
    without, with_ = (100 * (gdp[k] / gdp["none"] - 1) for k in ("drag 0", "default"))
    print(
        f"sec 3.3.10 sanctions on RUS by IND, CHN, PAK, after 6 years: RUS GDP {without:+.2f} % with sanctions_drag 0, "
        f"{with_:+.2f} % with the default; RUS trade volume {volume:.1f} bn against a rest volume of {rest:.1f} bn"
    )


def steady_stock_check() -> None:
    """Section 3.3.11: the stepped steady state equals military.steady_stock."""
    data = load_actor_set("five-2024")
    m = data.milex[None, :]
    k = military.steady_stock(m, np.array([DEFAULTS.military.depreciation]), data.growth[None, :], 0.25)
    print(row("sec 3.3.11 steady_stock / m", (k / m)[0], "{:6.2f}"))


def scenario_shares() -> None:
    """Section 5: share changes over the decade by scenario, paired differences from the baseline,
    bloc membership and how near any actor comes to switching."""
    means, worst_p = {}, []
    for name in scenario_names():
        scenario = load_scenario(name)
        if scenario.actors.spec.name != "five-2024":
            continue
        traj = run_ensemble(scenario, 20, 0).tables["trajectories"]
        last = traj[traj.step == traj.step.max()].set_index(["replicate", "actor"]).power_share
        first = traj[traj.step == 0].set_index(["replicate", "actor"]).power_share
        means[name] = (100 * (last - first)).groupby("actor").mean()
        switched = traj.groupby(["replicate", "actor"]).bloc.nunique().max() > 1
        start = traj[(traj.step == 0) & (traj.replicate == 0)].set_index("actor").bloc
        doubt = (traj.p_bloc1 - traj.bloc).abs()
        at = traj.loc[doubt.idxmax()]
        large = doubt[traj.power_share > LARGE].max()
        worst_p.append((float(doubt.max()), name, at.actor, float(at.power_share), float(large)))
        print(
            f"sec 5 {name:27s} share change pp: {means[name].round(2).to_dict()}  bloc switch: {switched}  "
            f"bloc 1 at start: {sorted(start[start == 1].index)}  largest |p_bloc1 - bloc| {doubt.max():.3f} "
            f"({at.actor}, share {at.power_share:.3f}, flip cost {at.flip_cost:.1e}); "
            f"among shares > {LARGE}: {large:.3f}"
        )
    base = means["baseline"]
    for name, m in means.items():
        if name != "baseline":
            d = (m - base).round(2)
            print(f"sec 5 {name:27s} minus baseline pp: {d.to_dict()}  largest {float(d.abs().max()):.2f}")
    worst = max(float((m - base).abs().max()) for n, m in means.items() if n != "baseline")
    print(f"sec 5: largest difference of a scenario's mean share change from the baseline: {worst:.2f} pp")
    doubt, name, code, share, _ = max(worst_p)
    print(
        f"sec 5: largest |p_bloc1 - bloc| over every scenario, replicate and step: {doubt:.3f} ({code} in {name}, "
        f"share {share:.3f}); among actors with shares > {LARGE}: {max(w[4] for w in worst_p):.3f}"
    )


def ride_along() -> None:
    """Section 5: membership probabilities against a Monte Carlo of the global minimum under the
    same noise (s.d. 0.2 per pair, 4000 draws), in two worlds with blocs {0, 2} and {1, 3}.

    "tipping": the world of tests/model/test_blocs.py, actor 4 (the smallest) between the blocs (ties
    w0 to 0, w1 to 1). "ride-along": actor 4 is the largest, and a tiny actor 5 is firmly with 0
    and 2 and indifferent to 4; the splits that move 4 with or without 5 are near duplicates.
    """
    ties = {(0, 1): -0.6, (0, 2): 0.5, (1, 3): 0.5, (2, 3): -0.3, (0, 3): -0.4, (1, 2): -0.3}
    ties |= {(2, 4): 0.1, (3, 4): -0.1}
    tiny = {(0, 5): 0.5, (2, 5): 0.5, (1, 5): -0.5, (3, 5): -0.5}
    worlds = {
        "tipping": ([0.3, 0.25, 0.2, 0.15, 0.1], ties),
        "ride-along": ([0.2, 0.2, 0.1, 0.1, 0.35, 0.005], ties | tiny),
    }
    noise, draws = 0.2, 4000
    for label, (sizes, links) in worlds.items():
        sizes = np.array(sizes) / np.sum(sizes)
        n = len(sizes)
        i, j = np.triu_indices(n, 1)
        for w0, w1 in ((0.2, 0.3), (0.2, 0.35)):
            p = np.zeros((n, n))
            for (a, b), v in (links | {(0, 4): w0, (1, 4): w1}).items():
                p[a, b] = p[b, a] = v
            sides, _ = blocs.global_minimum(sizes[None], p[None])
            safe = blocs.safety(sizes[None], p[None], sides, np.array([0]), np.full((1, len(i)), noise))
            shocks = np.random.default_rng(2).normal(0.0, noise, (draws, len(i)))
            noisy = np.repeat(p[None], draws, axis=0)
            noisy[:, i, j] += shocks
            noisy[:, j, i] += shocks
            drawn, _ = blocs.global_minimum(np.broadcast_to(sizes, (draws, n)), noisy)
            simulated = (drawn != drawn[:, :1]).mean(axis=0)
            print(
                f"sec 5 {label} (sizes {np.round(sizes, 3).tolist()}, w0 {w0}, w1 {w1}): "
                f"p_bloc1 {np.round(safe.p_bloc1[0], 2).tolist()}, Monte Carlo {np.round(simulated, 2).tolist()}"
            )


def share_information() -> None:
    """Section 3.3.16: why power shares are left out of the posterior fit. 64 worlds of the 2014
    origin's calibration window at the prior's lower and upper ends of the three rates (same seeds):
    how far the parameters move the share changes, against the spread across worlds."""
    from powershift.analysis.validation import calibration, hindcast

    scenario = calibration.calibration_scenario()
    worlds = np.arange(64)
    ends = [
        {
            path: np.full(64, bounds[k])
            for path, bounds in calibration.PRIOR.items()
            if not path.startswith("observation")
        }
        for k in (0, 1)
    ]
    low, high = (hindcast.simulate(scenario, 5, worlds, values) for values in ends)
    effect = float(np.abs(low.values["power share"] - high.values["power share"]).mean())
    spread = float(low.values["power share"].std(axis=1).mean())
    print(
        f"sec 3.3.16 power-share changes 2015-2019: parameter effect {effect:.2f} pp, "
        f"spread across worlds {spread:.2f} pp"
    )


if __name__ == "__main__":
    start_check("five-2024", "2024-01-01")
    start_check("five-2014", "2014-01-01")
    steady_stock_check()
    trade_calibration()
    rest_point()
    trade_term_under_sanctions()
    relaxation()
    sanctions_drag()
    scenario_shares()
    ride_along()
    share_information()
