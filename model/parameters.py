"""The model's global parameters: mechanism switches and weights, economy, military, power.

Every default here is documented with its justification in ``docs/explanation/odd.md`` (section
"Parameters"); scenario files override any of them under the same names, and ``run --set``
reaches them by dotted path (``mechanisms.threat.weight=0.5``). Rates are per year; the model
converts them to its step length.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, model_validator

from powershift.model.files import field_error


def _refuses_bool(annotation: Any) -> bool:
    """Whether pydantic would turn true/false into a number for this annotation (so it must be refused)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _refuses_bool(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        return not any(a is bool or a is Any for a in args) and any(_refuses_bool(a) for a in args)
    return annotation in (int, float)


def _may_hold_number(annotation: Any) -> bool:
    """Whether a bool could hide anywhere in a value of this annotation outside nested models."""
    if _refuses_bool(annotation):
        return True
    return any(_may_hold_number(a) for a in get_args(annotation) if a is not Ellipsis)


def _bool_for_number(annotation: Any, value: Any) -> tuple[tuple[str, ...], bool] | None:
    """Where a bool stands for a number (its location below the value, () for the value itself)
    and that bool, or None."""
    if isinstance(value, bool):
        return ((), value) if _refuses_bool(annotation) else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _bool_for_number(args[0], value)
    if origin in (Union, types.UnionType):
        return next(filter(None, (_bool_for_number(arg, value) for arg in args)), None)
    items: list[tuple[Any, Any, Any]] = []  # (sub-path, annotation, value)
    if isinstance(value, dict) and origin is dict and len(args) == 2:
        for key, item in value.items():
            if isinstance(key, bool) and _refuses_bool(args[0]):
                return (str(key).lower(),), key
            items.append((key, args[1], item))
    elif isinstance(value, list | tuple) and origin in (list, tuple, set, frozenset) and args:
        variadic = len(args) == 1 or args[-1] is Ellipsis
        items = [(k, args[0] if variadic else args[min(k, len(args) - 1)], item) for k, item in enumerate(value)]
    for key, kind, item in items:
        found = _bool_for_number(kind, item)
        if found is not None:
            return (*filter(None, (str(key),)), *found[0]), found[1]
    return None


class StrictModel(BaseModel):
    """Base for every input schema: unknown fields, NaN, infinity and true/false for a number are errors.

    Whole numbers stay welcome where a float is expected (``years: 5``), but a boolean never
    stands for a number (pydantic's lax mode would read ``years: true`` as 1), in any field of any
    schema built on this class, numbers inside lists and mappings included. The check runs once
    per model on its input mapping, over the fields that can hold a number.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = _NUMERIC_FIELDS.get(cls)
            if fields is None:
                fields = _NUMERIC_FIELDS[cls] = tuple(
                    (name, field.annotation)
                    for name, field in cls.model_fields.items()
                    if _may_hold_number(field.annotation)
                )
            for name, annotation in fields:
                found = _bool_for_number(annotation, data[name]) if name in data else None
                if found is not None:
                    where, flag = found
                    raise field_error((name, *where), "a number, not true/false", flag)
        return data


_NUMERIC_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


class Mechanism(StrictModel):
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


class Relaxation(StrictModel):
    enabled: bool = True
    rate: float = Field(0.4, ge=0, le=10, description="pull toward the anchor per year")
    anchor_rate: float = Field(
        0.1, ge=0, le=10, description="kappa: how fast the anchor follows the alignment path, per year"
    )
    calibrate_baseline: bool = Field(
        True, description="set the baseline so the start-year alignments are at rest under the start-year forces"
    )


class Noise(StrictModel):
    enabled: bool = True
    sd: float = Field(0.04, ge=0, le=1, description="alignment shock s.d. per sqrt(year)")
    instability_boost: float = Field(
        1.0, ge=0, le=10, description="extra noise for (1 - stability) of the less stable side"
    )


class Mechanisms(StrictModel):
    threat: Mechanism = Mechanism()
    economic: Mechanism = Mechanism()
    balance: BalanceMechanism = BalanceMechanism()
    rival: RivalMechanism = RivalMechanism()
    hedging: Mechanism = Mechanism()
    ties: TiesMechanism = TiesMechanism()
    relaxation: Relaxation = Relaxation()
    noise: Noise = Noise()
    inertia: bool = Field(True, description="whether each state's inertia damps its intents")


class Alignment(StrictModel):
    rate: float = Field(0.2, ge=0, le=10, description="how fast the joint intent moves alignment, per year")
    trend_half_life: float = Field(1.0, gt=0, le=20, description="years over which warming is remembered as courting")


class Economy(StrictModel):
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
    exchange_uncertainty: float = Field(
        1.0,
        ge=0,
        le=10,
        description="multiplies every actor's exchange_uncertainty (the s.d. of a random walk in its log real "
        "exchange rate); 0 = real exchange rates follow exchange_drift only, the previous model",
    )
    stability_recovery: float = Field(
        0.3, ge=0, le=10, description="pull of stability back to its usual level per year"
    )
    industry_elasticity: float = Field(0.7, ge=0, le=3, description="iron and steel output vs GDP")
    energy_elasticity: float = Field(0.5, ge=0, le=3, description="energy use vs GDP")
    gravity_exponent: float = Field(0.5, ge=0, le=2, description="trade scale vs the product of GDPs")


class Military(StrictModel):
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


class Power(StrictModel):
    """Which power index, and the headline index's weights (see ``model.power`` and ODD §3.3.13)."""

    index: Literal["economic_military", "cinc", "net_resources"] = "economic_military"
    gdp_mer: float = Field(0.25, ge=0, le=10, description="headline weight of GDP at market exchange rates")
    gdp_ppp: float = Field(0.25, ge=0, le=10, description="headline weight of GDP at PPP")
    military: float = Field(0.5, ge=0, le=10, description="headline weight of the military capability stock")
    nuclear_bonus: float = Field(0.0, ge=0, le=1, description="added to a nuclear state's composite")


class Blocs(StrictModel):
    temperature: float = Field(
        1.0,
        ge=0,
        le=100,
        description="membership temperature in years of alignment noise (0 = only the best split counts)",
    )


class Parameters(StrictModel):
    mechanisms: Mechanisms = Mechanisms()
    alignment: Alignment = Alignment()
    economy: Economy = Economy()
    military: Military = Military()
    power: Power = Power()
    blocs: Blocs = Blocs()


def number_paths(model: type[BaseModel] = Parameters, prefix: str = "") -> tuple[str, ...]:
    """The dotted path of every number (float field) in a parameters model, in declaration order.

    ``World.p``, the per-world parameter view every step reads, is built from this list, so a
    parameter added to a model here is resolved per world without also being listed there.
    Switches (bools) and choices (``power.index``) are not numbers and are read from the spec.
    """
    paths: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(number_paths(annotation, f"{prefix}{name}."))
        elif annotation is float:
            paths.append(f"{prefix}{name}")
    return tuple(paths)


NUMBER_PATHS: tuple[str, ...] = number_paths()
"""Every numeric model parameter's path (``mechanisms.threat.weight`` ... ``blocs.temperature``)."""
