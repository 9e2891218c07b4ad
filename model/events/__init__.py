"""The event catalogue: every type the scenario files may use, by name."""

from __future__ import annotations

from model.events.base import Condition, Event
from model.events.economic import Aid, EnergyDeal, Investment, Sanctions, SanctionsRelief, TradeAgreement, TradeCut
from model.events.effects import Effects
from model.events.military import ArmsDeal, JointExercise, SecurityCooperation
from model.events.political import (
    AllianceTreaty,
    Crisis,
    EconomicShock,
    LeadershipChange,
    PoliticalInstability,
    StrategicPartnership,
    Summit,
)
from model.events.society import AcademicExchange, CulturalExchange, InfrastructureLink, TechnologyCooperation

EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Sanctions,
        SanctionsRelief,
        TradeAgreement,
        TradeCut,
        EnergyDeal,
        ArmsDeal,
        JointExercise,
        CulturalExchange,
        AcademicExchange,
        TechnologyCooperation,
        SecurityCooperation,
        InfrastructureLink,
        Investment,
        Aid,
        PoliticalInstability,
        EconomicShock,
        LeadershipChange,
        Summit,
        AllianceTreaty,
        StrategicPartnership,
        Crisis,
    )
}

__all__ = ["EVENT_TYPES", "Condition", "Effects", "Event"]
