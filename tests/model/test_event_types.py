"""Every event type meets one contract, in the style of Axelrod's ``TestPlayer``.

Each type has a test class below that inherits :class:`EventTypeContract` and states only what
is particular to it: which channel its example acts on first (at the ``Effects`` level) and which
recorded series a world with the example ends up moving, and in which direction. The inherited
tests check, for every type, that its ``example()``

- validates inside a scenario file, to the same event as alone, and the type refuses unknown fields;
- applies: one step at full intensity touches the expected channel in the expected direction and
  nothing outside the event's parties, and a world with the example ends with the expected
  series moved the expected way relative to the same world without it (noise off, so nothing
  else differs);
- is documented in docs/reference/events.md: a section of its own with the type's summary, a
  table row for every field the type adds and the example itself;
- round-trips: ``model_dump`` gives the example back, and a dump through YAML validates to the
  same event.

``test_every_event_type_has_a_test_class`` keeps the catalogue and the classes in step, so a new
type cannot land without its own class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from powershift.model.events import EVENT_TYPES, Effects, Event, economic, military, political, society
from powershift.model.scenario import Scenario
from powershift.model.world import Recording
from tests.conftest import FIVE, dyad, make_scenario, run

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DOC = ROOT / "docs" / "reference" / "events.md"
YEARS = 6  # the latest example fires in March 2029; the scenarios start in January 2024
WORLDS = 4  # hazard examples fire in some worlds and not in others


@dataclass(frozen=True)
class Channel:
    """A cell of an ``Effects`` channel: (W, N, N) with two actors [from, to], (W, N) with one."""

    name: str
    actors: tuple[str, ...]
    sign: int = 1

    def value(self, fx: Effects) -> np.ndarray:
        return getattr(fx, self.name)[(slice(None), *(FIVE.index(a) for a in self.actors))]


@dataclass(frozen=True)
class Outcome:
    """A recorded series at the last step, mean over worlds: a dyad's ``alignment`` or ``trade``, or an actor's."""

    series: str
    actors: tuple[str, ...]
    sign: int = 1

    def value(self, h: Recording) -> float:
        if self.series in ("alignment", "trade"):
            return float(getattr(h, self.series)[-1, :, dyad(*self.actors)].mean())
        [actor] = self.actors
        return float(h.actors[self.series][-1, :, FIVE.index(actor)].mean())


def section(kind: str) -> str:
    """The part of the events reference headed by the type's name, e.g. ``### 2.1 `sanctions```."""
    match = re.search(rf"^### [\d.]+ `{kind}`\n(.*?)(?=^#{{1,3}} |\Z)", EVENTS_DOC.read_text(), flags=re.S | re.M)
    assert match, f"{EVENTS_DOC.name} has no section for {kind}"
    return match.group(1)


def yaml_events(text: str) -> list[dict[str, Any]]:
    """Every event written in the text's YAML blocks, with dates as the ISO strings the examples use."""
    events = []
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        items = yaml.safe_load(block)
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and "type" in item:
                events.append({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in item.items()})
    return events


@pytest.fixture(scope="module")
def without_events() -> Recording:
    """The world every example is compared with: the same scenario, seed and worlds, no events."""
    return run(make_scenario(years=YEARS), worlds=WORLDS)


class EventTypeContract:
    """What every event type must satisfy; a subclass per type names the type and its expected effects."""

    event_type: ClassVar[type[Event]]
    channel: ClassVar[Channel]
    outcome: ClassVar[Outcome]

    @classmethod
    def example(cls) -> dict[str, Any]:
        return cls.event_type.example()

    @classmethod
    def event(cls) -> Event:
        return cls.event_type.model_validate(cls.example(), context={"actors": list(FIVE)})

    @pytest.fixture(scope="class")
    @classmethod
    def scenario(cls) -> Scenario:
        """A scenario file holding only the example, loaded as a user's would be (noise off)."""
        return make_scenario(events=[cls.example()], years=YEARS)

    # --- validates ----------------------------------------------------------------------

    def test_example_validates_in_a_scenario(self, scenario: Scenario) -> None:
        example = self.example()
        assert example["type"] == self.event_type.kind
        assert EVENT_TYPES[self.event_type.kind] is self.event_type
        [event] = scenario.events
        assert type(event) is self.event_type and event == self.event()

    def test_an_unknown_field_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="colour"):
            self.event_type.model_validate({**self.example(), "colour": "red"}, context={"actors": list(FIVE)})

    # --- applies ------------------------------------------------------------------------

    def test_one_step_moves_its_channel_and_touches_only_its_parties(self) -> None:
        event = self.event()
        fx = Effects(2, list(FIVE))
        full = event.magnitude * np.ones(2)
        event.apply(fx, full, full)
        value = self.channel.value(fx)
        assert np.all(np.sign(value) == self.channel.sign), (self.channel, value)
        outside = [i for i, code in enumerate(FIVE) if code not in event.parties()]
        for name, array in vars(fx).items():
            arrays = array.items() if isinstance(array, dict) else [(name, array)]
            for label, values in arrays:
                if not isinstance(values, np.ndarray):
                    continue
                for axis in range(1, values.ndim):
                    untouched = np.take(values, outside, axis=axis)
                    assert np.all(untouched == 0), f"{label} changed for a state outside {event.parties()}"

    def test_a_world_with_the_example_moves_the_expected_way(
        self, scenario: Scenario, without_events: Recording
    ) -> None:
        with_event = run(scenario, worlds=WORLDS)
        change = self.outcome.value(with_event) - self.outcome.value(without_events)
        assert np.sign(change) == self.outcome.sign, (self.outcome, change)

    # --- documented ---------------------------------------------------------------------

    def test_documented_with_its_summary_fields_and_example(self) -> None:
        text = section(self.event_type.kind)
        assert self.event_type.summary and " ".join(self.event_type.summary.split()) in " ".join(text.split())
        assert self.example() in yaml_events(text), "the documented example is not the type's example()"
        same_as = re.findall(r"the same as `(\w+)`", text)
        documented = text + "".join(section(kind) for kind in same_as)
        for name in self.event_type.model_fields.keys() - Event.model_fields.keys():
            assert f"| `{name}` |" in documented, f"field {name!r} of {self.event_type.kind} is not in its table"

    # --- round-trips --------------------------------------------------------------------

    def test_model_dump_gives_the_example_back(self) -> None:
        assert self.event().model_dump(mode="json", exclude_unset=True) == self.example()

    def test_a_yaml_dump_validates_to_the_same_event(self) -> None:
        event = self.event()
        text = yaml.safe_dump(event.model_dump(mode="json"), sort_keys=False)
        again = self.event_type.model_validate(yaml.safe_load(text), context={"actors": list(FIVE)})
        assert again == event and again.model_dump() == event.model_dump()


# --- economic ---------------------------------------------------------------------------


class TestSanctions(EventTypeContract):
    event_type = economic.Sanctions
    channel = Channel("sanctions", ("USA", "RUS"))
    outcome = Outcome("alignment", ("USA", "RUS"), -1)


class TestSanctionsRelief(EventTypeContract):
    event_type = economic.SanctionsRelief
    channel = Channel("relief", ("USA", "RUS"))
    outcome = Outcome("trade", ("USA", "RUS"))


class TestTradeAgreement(EventTypeContract):
    event_type = economic.TradeAgreement
    channel = Channel("trade_boost", ("PAK", "RUS"))
    outcome = Outcome("trade", ("PAK", "RUS"))


class TestTradeCut(EventTypeContract):
    event_type = economic.TradeCut
    channel = Channel("import_cut", ("RUS", "IND"))  # [exporter, importer]
    outcome = Outcome("trade", ("IND", "RUS"), -1)


class TestEnergyDeal(EventTypeContract):
    event_type = economic.EnergyDeal
    channel = Channel("energy_flow", ("RUS", "PAK"))
    outcome = Outcome("trade", ("PAK", "RUS"))


class TestInvestment(EventTypeContract):
    event_type = economic.Investment
    channel = Channel("output_gain", ("PAK",))
    outcome = Outcome("gdp", ("PAK",))


class TestAid(EventTypeContract):
    event_type = economic.Aid
    channel = Channel("alignment", ("USA", "PAK"))
    outcome = Outcome("alignment", ("PAK", "USA"))


# --- military ---------------------------------------------------------------------------


class TestArmsDeal(EventTypeContract):
    event_type = military.ArmsDeal
    channel = Channel("arms_capability", ("PAK",))
    outcome = Outcome("capability", ("PAK",))


class TestJointExercise(EventTypeContract):
    event_type = military.JointExercise
    channel = Channel("military_tie", ("PAK", "RUS"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestSecurityCooperation(EventTypeContract):
    event_type = military.SecurityCooperation
    channel = Channel("military_tie", ("RUS", "PAK"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


# --- society ----------------------------------------------------------------------------


class TestCulturalExchange(EventTypeContract):
    event_type = society.CulturalExchange
    channel = Channel("culture_tie", ("PAK", "RUS"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestAcademicExchange(EventTypeContract):
    event_type = society.AcademicExchange
    channel = Channel("culture_tie", ("RUS", "PAK"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestTechnologyCooperation(EventTypeContract):
    event_type = society.TechnologyCooperation
    channel = Channel("technology_tie", ("PAK", "RUS"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestInfrastructureLink(EventTypeContract):
    event_type = society.InfrastructureLink
    channel = Channel("friction_cut", ("PAK", "RUS"))
    outcome = Outcome("trade", ("PAK", "RUS"))


# --- political --------------------------------------------------------------------------


class TestPoliticalInstability(EventTypeContract):
    event_type = political.PoliticalInstability
    channel = Channel("stability", ("PAK",), -1)
    outcome = Outcome("stability", ("PAK",), -1)


class TestEconomicShock(EventTypeContract):
    event_type = political.EconomicShock
    channel = Channel("output_loss", ("PAK",))
    outcome = Outcome("gdp", ("PAK",), -1)


class TestLeadershipChange(EventTypeContract):
    event_type = political.LeadershipChange
    channel = Channel("alignment", ("PAK", "USA"))
    outcome = Outcome("alignment", ("PAK", "USA"))


class TestSummit(EventTypeContract):
    event_type = political.Summit
    channel = Channel("alignment", ("PAK", "RUS"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestAllianceTreaty(EventTypeContract):
    event_type = political.AllianceTreaty
    channel = Channel("anchor", ("CHN", "RUS"))
    outcome = Outcome("alignment", ("CHN", "RUS"))


class TestStrategicPartnership(EventTypeContract):
    event_type = political.StrategicPartnership
    channel = Channel("anchor", ("PAK", "RUS"))
    outcome = Outcome("alignment", ("PAK", "RUS"))


class TestCrisis(EventTypeContract):
    event_type = political.Crisis
    channel = Channel("alignment", ("IND", "PAK"), -1)
    outcome = Outcome("alignment", ("IND", "PAK"), -1)


def test_every_event_type_has_a_test_class() -> None:
    tested = [c.event_type.kind for c in EventTypeContract.__subclasses__()]
    assert sorted(tested) == sorted(EVENT_TYPES), "each event type needs exactly one EventTypeContract subclass"
