"""Military events: arms deals, joint exercises and security cooperation."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator

from powershift.model.events.base import Event, Multilateral, check_codes
from powershift.model.events.effects import Effects

SCALE = {"small": 0.5, "medium": 1.0, "large": 2.0}
EXERCISE_TIE = 0.06  # military tie added by a medium exercise at magnitude 1
SECURITY_TIE = 0.08
ARMS_TIE = 0.2
ARMS_ALIGNMENT_SHOCK = 0.05


def one_code(code: str, info: ValidationInfo) -> str:
    return check_codes([code], info)[0]


class ArmsDeal(Event):
    kind = "arms_deal"
    summary = "A supplier sells weapons: deliveries add to the recipient's capability and build a military tie."
    type: Literal["arms_deal"]
    supplier: str
    recipient: str
    value_bn: float = Field(gt=0, le=1000, description="contract value, USD bn")
    delivery_years: float = Field(3.0, gt=0, le=30)
    technology_transfer: float = Field(
        0.0, ge=0, le=1, description="capability bonus from licensed production or know-how"
    )
    system: str | None = None

    _code = field_validator("supplier", "recipient")(one_code)

    @property
    def effective_duration(self) -> float | None:
        return self.duration or self.delivery_years

    def parties(self) -> list[str]:
        return [self.supplier, self.recipient]

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        flow = level * self.value_bn / self.delivery_years
        fx.between(fx.arms_flow, [self.supplier], [self.recipient], flow)
        fx.on(fx.arms_capability, [self.recipient], flow * (1 + self.technology_transfer))
        tie = impulse * ARMS_TIE * (1 + self.technology_transfer)
        fx.between(fx.military_tie, [self.supplier], [self.recipient], tie, symmetric=True)
        fx.between(fx.alignment, [self.supplier], [self.recipient], impulse * ARMS_ALIGNMENT_SHOCK, symmetric=True)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "su35-to-pak",
            "type": "arms_deal",
            "supplier": "RUS",
            "recipient": "PAK",
            "system": "Su-35",
            "value_bn": 2.0,
            "delivery_years": 4,
            "technology_transfer": 0.2,
            "at": "2025-01-01",
            "hypothetical": True,
            "source": "claimed in the seed article; not established (facts.md section 8)",
        }


class JointExercise(Multilateral):
    kind = "joint_exercise"
    summary = (
        "A joint military exercise (e.g. Druzhba); usually recurring. Builds a military tie that decays if not renewed."
    )
    type: Literal["joint_exercise"]
    domain: Literal["army", "navy", "air", "joint"] = "army"
    scale: Literal["small", "medium", "large"] = "medium"

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.military_tie, self.actors, impulse * EXERCISE_TIE * SCALE[self.scale])

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "druzhba",
            "type": "joint_exercise",
            "actors": ["PAK", "RUS"],
            "domain": "army",
            "scale": "small",
            "every": 1,
            "start": "2024-10-01",
        }


class SecurityCooperation(Multilateral):
    kind = "security_cooperation"
    summary = "Counter-terrorism, intelligence or defence cooperation agreements."
    type: Literal["security_cooperation"]
    field: Literal["counter_terrorism", "intelligence", "defence", "cyber"] = "counter_terrorism"

    def apply(self, fx: Effects, level: np.ndarray, impulse: np.ndarray) -> None:
        fx.among(fx.military_tie, self.actors, impulse * SECURITY_TIE)

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "id": "ct-working-group",
            "type": "security_cooperation",
            "actors": ["PAK", "RUS"],
            "field": "counter_terrorism",
            "at": "2025-03-01",
        }
