"""Political events: instability, economic shocks, leadership change, summits, treaties and crises."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from powershift.model.actors import check_policy
from powershift.model.events.base import Domestic, Multilateral, check_codes
from powershift.model.events.effects import Effects

INSTABILITY_HIT = 0.3  # stability lost at magnitude 1
SHOCK_OUTPUT_LOSS = 0.08  # share of potential GDP lost at magnitude 1
SHOCK_STABILITY_HIT = 0.1
LEADER_SHIFT = 0.15
SUMMIT_SHOCK = 0.08
CRISIS_SHOCK = -0.3
CRISIS_GRIEVANCE = 0.004  # GDP share per year pushed into military spending at magnitude 1
# Shift of the relaxation anchor B among the parties at magnitude 1 (judgement): a formal alliance commits more
# than a partnership declaration; 0.3 on the [-1, 1] scale is about the gap between "friendly" and "allied" in
# the actor data's alignment notes (e.g. CHN-RUS 0.6, "not a mutual-defence alliance, so below +0.7").
ANCHOR_SHIFT = {"alliance_treaty": 0.3, "strategic_partnership": 0.15}
# The signing's one-off warming (judgement): below a summit's 0.08, since a pact's lasting effect is the anchor.
PACT_ALIGNMENT_SHOCK = {"alliance_treaty": 0.05, "strategic_partnership": 0.03}


class PoliticalInstability(Domestic):
    kind = "political_instability"
    summary = "Domestic political turmoil: stability falls (which slows growth and adds alignment noise)."
    type: Literal["political_instability"]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.on(fx.stability, [self.actor], -impulse * INSTABILITY_HIT)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {"id": "unrest", "type": "political_instability", "actor": "PAK", "hazard": 0.15, "magnitude": 0.7}


class EconomicShock(Domestic):
    kind = "economic_shock"
    summary = "A balance-of-payments, debt or commodity shock that cuts output."
    type: Literal["economic_shock"]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.on(fx.output_loss, [self.actor], impulse * SHOCK_OUTPUT_LOSS)
        fx.on(fx.stability, [self.actor], -impulse * SHOCK_STABILITY_HIT)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {"id": "bop-crisis", "type": "economic_shock", "actor": "PAK", "hazard": 0.1, "magnitude": 0.5}


class LeadershipChange(Domestic):
    kind = "leadership_change"
    summary = "A new government: policy parameters move to new values; alignment tilts toward or away from some states."
    type: Literal["leadership_change"]
    policy: dict[str, float] = {}
    toward: list[str] = []
    away: list[str] = []

    _codes = field_validator("toward", "away")(check_codes)

    _policy = field_validator("policy")(check_policy)

    def parties(self) -> list[str]:
        return [self.actor, *self.toward, *self.away]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        i = fx.idx([self.actor])[0]
        for name, value in self.policy.items():
            fx.policy_shift[name][:, i] += level * value
            fx.policy_weight[name][:, i] += level
        if self.toward:
            fx.between(fx.alignment, [self.actor], self.toward, impulse * LEADER_SHIFT, symmetric=True)
        if self.away:
            fx.between(fx.alignment, [self.actor], self.away, -impulse * LEADER_SHIFT, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "new-government",
            "type": "leadership_change",
            "actor": "PAK",
            "policy": {"hedging": 1.2},
            "toward": ["USA"],
            "at": "2029-03-01",
        }


class Summit(Multilateral):
    kind = "summit"
    summary = "A summit or high-level visit among two or more states: a one-off warming."
    type: Literal["summit"]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.alignment, self.actors, impulse * SUMMIT_SHOCK)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "sco-astana",
            "type": "summit",
            "actors": ["PAK", "RUS"],
            "at": "2024-07-03",
            "source": "Business Recorder (facts.md timeline)",
        }


class Pact(Multilateral):
    """A lasting commitment among two or more states: it moves the anchor alignment relaxes toward."""

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.anchor, self.actors, impulse * ANCHOR_SHIFT[self.kind])
        fx.among(fx.alignment, self.actors, impulse * PACT_ALIGNMENT_SHOCK[self.kind])


class AllianceTreaty(Pact):
    kind = "alliance_treaty"
    summary = "A formal alliance or mutual-defence treaty: shifts the anchor alignment relaxes to, so it lasts."
    type: Literal["alliance_treaty"]

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "chn-rus-defence-treaty",
            "type": "alliance_treaty",
            "title": "China-Russia mutual-defence treaty",
            "actors": ["CHN", "RUS"],
            "at": "2028-07-01",
            "hypothetical": True,
            "note": "no such treaty exists; the 2001 Treaty of Good-Neighbourliness predates the start and is "
            "already part of the start-year alignment",
        }


class StrategicPartnership(Pact):
    kind = "strategic_partnership"
    summary = "A declared strategic partnership: a smaller lasting shift of the anchor than an alliance treaty."
    type: Literal["strategic_partnership"]

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "pak-rus-partnership",
            "type": "strategic_partnership",
            "title": "Pakistan-Russia strategic partnership",
            "actors": ["PAK", "RUS"],
            "at": "2026-06-01",
            "hypothetical": True,
            "note": "no Pakistan-Russia strategic partnership has been declared (none in facts.md)",
        }


class Crisis(Multilateral):
    kind = "crisis"
    summary = "A militarised crisis between two states: sharp cooling, trade suspended, military spending pushed up."
    type: Literal["crisis"]
    actors: list[str] = Field(min_length=2, max_length=2)

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.alignment, self.actors, impulse * CRISIS_SHOCK)
        fx.among(fx.suspension, self.actors, level)
        fx.on(fx.grievance, self.actors, level * CRISIS_GRIEVANCE)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "kashmir-crisis",
            "type": "crisis",
            "actors": ["IND", "PAK"],
            "hazard": 0.1,
            "duration": 1,
            "magnitude": 0.8,
        }
