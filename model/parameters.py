"""The model's global parameters: mechanism switches and weights, economy, military, power.

Every default here is documented with its justification in ``docs/ODD.md`` (section
"Parameters"); scenario files override any of them under the same names, and ``run --set``
reaches them by dotted path (``mechanisms.threat.weight=0.5``). Rates are per year; the model
converts them to its step length.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Base for every input schema: unknown fields, NaN and infinity are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Mechanism(Strict):
    """A force on the states' intents; switching it off removes its contribution entirely."""

    enabled: bool = True
    weight: float = Field(1.0, ge=0, le=10)


class BalanceMechanism(Mechanism):
    weight: float = Field(0.3, ge=0, le=10)


class RivalMechanism(Mechanism):
    weight: float = Field(1.0, ge=0, le=10)
    courting_scale: float = Field(
        0.1, gt=0, le=10, description="alignment warming per year that counts as full courting"
    )
    arms_scale: float = Field(1.0, gt=0, le=1000, description="arms deliveries (USD bn/yr) that count as full courting")


class TiesMechanism(Mechanism):
    weight: float = Field(3.0, ge=0, le=10)
    military: float = Field(1.0, ge=0, le=10)
    culture: float = Field(0.5, ge=0, le=10)
    technology: float = Field(0.7, ge=0, le=10)
    decay: float = Field(0.1, ge=0, le=5, description="share of a tie lost per year without renewal")
    friction: float = Field(0.3, ge=0, le=1, description="default share of cooperation lost to friction")


class Relaxation(Strict):
    enabled: bool = True
    rate: float = Field(0.4, ge=0, le=10, description="pull toward the anchor per year")
    anchor_rate: float = Field(
        0.1, ge=0, le=10, description="kappa: how fast the anchor follows the alignment path, per year"
    )
    calibrate_baseline: bool = Field(
        True, description="set the baseline so the start-year alignments are at rest under the start-year forces"
    )


class Noise(Strict):
    enabled: bool = True
    sd: float = Field(0.04, ge=0, le=1, description="alignment shock s.d. per sqrt(year)")
    instability_boost: float = Field(
        1.0, ge=0, le=10, description="extra noise for (1 - stability) of the less stable side"
    )


class Mechanisms(Strict):
    threat: Mechanism = Mechanism()
    economic: Mechanism = Mechanism()
    balance: BalanceMechanism = BalanceMechanism()
    rival: RivalMechanism = RivalMechanism()
    hedging: Mechanism = Mechanism()
    ties: TiesMechanism = TiesMechanism()
    relaxation: Relaxation = Relaxation()
    noise: Noise = Noise()
    inertia: bool = Field(True, description="whether each state's inertia damps its intents")


class Alignment(Strict):
    rate: float = Field(0.2, ge=0, le=10, description="how fast the joint intent moves alignment, per year")
    trend_half_life: float = Field(1.0, gt=0, le=20, description="years over which warming is remembered as courting")


class Economy(Strict):
    trade_adjustment: float = Field(1.0, ge=0, le=10, description="closes 1 - exp(-rate) of the trade gap per year")
    alignment_elasticity: float = Field(1.0, ge=0, le=10, description="log-trade change per unit alignment change")
    agreement_elasticity: float = Field(0.8, ge=0, le=10, description="trade increase from a full FTA")
    diversion: float = Field(0.5, ge=0, le=1, description="share of sanctioned trade redirected to open partners")
    trade_gain: float = Field(0.3, ge=0, le=2, description="GDP gained per USD of trade above expectation")
    instability_drag: float = Field(
        0.05, ge=0, le=1, description="growth change per year per unit of stability away from the actor data's level"
    )
    sanctions_drag: float = Field(
        0.04, ge=0, le=1, description="growth lost per year per unit of sanctions pressure beyond the start's"
    )
    growth_uncertainty: float = Field(
        1.0, ge=0, le=5, description="scale of the per-world growth offset (1 = the WEO forecast errors' s.d.)"
    )
    stability_recovery: float = Field(
        0.3, ge=0, le=10, description="pull of stability back to its usual level per year"
    )
    industry_elasticity: float = Field(0.7, ge=0, le=3, description="iron and steel output vs GDP")
    energy_elasticity: float = Field(0.5, ge=0, le=3, description="energy use vs GDP")
    gravity_exponent: float = Field(0.5, ge=0, le=2, description="trade scale vs the product of GDPs")


class Military(Strict):
    fear: float = Field(
        0.1,
        ge=0,
        le=10,
        description="Richardson k: relative rise of the burden per year per relative rise of rivals' spending",
    )
    fatigue: float = Field(
        0.2, ge=0, le=10, description="Richardson a: pull of the GDP share back to its start, per year"
    )
    max_share: float = Field(0.12, gt=0, le=0.5, description="budget limit: military spending share of GDP")
    depreciation: float = Field(0.1, gt=0, le=1, description="share of the capability stock lost per year")


class Power(Strict):
    """Which power index, and the headline index's weights (see ``model.power`` and ODD §3.3.13)."""

    index: Literal["economic_military", "cinc", "net_resources"] = "economic_military"
    gdp_mer: float = Field(0.25, ge=0, le=10, description="headline weight of GDP at market exchange rates")
    gdp_ppp: float = Field(0.25, ge=0, le=10, description="headline weight of GDP at PPP")
    military: float = Field(0.5, ge=0, le=10, description="headline weight of the military capability stock")
    nuclear_bonus: float = Field(0.0, ge=0, le=1, description="added to a nuclear state's composite")


class Blocs(Strict):
    temperature: float = Field(
        1.0,
        ge=0,
        le=100,
        description="membership temperature in years of alignment noise (0 = only the best split counts)",
    )


class Parameters(Strict):
    mechanisms: Mechanisms = Mechanisms()
    alignment: Alignment = Alignment()
    economy: Economy = Economy()
    military: Military = Military()
    power: Power = Power()
    blocs: Blocs = Blocs()
