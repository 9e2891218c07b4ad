"""The event catalogue: every type the scenario files may use, by name."""

from __future__ import annotations

from powershift.model.events.base import Condition, Event
from powershift.model.events.economic import (
    Aid,
    EnergyDeal,
    Investment,
    Sanctions,
    SanctionsRelief,
    TradeAgreement,
    TradeCut,
)
from powershift.model.events.effects import Effects
from powershift.model.events.military import ArmsDeal, JointExercise, SecurityCooperation
from powershift.model.events.political import (
    AllianceTreaty,
    Crisis,
    EconomicShock,
    LeadershipChange,
    PoliticalInstability,
    StrategicPartnership,
    Summit,
)
from powershift.model.events.society import (
    AcademicExchange,
    CulturalExchange,
    InfrastructureLink,
    TechnologyCooperation,
)

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
