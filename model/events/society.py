"""Ties between societies: cultural and academic exchange, technology cooperation, infrastructure links."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from powershift.model.events.base import Multilateral
from powershift.model.events.effects import Effects
from powershift.model.events.military import SCALE

CULTURE_TIE = {"cultural_exchange": 0.04, "academic_exchange": 0.05}
TECHNOLOGY_TIE = 0.08
LINK_FRICTION_CUT = 0.5
LINK_TRADE_BOOST = 0.3


class CulturalExchange(Multilateral):
    kind = "cultural_exchange"
    summary = "Festivals, cultural months, literary events: builds a slow culture tie."
    type: Literal["cultural_exchange"]
    scale: Literal["small", "medium", "large"] = "medium"

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.culture_tie, self.actors, impulse * CULTURE_TIE[self.kind] * SCALE[self.scale])

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "cultural-month",
            "type": "cultural_exchange",
            "actors": ["PAK", "RUS"],
            "every": 1,
            "start": "2024-11-01",
            "scale": "small",
            "hypothetical": True,
        }


class AcademicExchange(CulturalExchange):
    kind = "academic_exchange"
    summary = "Student and scholar exchanges, scholarships: a culture tie slightly stronger than festivals."
    type: Literal["academic_exchange"]  # type: ignore[assignment]

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "scholarships",
            "type": "academic_exchange",
            "actors": ["PAK", "RUS"],
            "every": 1,
            "start": "2024-09-01",
        }


class TechnologyCooperation(Multilateral):
    kind = "technology_cooperation"
    summary = "Cooperation in IT, space, cyber or civil nuclear technology."
    type: Literal["technology_cooperation"]
    field: Literal["it", "space", "cyber", "nuclear", "other"] = "it"

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.technology_tie, self.actors, impulse * TECHNOLOGY_TIE)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "space-mou",
            "type": "technology_cooperation",
            "actors": ["PAK", "RUS"],
            "field": "space",
            "at": "2025-06-01",
        }


class InfrastructureLink(Multilateral):
    kind = "infrastructure_link"
    summary = "Roads, railways, ports, corridors (e.g. via Central Asia): cuts friction and lifts trade."
    type: Literal["infrastructure_link"]
    link: Literal["road", "rail", "port", "pipeline", "corridor"] = "corridor"

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.friction_cut, self.actors, level * LINK_FRICTION_CUT)
        fx.among(fx.trade_boost, self.actors, level * LINK_TRADE_BOOST)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "trans-afghan-rail",
            "type": "infrastructure_link",
            "actors": ["PAK", "RUS"],
            "link": "rail",
            "ramp": 5,
            "at": "2026-01-01",
            "hypothetical": True,
        }
