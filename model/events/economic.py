"""Economic events: sanctions and their relief, trade agreements and cuts, energy deals, investment and aid."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from powershift.model.events.base import Event, Multilateral, check_codes
from powershift.model.events.effects import Effects

AGREEMENT_DEPTH = {"pta": 0.5, "fta": 1.0, "commission": 0.2}
SANCTIONS_ALIGNMENT_SHOCK = -0.15
RELIEF_ALIGNMENT_SHOCK = 0.05
AGREEMENT_ALIGNMENT_SHOCK = 0.04
ENERGY_ALIGNMENT_SHOCK = 0.03
AID_ALIGNMENT_SHOCK = 0.05
# A buyer's own choice, not a punishment: far milder than sanctions (-0.15), the mirror of an energy deal (+0.03).
TRADE_CUT_ALIGNMENT_SHOCK = -0.03
INVESTMENT_MULTIPLIER = {"investment": 0.5, "aid": 0.3}


class Directed(Event):
    """An economic measure taken by some states against others."""

    by: list[str] = Field(min_length=1)
    target: list[str] = Field(min_length=1)

    _codes = field_validator("by", "target")(check_codes)

    def parties(self) -> list[str]:
        return [*self.by, *self.target]


class Sanctions(Directed):
    kind = "sanctions"
    summary = "Economic sanctions by some states on others, optionally with secondary sanctions on third parties."
    type: Literal["sanctions"]
    secondary: float = Field(0.0, ge=0, le=1)

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.between(fx.sanctions, self.by, self.target, level)
        fx.between(fx.secondary, self.by, self.target, level * self.secondary)
        fx.between(fx.alignment, self.by, self.target, impulse * SANCTIONS_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "us-secondary-2025",
            "type": "sanctions",
            "by": ["USA"],
            "target": ["RUS"],
            "secondary": 0.8,
            "magnitude": 0.9,
            "at": "2025-07-01",
            "ramp": 0.5,
        }


class SanctionsRelief(Directed):
    kind = "sanctions_relief"
    summary = "Lifts a share (the magnitude) of the sanctions some states impose on others."
    type: Literal["sanctions_relief"]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.between(fx.relief, self.by, self.target, level)
        fx.between(fx.alignment, self.by, self.target, impulse * RELIEF_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "relief-2026",
            "type": "sanctions_relief",
            "by": ["USA"],
            "target": ["RUS"],
            "magnitude": 0.6,
            "at": "2026-01-01",
            "ramp": 1.0,
        }


class TradeAgreement(Multilateral):
    kind = "trade_agreement"
    summary = "A preferential or free trade agreement, or a joint economic commission, among two or more states."
    type: Literal["trade_agreement"]
    agreement: Literal["pta", "fta", "commission"] = "fta"
    tariff_cut: float = Field(0.5, ge=0, le=1)
    effectiveness: float = Field(1.0, ge=0, le=1)
    phase_in: float = Field(0.0, ge=0, le=30)

    @property
    def effective_ramp(self) -> float:
        return self.ramp or self.phase_in

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        depth = AGREEMENT_DEPTH[self.agreement] * self.tariff_cut * self.effectiveness
        fx.among(fx.trade_boost, self.actors, level * depth)
        fx.among(fx.alignment, self.actors, impulse * AGREEMENT_ALIGNMENT_SHOCK)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "pak-eaeu-fta",
            "type": "trade_agreement",
            "actors": ["PAK", "RUS"],
            "agreement": "fta",
            "tariff_cut": 0.6,
            "effectiveness": 0.7,
            "phase_in": 3,
            "at": "2026-01-01",
            "hypothetical": True,
        }


class TradeCut(Event):
    kind = "trade_cut"
    summary = "Importers cut (or end, at magnitude 1) their purchases from some suppliers; their own exports go on."
    type: Literal["trade_cut"]
    by: list[str] = Field(min_length=1, description="the importers who cut")
    supplier: list[str] = Field(min_length=1, description="the exporters they stop buying from")

    _codes = field_validator("by", "supplier")(check_codes)

    @model_validator(mode="after")
    def _distinct(self) -> TradeCut:
        both = sorted(set(self.by) & set(self.supplier))
        if both:
            raise ValueError(f"a state cannot cut imports from itself: {', '.join(both)} in both 'by' and 'supplier'")
        return self

    def parties(self) -> list[str]:
        return [*self.by, *self.supplier]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.between(fx.import_cut, self.supplier, self.by, level)  # [exporter, importer]: only the bought flow
        fx.between(fx.alignment, self.by, self.supplier, impulse * TRADE_CUT_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "ind-stops-russian-oil",
            "type": "trade_cut",
            "title": "India stops buying Russian oil",
            "by": ["IND"],
            "supplier": ["RUS"],
            "magnitude": 0.8,
            "at": "2027-01-01",
            "ramp": 1,
            "hypothetical": True,
            "note": "magnitude = the oil share of Russia's exports to India, the user's estimate (start-year trade "
            "has no commodity split)",
        }


class EnergyDeal(Event):
    kind = "energy_deal"
    summary = "A supply deal or energy project: oil, gas, LNG, pipeline, nuclear or renewables."
    type: Literal["energy_deal"]
    supplier: str
    buyer: str
    energy: Literal["oil", "gas", "lng", "pipeline", "nuclear", "renewables"] = "oil"
    volume_bn: float = Field(gt=0, le=1000, description="value delivered per year at full volume, USD bn")
    build_years: float = Field(0.0, ge=0, le=30)

    @field_validator("supplier", "buyer")
    @classmethod
    def _code(cls, code: str, info: ValidationInfo) -> str:
        return check_codes([code], info)[0]

    @property
    def effective_ramp(self) -> float:
        return self.ramp or self.build_years

    def parties(self) -> list[str]:
        return [self.supplier, self.buyer]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.between(fx.energy_flow, [self.supplier], [self.buyer], level * self.volume_bn)
        fx.between(fx.alignment, [self.supplier], [self.buyer], impulse * ENERGY_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "russian-crude",
            "type": "energy_deal",
            "supplier": "RUS",
            "buyer": "PAK",
            "energy": "oil",
            "volume_bn": 1.5,
            "build_years": 1,
            "at": "2024-07-01",
        }


class Investment(Event):
    kind = "investment"
    summary = "Investment (e.g. agriculture, infrastructure): raises the recipient's output and the economic link."
    type: Literal["investment"]
    investor: str
    recipient: str
    amount_bn: float = Field(gt=0, le=10_000, description="total amount, USD bn, spread over the ramp")

    @field_validator("investor", "recipient")
    @classmethod
    def _code(cls, code: str, info: ValidationInfo) -> str:
        return check_codes([code], info)[0]

    def parties(self) -> list[str]:
        return [self.investor, self.recipient]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        amount = impulse * self.amount_bn
        fx.between(fx.investment, [self.investor], [self.recipient], amount)
        fx.on(fx.output_gain, [self.recipient], amount * INVESTMENT_MULTIPLIER[self.kind])

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "cpec-phase-2",
            "type": "investment",
            "investor": "CHN",
            "recipient": "PAK",
            "amount_bn": 10,
            "ramp": 5,
            "at": "2025-01-01",
        }


class Aid(Investment):
    kind = "aid"
    summary = "Aid from a donor to a recipient; raises output a little and warms the recipient to the donor."
    type: Literal["aid"]  # type: ignore[assignment]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        super().apply(fx, level, impulse)
        fx.between(fx.alignment, [self.investor], [self.recipient], impulse * AID_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "flood-aid",
            "type": "aid",
            "investor": "USA",
            "recipient": "PAK",
            "amount_bn": 1,
            "ramp": 1,
            "at": "2025-10-01",
        }
