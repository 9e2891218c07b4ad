"""The World: a Mesa model advancing a batch of W independent worlds of N states together.

State arrays carry a leading world axis. World w draws its randomness only from its own key,
derived from its own ``SeedSequence`` (see ``model.randomness``), and all of it is drawn when
the batch is built; so a world's trajectory depends on its scenario, its parameters and its seed, never on
which other worlds share its batch. ``World.step`` reads top to bottom as the process overview
of docs/explanation/odd.md: events fire, states decide, dyads move, the economy and military respond,
power and blocs are measured and recorded. Which mechanisms move alignment is the registry in
``model.mechanisms``; when events fire is the ``model.schedule.Schedule`` each World holds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence

import mesa
import numpy as np

from powershift.model import alignment as al
from powershift.model import blocs, economy, mechanisms, metrics, military, power, randomness
from powershift.model.actors import POLICY_BOUNDS, POLICY_NAMES
from powershift.model.agents import StateAgent
from powershift.model.dyads import Dyad
from powershift.model.events import Effects, Event
from powershift.model.files import InputError
from powershift.model.parameters import NUMBER_PATHS
from powershift.model.paths import ParamPath
from powershift.model.recording import EventParts, Recording
from powershift.model.scenario import Scenario
from powershift.model.schedule import Schedule

CONTRIBUTIONS = (*mechanisms.MECHANISMS, "events")
COMPONENT_SHARES = tuple(f"{c}_share" for c in power.COMPONENTS)
ACTOR_SERIES = (
    "capability",
    "power_share",
    "gdp",
    "gdp_ppp",
    "population",
    "milex",
    "military_stock",
    "bloc",
    "p_bloc1",
    "flip_cost",
    "stability",
    "tilt",
    "allied_power",
    *COMPONENT_SHARES,
)
METRIC_SERIES = (
    "polarity",
    "balance_index",
    "landscape_energy",
    "bloc_gap",
    "bloc_power_0",
    "bloc_power_1",
    "parity",
)
MEASURES = frozenset(ACTOR_SERIES + METRIC_SERIES)


class NonFiniteState(InputError, ValueError):
    """A world's state went NaN or infinite: the run stops (nothing is written) with one line
    ``step S, world W: <variable> is not finite (NaN or inf)``; an InputError, since extreme
    parameter values are what bring it about, so the command line exits with status 2.

    ``world`` is the world's index in its batch; a caller that knows more about the world (its
    replicate, its sweep point) passes it on with :meth:`naming`.
    """

    def __init__(self, step: int, world: int | str, variable: str) -> None:
        self.step, self.world, self.variable = step, world, variable
        super().__init__(f"step {step}, world {world}", variable, "a finite value (not NaN or inf)")
        Exception.__init__(self, f"step {step}, world {world}: {variable} is not finite (NaN or inf)")

    def naming(self, world: int | str) -> NonFiniteState:
        return NonFiniteState(self.step, world, self.variable)

    def __reduce__(self) -> tuple[type, tuple[int, int | str, str]]:  # raised in pool and Dask workers
        return NonFiniteState, (self.step, self.world, self.variable)


def world_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """The seed of replicate r of a run: the same whichever batch or worker runs it."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replicate,))


def check_value_path(scenario: Scenario, path: str) -> None:
    """Per-world values may vary numeric parameters, actor policies, growth and stability, and
    event magnitudes; any other path is refused rather than silently ignored."""
    try:
        parts = ParamPath.parse(path).parts
    except ValueError:
        parts = ("",)
    codes = scenario.actors.codes
    ok = False
    if parts[0] == "actors":
        ok = (
            len(parts) >= 3
            and parts[1] in codes
            and (
                (len(parts) == 4 and parts[2] == "policy" and parts[3] in POLICY_NAMES)
                or (len(parts) == 3 and parts[2] in ("growth", "stability", "exchange_drift"))
            )
        )
    elif parts[0] == "events":
        ok = len(parts) == 3 and parts[2] == "magnitude" and parts[1] in {e.id for e in scenario.events}
    elif parts[0] in ("mechanisms", "alignment", "economy", "military", "power", "blocs"):
        try:
            ok = isinstance(ParamPath(parts).resolve(scenario.spec), (int, float))
        except AttributeError:
            ok = False
    if not ok:
        raise InputError(
            "values",
            path,
            "a numeric parameter path, actors.<code>.policy.<name>, "
            "actors.<code>.growth|stability|exchange_drift or events.<id>.magnitude",
        )


class World(mesa.Model):
    """W worlds of one scenario (optionally with per-world parameter values) advanced in lockstep."""

    def __init__(
        self,
        scenario: Scenario,
        seeds: Sequence[np.random.SeedSequence],
        values: dict[str, np.ndarray] | None = None,
        record_contributions: bool = True,
        measures: Iterable[str] = MEASURES,
    ) -> None:
        """``record_contributions=False`` leaves ``recording.contributions`` empty: the largest record
        (steps × worlds × pairs × mechanisms), which outcome summaries do not need. ``measures`` names the
        actor and metric series to record (all by default): a sweep's outcome summaries read four, and
        measuring bloc safety every step costs a sixth of it. Those left out are absent from the recording,
        and nothing the worlds do depends on them."""
        super().__init__(rng=int(seeds[0].generate_state(1)[0]) if seeds else None)
        self.plan = scenario  # not `self.scenario`: Mesa >= 3.5 reserves Model.scenario for its own class
        self.spec = spec = scenario.spec
        self.events: tuple[Event, ...] = scenario.events
        self.actor_set = data = scenario.actors
        self.codes = data.codes
        self.worlds = len(seeds)
        self.n = n = data.n
        self.dt = 1.0 / spec.steps_per_year
        self.horizon = scenario.steps
        self.record_contributions = record_contributions
        self.measures = frozenset(measures)
        if unknown := sorted(self.measures - MEASURES):
            raise ValueError(f"unknown measures {unknown}: choose from {sorted(MEASURES)}")
        self.t = 0
        self.values = values or {}
        for path in self.values:
            check_value_path(scenario, path)
        self.pairs = np.triu_indices(n, 1)
        self.pair_cells = self.pairs[0] * n + self.pairs[1]  # the pairs' positions in a flattened N x N matrix
        for i, code in enumerate(self.codes):
            StateAgent(self, code, data.spec.actors[code].name, i)

        self._init_parameters()
        keys = randomness.world_keys(list(seeds))
        self._draw_randomness(keys)
        self._init_state()
        self.calibrate_trade()
        magnitudes = {
            ev.id: self.value(f"events.{ev.id}.magnitude")
            for ev in self.events
            if f"events.{ev.id}.magnitude" in self.values
        }
        self.event_schedule = Schedule(self.events, self.codes, self.horizon, self.step_of, self.dt, keys, magnitudes)
        self.recording = Recording(fired=self.event_schedule.fired)
        self.event_parts = np.zeros((len(self.events), self.worlds, len(self.pair_cells)))
        self._measure()
        self.bloc_anchor = self.index_shares.argmax(axis=1)  # bloc 0 is the side of the start's largest power
        self.rest_drift = self._rest_drift()
        self.acting = np.zeros(0, dtype=np.int64)  # the events acting this step (rows of event_parts)
        self._record(np.zeros((len(CONTRIBUTIONS), self.worlds, len(self.pair_cells))), self.event_parts[:0])

    # --- parameters -----------------------------------------------------------------------

    def value(self, path: str) -> np.ndarray:
        """A parameter by dotted path as one value per world, per-world values taking precedence."""
        if path in self.values:
            return np.broadcast_to(np.asarray(self.values[path], dtype=float), (self.worlds,)).copy()
        try:
            node = ParamPath.parse(path).resolve(self.spec)
        except (AttributeError, ValueError):
            raise KeyError(f"unknown parameter path {path!r}") from None
        return np.full(self.worlds, float(node))

    def _init_parameters(self) -> None:
        """Every parameter the step reads, resolved once into per-world arrays.

        ``p`` holds every number of the parameter models by dotted path (``NUMBER_PATHS``: the
        schema is the list, so a new parameter needs no entry here, and the mechanisms' ``reads``
        are in it). Each mechanism's scale (``mechanism_weight``: weight times switch, for
        relaxation its rate) comes from its registry entry (``model.mechanisms``).
        """
        self.mechanism_weight = {m.name: m.scale(self.value) for m in mechanisms.REGISTRY}
        self.inertia_on = self.spec.mechanisms.inertia
        self.p = {path: self.value(path) for path in NUMBER_PATHS}
        self.power_index = self.spec.power.index
        self.power_weights = {c: self.value(f"power.{c}") for c in power.ECONOMIC_MILITARY_COMPONENTS}
        self._init_actor_values()
        self.policy = {name: v.copy() for name, v in self.base_policy.items()}
        # the default friction is per world (a sweep or a posterior may vary it); a scenario's per-dyad
        # frictions are fixed numbers that win over it
        default = self.p["mechanisms.ties.friction"][:, None, None]
        self.friction = np.broadcast_to(default, (self.worlds, self.n, self.n)).copy()
        for pair, v in self.spec.friction.items():
            a, b = (self.actor_set.index(c) for c in Dyad.parse(pair))
            self.friction[:, a, b] = self.friction[:, b, a] = v

    def _init_actor_values(self) -> None:
        """Each state's policies, growth forecast, trend growth, usual stability and exchange drift,
        per world: the actor set's, then the scenario's overrides, then per-world values, which win."""
        data, w = self.actor_set, self.worlds
        self.base_policy = {name: np.tile(data.policy[name], (w, 1)) for name in POLICY_NAMES}
        years = np.array([self.date_of(t).year for t in range(self.horizon)])
        self.forecast = np.broadcast_to(data.growth_path(years)[:, None, :], (self.horizon, w, self.n)).copy()
        self.trend_growth = np.tile(data.growth, (w, 1))
        self.usual_stability = np.tile(data.stability, (w, 1))
        self.exchange_drift = np.zeros((w, self.n))  # yearly log change of the real exchange rate (WEO: none)
        for code, override in self.spec.actors.items():
            i = self.actor_set.index(code)
            for name, v in override.policy.items():
                self.base_policy[name][:, i] = v
            if override.growth is not None:
                self.forecast[:, :, i] = self.trend_growth[:, i] = override.growth
            if override.stability is not None:
                self.usual_stability[:, i] = override.stability
            if override.exchange_drift is not None:
                self.exchange_drift[:, i] = override.exchange_drift
        for text, values in self.values.items():
            path = ParamPath.parse(text)  # check_value_path has vetted it: actors.<code>.<field>[.<name>]
            if path.head != "actors":
                continue
            i, field = self.actor_set.index(path.parts[1]), path.parts[2]
            if field == "policy":
                self.base_policy[path.leaf][:, i] = values
            elif field == "growth":
                self.forecast[:, :, i] = self.trend_growth[:, i] = values
            else:
                target = {"stability": self.usual_stability, "exchange_drift": self.exchange_drift}[field]
                target[:, i] = values

    # --- state ------------------------------------------------------------------------------

    def _init_state(self) -> None:
        data, w, n = self.actor_set, self.worlds, self.n

        def tile(x: np.ndarray) -> np.ndarray:
            return np.broadcast_to(x, (w, *x.shape)).copy()

        self.alignment0 = tile(data.alignment)
        self.alignment = self.alignment0.copy()
        self.trade0 = tile(data.trade)
        self.trade = self.trade0.copy()
        self.sanctions0 = tile(data.sanctions)
        self.trend = np.zeros((w, n, n))
        self.military_tie = np.zeros((w, n, n))
        self.culture_tie = np.zeros((w, n, n))
        self.technology_tie = np.zeros((w, n, n))
        self.investment = np.zeros((w, n, n))
        self.arms_flow = np.zeros((w, n, n))
        self.energy_flow = np.zeros((w, n, n))
        self.anchor = self.alignment0.copy()  # what relaxation pulls toward; follows the path at rate kappa
        self.gdp0 = tile(data.gdp)
        self.gdp = self.gdp0.copy()  # real output, base-year USD bn at base-year exchange rates
        self.gdp_mer = self.gdp.copy()  # its value at this year's real exchange rates
        self.exchange_level = np.zeros((w, n))  # the random walk's part of the log real exchange rate
        self.potential = self.gdp0.copy()
        self.ppp_ratio = tile(data.gdp_ppp / data.gdp)  # constant real exchange rates, as the WEO assumes
        self.gdp_ppp = self.gdp * self.ppp_ratio
        path = data.population_path(np.array([self.year_of(t) for t in range(self.horizon + 1)]))
        self.population_ratio = path / path[:1]  # (S+1, N): population relative to the start's
        self.stability_data = tile(data.stability)  # the level the growth forecast was made at
        self.stability0 = self.usual_stability.copy()
        self.stability = self.stability0.copy()
        self.burden0 = tile(data.milex / data.gdp)
        self.burden = self.burden0.copy()
        self.milex = self.burden * self.gdp_mer
        self.stock = military.steady_stock(self.milex, self.p["military.depreciation"], self.trend_growth, self.dt)
        self.threat0 = military.threat_level(self.alignment, self.milex, self.gdp_mer)
        self.forecast += self.growth_offset[None]

    def _draw_randomness(self, keys: np.ndarray) -> None:
        """Draw every world's alignment noise, growth offsets and exchange-rate steps, addressed by
        dyad and state name (the event lotteries are the schedule's, in streams named by event)."""
        steps = np.arange(self.horizon)
        dyads = [d.canonical() for d in Dyad.of_pairs(self.codes)]
        dyad_streams = np.array([randomness.stream_id(f"noise:{d}") for d in dyads], dtype=np.uint64)
        self.shocks = randomness.normals(keys, dyad_streams, steps)  # (W, S, P)
        growth_streams = np.array([randomness.stream_id(f"growth:{c}") for c in self.codes], dtype=np.uint64)
        draws = randomness.normals(keys, growth_streams, np.zeros(1, dtype=np.int64))[:, 0, :]  # (W, N)
        sd = self.actor_set.growth_sd[None, :] * self.p["economy.growth_uncertainty"][:, None]
        self.growth_offset = sd * draws  # one persistent offset to each state's forecast growth per world
        exchange_streams = np.array([randomness.stream_id(f"exchange:{c}") for c in self.codes], dtype=np.uint64)
        z = randomness.normals(keys, exchange_streams, steps)  # (W, S, N)
        step_sd = self.actor_set.exchange_sd[None, :] * self.p["economy.exchange_uncertainty"][:, None]
        # each step's move of the log real exchange rate's random walk (exactly 0 at scale or s.d. 0)
        self.exchange_steps = step_sd[:, None, :] * np.sqrt(self.dt) * z

    def step_of(self, date: dt.date) -> int:
        return int(np.floor((date - self.spec.start).days / 365.25 * self.spec.steps_per_year + 1e-9))

    def year_of(self, step: int) -> float:
        """The calendar time of a step as a fractional year (2024.25 is a quarter into 2024)."""
        date = self.date_of(step)
        return date.year + (date - dt.date(date.year, 1, 1)).days / 365.25

    def date_of(self, step: int) -> dt.date:
        months_per_step = 12 / self.spec.steps_per_year
        start = self.spec.start
        if months_per_step.is_integer():
            months = start.month - 1 + int(step * months_per_step)
            return start.replace(year=start.year + months // 12, month=months % 12 + 1, day=min(start.day, 28))
        return start + dt.timedelta(days=round(step * 365.25 / self.spec.steps_per_year))

    # --- one step ---------------------------------------------------------------------------

    def step(self) -> None:
        """Advance every world one step, in the order of the process overview (docs/explanation/odd.md §1.3)."""
        if self.t >= self.horizon:
            raise RuntimeError("the scenario's horizon is reached")
        # A state going NaN or inf is reported once, by check_finite (in _record), as one line
        # naming it: not also as numpy's warnings from the arithmetic on the way there.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            fx = self.fire_events()
            self.update_policies(fx)
            self.forces = mechanisms.compute_forces(self)
            self.intent_terms = np.zeros((len(mechanisms.INTENT), self.worlds, self.n, self.n))
            self.agents.do("decide")
            parts, factor = self.move_alignment(fx)
            self.update_ties(fx)
            self.update_economy(fx)
            self.update_military(fx)
            self.t += 1
            self._measure()
            self._record(parts, self.event_parts[self.acting] * factor)

    def fire_events(self) -> Effects:
        """Fire this step's events and add the effects of every active one.

        The schedule times all events at once, as (E, W) arrays, on the state the previous step
        left; only the effects, which differ by event type, are applied one active event at a
        time, and each one's direct push on alignment is kept for the ``events`` contributions.
        """
        fx = Effects(self.worlds, self.codes)
        fx.sanctions += self.sanctions0  # sanctions in force at the start stay until relieved
        levels, impulses, _ = self.event_schedule.advance(self.t, self)
        self.event_parts[:] = 0.0
        self.acting = self.event_schedule.active()
        for k in self.acting:
            before = fx.alignment.copy() if self.record_contributions else None
            self.events[k].apply(fx, levels[k], impulses[k])
            if before is not None:
                self.event_parts[k] = self.pair_values(fx.alignment - before)
        return fx

    def update_policies(self, fx: Effects) -> None:
        for name in POLICY_NAMES:
            weight = np.clip(fx.policy_weight[name], 0.0, 1.0)
            mean_new = np.divide(
                fx.policy_shift[name],
                fx.policy_weight[name],
                out=np.zeros_like(weight),
                where=fx.policy_weight[name] > 0,
            )
            low, high = POLICY_BOUNDS[name]
            self.policy[name] = np.clip(self.base_policy[name] * (1 - weight) + mean_new * weight, low, high)

    def _rest_drift(self) -> np.ndarray:
        """The start-year drift (per year) that relaxation cancels, so the start is at rest if nothing changes.

        Relaxing toward the baseline B = A0 − drift / rate is rate · (A0 − A) − drift; written this
        way no division by the rate is needed, which would overflow for a rate near zero. Without
        relaxation (rate 0) there is nothing to cancel with, and B = A0.
        """
        if not self.spec.mechanisms.relaxation.calibrate_baseline:
            return np.zeros_like(self.alignment0)
        self.update_policies(Effects(self.worlds, self.codes))
        self.forces = mechanisms.compute_forces(self)
        self.intent_terms = np.zeros((len(mechanisms.INTENT), self.worlds, self.n, self.n))
        self.agents.do("decide")
        drift = self.p["alignment.rate"][:, None, None] * al.joint_move(self.intent_terms).sum(axis=0)
        return np.where(self.mechanism_weight["relaxation"][:, None, None] > 0, drift, 0.0)

    def move_alignment(self, fx: Effects) -> tuple[np.ndarray, np.ndarray]:
        """Move every dyad; returns each contribution's share of each pair's change (K, W, P) and
        the factor (W, P) that turned intended changes into actual ones (to split the events part).

        The parts are the joint move's terms (intent mechanisms), the direct mechanisms' changes
        (relaxation, noise) and the events' push, in the order of ``CONTRIBUTIONS``.
        """
        dt = self.dt
        moves = self.p["alignment.rate"][None, :, None, None] * al.joint_move(self.intent_terms) * dt
        direct = [m.force(self) for m in mechanisms.DIRECT]
        parts = np.stack([*moves, *direct, fx.alignment])
        new, factor = al.bounded_update(self.alignment, parts)
        keep = 1.0 - np.exp(-np.log(2) * dt / self.p["alignment.trend_half_life"])[:, None, None]
        self.trend += keep * ((new - self.alignment) / dt - self.trend)
        self.alignment = new
        follow = 1.0 - np.exp(-self.p["mechanisms.relaxation.anchor_rate"] * dt)[:, None, None]
        self.anchor = np.clip(self.anchor + follow * (new - self.anchor) + fx.anchor, -1.0, 1.0)
        factor = self.pair_values(factor)
        return self.pair_values(parts) * factor, factor

    def pair_values(self, x: np.ndarray) -> np.ndarray:
        """The entries [..., i, j] of (..., N, N) arrays for the pairs i < j, as (..., P).

        ``np.take`` on the flattened matrices gathers them several times faster than ``x[..., i, j]``.
        """
        return np.take(x.reshape(*x.shape[:-2], self.n * self.n), self.pair_cells, axis=-1)

    def update_ties(self, fx: Effects) -> None:
        conversion = 1.0 - self.friction * (1.0 - np.clip(fx.friction_cut, 0.0, 1.0))
        decay = np.exp(-self.p["mechanisms.ties.decay"] * self.dt)[:, None, None]
        for name in ("military_tie", "culture_tie", "technology_tie"):
            tie = getattr(self, name)
            gained = np.clip(getattr(fx, name) * conversion, 0.0, 1.0) * (1.0 - tie)
            setattr(self, name, np.clip(tie * decay + gained, 0.0, 1.0))
        self.investment += fx.investment

    def update_economy(self, fx: Effects) -> None:
        p, dt = self.p, self.dt
        compliance = self.policy["sanctions_compliance"]
        self.blocked = economy.barriers(fx.sanctions, fx.secondary, fx.relief, fx.suspension, compliance)
        cut = np.clip(fx.import_cut, 0.0, 1.0)
        self.energy_flow = fx.energy_flow * (1.0 - self.blocked) * (1.0 - cut)
        scale = economy.gravity(self.gdp, self.gdp0, p["economy.gravity_exponent"])
        target = (
            self.trade_calibration * self.trade_target(scale, fx.trade_boost, cut, self.alignment, self.blocked)
            + self.energy_flow
        )
        pull = 1.0 - np.exp(-p["economy.trade_adjustment"] * dt)[:, None, None]
        self.trade = self.trade + pull * (target - self.trade)
        self.stability = economy.stability_update(
            self.stability, self.usual_stability, p["economy.stability_recovery"], fx.stability, dt
        )
        joined = economy.coalition(fx.sanctions, fx.secondary, fx.relief, compliance)
        self.pressure = economy.sanctions_pressure(joined - self.coalition0, self.gdp_mer)
        rate = economy.growth_rate(
            self.forecast[self.t],
            self.stability,
            self.stability_data,
            p["economy.instability_drag"],
            self.pressure,
            p["economy.sanctions_drag"],
        )
        self.potential = economy.potential_growth(self.potential, rate, fx.output_loss, fx.output_gain, dt)
        zero = self.zero_links
        rest = self.trade_calibration * self.trade_target(scale, zero, zero, self.alignment0, self.blocked0)
        self.rest_trade = self.rest_trade + pull * (rest - self.rest_trade)
        expected = economy.trade_volume(self.rest_trade)
        self.gdp = economy.output(self.potential, self.trade, expected, p["economy.trade_gain"])
        self.gdp_ppp = self.gdp * self.ppp_ratio
        self.exchange_level = self.exchange_level + self.exchange_steps[:, self.t]
        self.gdp_mer = self.gdp * np.exp(self.exchange_drift * (self.t + 1) * dt + self.exchange_level)

    def trade_target(
        self, scale: np.ndarray, boost: np.ndarray, cut: np.ndarray, alignment: np.ndarray, blocked: np.ndarray
    ) -> np.ndarray:
        """Where trade is heading (W, N, N) at this alignment, with these agreements, cuts and barriers."""
        p = self.p
        return economy.trade_target(
            self.open_trade,
            scale,
            alignment,
            self.alignment0,
            boost,
            blocked,
            cut,
            p["economy.alignment_elasticity"],
            p["economy.agreement_elasticity"],
            p["economy.diversion"],
        )

    def calibrate_trade(self) -> None:
        """Trade as it would be without the sanctions in force, and a factor that puts the start at rest.

        Start-year flows already reflect the sanctions of that year; dividing them out lets a later
        relief raise trade above its start level. The calibration factor absorbs what the target
        formula adds at the start (trade diverted by those sanctions is already in the data).
        """
        zero = np.zeros_like(self.sanctions0)
        compliance = self.base_policy["sanctions_compliance"]
        self.blocked = economy.barriers(self.sanctions0, zero, zero, zero, compliance)
        self.coalition0 = economy.coalition(self.sanctions0, zero, zero, compliance)  # priced into the forecast
        self.pressure = np.zeros_like(self.gdp0)
        self.open_trade = self.trade0 / np.maximum(1.0 - self.blocked, 0.05)
        self.blocked0 = self.blocked  # the barriers of the start, which its trade already reflects
        start = self.trade_target(np.ones_like(zero), zero, zero, self.alignment0, self.blocked0)
        self.trade_calibration = np.divide(self.trade0, start, out=np.ones_like(zero), where=start > 0)
        self.zero_links = zero
        self.rest_trade = self.trade0.copy()  # trade had nothing changed but the economies' size (start barriers)

    def update_military(self, fx: Effects) -> None:
        p = self.p
        threat = military.threat_level(self.alignment, self.milex, self.gdp_mer)
        self.burden = military.burden_update(
            self.burden,
            self.burden0,
            threat,
            self.threat0,
            fx.grievance,
            p["military.fear"],
            p["military.fatigue"],
            p["military.max_share"],
            self.dt,
        )
        self.milex = self.burden * self.gdp_mer
        self.arms_flow = fx.arms_flow
        self.stock = military.capability_stock_update(
            self.stock, self.milex, fx.arms_capability, p["military.depreciation"], self.dt
        )

    # --- measurement ------------------------------------------------------------------------

    def _measure(self) -> None:
        """Every power component, the chosen index's capability and the power shares.

        States act on the headline index's shares (``shares``: what threat balancing and hedging
        weigh); the index a user picks (``power.index``) is a way of measuring the result
        (``index_shares``: recorded power shares, blocs, polarity), so switching it changes the
        measured balance of power but never how states behave.

        Population follows the start's projection; urban population and military personnel keep
        their start-year ratio to it (no sourced projection of either); iron and steel output and
        energy use follow real GDP with their elasticities.
        """
        growth = self.gdp / self.gdp0
        data = self.actor_set
        people = self.population_ratio[self.t][None, :]
        self.population = data.population * people
        self.components = {
            "gdp_mer": self.gdp_mer,
            "gdp_ppp": self.gdp_ppp,
            "military": self.stock,
            "personnel": data.milper * people,
            "industry": data.industry * economy.elastic(growth, self.p["economy.industry_elasticity"][:, None]),
            "energy": data.energy * economy.elastic(growth, self.p["economy.energy_elasticity"][:, None]),
            "population": self.population,
            "urban_population": data.urban_population * people,
        }
        bonus = self.p["power.nuclear_bonus"]
        self.shares = power.power_shares(
            power.capability(power.HEADLINE, self.components, self.power_weights, data.nuclear, bonus)
        )
        self.capability = power.capability(self.power_index, self.components, self.power_weights, data.nuclear, bonus)
        self.index_shares = power.power_shares(self.capability)

    def check_finite(self) -> None:
        """Raise NonFiniteState if any world's state is NaN or infinite, naming the first variable
        in the order the step updates them (so the cause, not what it spread to), and in it the
        first world and the state or dyad.

        One ``isfinite`` pass over a few state arrays a step: what the step reads next and what
        is recorded derive from these.
        """
        for name, x in (
            ("alignment", self.alignment),
            ("trade", self.trade),
            ("stability", self.stability),
            ("gdp", self.gdp_mer),
            ("gdp_ppp", self.gdp_ppp),
            ("milex", self.milex),
            ("military_stock", self.stock),
            ("capability", self.capability),
            ("power_share", self.index_shares),
        ):
            if not np.isfinite(x).all():
                where = np.argwhere(~np.isfinite(x))[0]
                who = "-".join(self.codes[k] for k in where[1:])  # a state, or a matrix cell (maybe diagonal)
                raise NonFiniteState(self.t, int(where[0]), f"{name} of {who}")

    def _record(self, contributions: np.ndarray, event_contributions: np.ndarray) -> None:
        """Record this step: ``contributions`` (K, W, P), ``event_contributions`` the acting events' rows of
        the events' pushes (len(acting), W, P); every other event's push is 0."""
        self.check_finite()
        h, i, j = self.recording, *self.pairs
        values, summary = self._measured()
        steps = self.horizon + 1
        if h.alignment is None:
            h.actors = {k: np.zeros((steps, self.worlds, self.n)) for k in values}
            h.metrics = {k: np.zeros((steps, self.worlds)) for k in summary}
            h.alignment = np.zeros((steps, self.worlds, len(i)))
            h.trade = np.zeros((steps, self.worlds, len(i)))
            if self.record_contributions:
                h.contributions = np.zeros((steps, self.worlds, len(i), len(CONTRIBUTIONS)))
                h.event_contributions = EventParts((steps, self.worlds, len(i), len(self.events)))
        for k, v in values.items():
            h.actors[k][self.t] = v
        for k, v in summary.items():
            h.metrics[k][self.t] = v
        h.alignment[self.t] = self.alignment[:, i, j]
        h.trade[self.t] = self.trade[:, i, j] + self.trade[:, j, i]
        if h.contributions is not None:
            h.contributions[self.t] = np.moveaxis(contributions, 0, -1)
            h.event_contributions.add(self.t, event_contributions, self.acting)

    def _measured(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The actor series (W, N) and metric series (W,) in ``measures`` as they stand now, each computed
        only if asked for; the best split into blocs and its safety are computed once, if any asks."""

        @functools.cache
        def split() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            sides, energy = blocs.global_minimum(self.index_shares, self.alignment)
            anchor_side = sides[np.arange(self.worlds), self.bloc_anchor]
            return (sides != anchor_side[:, None]).astype(int), sides, energy

        @functools.cache
        def safety() -> blocs.BlocSafety:
            return blocs.safety(self.index_shares, self.alignment, split()[1], self.bloc_anchor, self.pair_noise())

        def in_bloc1() -> np.ndarray:
            return split()[0] == 1

        actor: dict[str, Callable[[], np.ndarray]] = {
            "capability": lambda: self.capability,
            "power_share": lambda: self.index_shares,
            "gdp": lambda: self.gdp_mer,
            "gdp_ppp": lambda: self.gdp_ppp,
            "population": lambda: self.population,
            "milex": lambda: self.milex,
            "military_stock": lambda: self.stock,
            "bloc": lambda: split()[0],
            "p_bloc1": lambda: safety().p_bloc1,
            "flip_cost": lambda: safety().flip_cost,
            "stability": lambda: self.stability,
            "tilt": lambda: metrics.tilt(self.alignment, self.index_shares, split()[0]),
            "allied_power": lambda: metrics.allied_power(self.alignment, self.index_shares),
            **{f"{c}_share": functools.partial(power.shares, v) for c, v in self.components.items()},
        }
        system: dict[str, Callable[[], np.ndarray]] = {
            "polarity": lambda: metrics.polarity(self.index_shares),
            "balance_index": lambda: metrics.balance_index(self.alignment),
            "landscape_energy": lambda: split()[2],
            "bloc_gap": lambda: safety().gap,
            "bloc_power_0": lambda: np.where(in_bloc1(), 0.0, self.index_shares).sum(axis=1),
            "bloc_power_1": lambda: np.where(in_bloc1(), self.index_shares, 0.0).sum(axis=1),
            "parity": lambda: metrics.parity(self.index_shares),
        }
        return (
            {k: f() for k, f in actor.items() if k in self.measures},
            {k: f() for k, f in system.items() if k in self.measures},
        )

    def pair_noise(self) -> np.ndarray:
        """How far ``blocs.temperature`` years of noise typically move each pair from here (W, P):
        the scale of the bloc membership probabilities (ODD §3.3.14).

        The noise s.d. is read whether or not noise is switched on, so the probabilities say how
        close a state is to switching even in a noiseless run.
        """
        i, j = self.pairs
        room = 1.0 - self.alignment[:, i, j] ** 2
        return mechanisms.noise_scale(self) * room * np.sqrt(self.p["blocs.temperature"])[:, None]

    def run(self) -> Recording:
        while self.t < self.horizon:
            self.step()
        return self.recording

    def release(self) -> None:
        """Let this model be freed once its caller drops it.

        Mesa 3.3 keeps every model that ever made an agent as a key of the class-level
        ``Agent._ids`` (mesa issue #3179, fixed in later releases), so a process that runs many
        models, like a sweep worker, would otherwise grow by one model's arrays per chunk.
        """
        self.remove_all_agents()
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
