"""Direction of each mechanism and event channel.

Each behavioural test runs the same scenario twice with the same seeds, once WITH an event and
once WITHOUT it (noise off unless stated), and checks the sign of the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from powershift.model import alignment as al
from powershift.model.world import CONTRIBUTIONS
from tests.conftest import FIVE, column, dyad, make_scenario, run, run_world

END = -1


def with_and_without(event: dict[str, Any], **kwargs: Any):
    """Histories of the scenario without and with one event (same seeds, noise off)."""
    return run(make_scenario(**kwargs)), run(make_scenario(events=[event], **kwargs))


def actor(h, series: str, code: str, step: int = END) -> float:
    return float(h.actors[series][step, 0, FIVE.index(code)])


# --- sanctions ------------------------------------------------------------------------------

SECONDARY = {"id": "s", "type": "sanctions", "by": ["USA"], "target": ["RUS"], "secondary": 1.0, "at": "2024-04-01"}


def test_secondary_sanctions_cut_a_compliant_states_trade_with_the_target():
    without, with_ = with_and_without(SECONDARY)
    k = dyad("PAK", "RUS")
    assert with_.trade[END, 0, k] < without.trade[END, 0, k]
    # and while the sanctions are in force, at every step after they bite
    assert np.all(with_.trade[2:, 0, k] < without.trade[2:, 0, k])


def test_secondary_sanctions_cut_low_compliance_state_less_than_high_compliance_state():
    k = dyad("PAK", "RUS")
    trade = {}
    for compliance in (0.9, 0.1):
        actors = {"PAK": {"policy": {"sanctions_compliance": compliance}}}
        trade[compliance] = run(make_scenario(events=[SECONDARY], actors=actors)).trade[END, 0, k]
    assert trade[0.1] > trade[0.9]


def test_direct_sanctions_cut_sender_target_trade_and_alignment():
    event = {"id": "s", "type": "sanctions", "by": ["USA"], "target": ["RUS"], "at": "2024-04-01"}
    without, with_ = with_and_without(event)
    k = dyad("RUS", "USA")
    assert with_.trade[END, 0, k] < 0.5 * without.trade[END, 0, k]
    assert with_.alignment[END, 0, k] < without.alignment[END, 0, k]


def test_sanctions_relief_restores_trade_partly():
    # a pair with no sanctions in force at the start (USA -> RUS has them in the actor data)
    sanctions = {"id": "s", "type": "sanctions", "by": ["CHN"], "target": ["IND"], "at": "2024-04-01"}
    relief = {
        "id": "r",
        "type": "sanctions_relief",
        "by": ["CHN"],
        "target": ["IND"],
        "magnitude": 0.6,
        "at": "2026-01-01",
    }
    k = dyad("CHN", "IND")
    none = run(make_scenario()).trade[END, 0, k]
    sanctioned = run(make_scenario(events=[sanctions])).trade[END, 0, k]
    relieved = run(make_scenario(events=[sanctions, relief])).trade[END, 0, k]
    assert sanctioned < relieved < none


# --- arms deals and rivals -------------------------------------------------------------------

ARMS = {
    "id": "arms",
    "type": "arms_deal",
    "supplier": "RUS",
    "recipient": "PAK",
    "value_bn": 4.0,
    "delivery_years": 4,
    "at": "2024-04-01",
}


def test_arms_deal_to_pakistan_cools_india_toward_russia():
    without, with_ = with_and_without(ARMS)
    k = dyad("IND", "RUS")
    assert with_.alignment[END, 0, k] < without.alignment[END, 0, k]


def test_arms_deal_warms_supplier_and_recipient():
    without, with_ = with_and_without(ARMS)
    k = dyad("PAK", "RUS")
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]


def test_arms_deal_cooling_of_india_is_driven_by_the_rival_mechanism():
    k = dyad("IND", "RUS")
    rival = column("rival")
    without, with_ = with_and_without(ARMS)
    # the deal makes the rival contribution to IND-RUS more negative
    assert with_.contributions[1:, 0, k, rival].sum() < without.contributions[1:, 0, k, rival].sum()
    assert with_.contributions[1:, 0, k, rival].sum() < 0
    cooling_on = without.alignment[END, 0, k] - with_.alignment[END, 0, k]

    off = {"rival": {"enabled": False}}
    without_off, with_off = with_and_without(ARMS, mechanisms=off)
    cooling_off = without_off.alignment[END, 0, k] - with_off.alignment[END, 0, k]
    assert cooling_on > 0
    assert cooling_off < cooling_on
    assert np.all(with_off.contributions[..., rival] == 0)


def test_arms_deal_adds_to_recipient_capability():
    without, with_ = with_and_without(ARMS)
    assert actor(with_, "capability", "PAK") > actor(without, "capability", "PAK")


# --- force functions ------------------------------------------------------------------------


def test_threat_force_warms_toward_the_enemy_of_my_enemy():
    # i=0, j=1, k=2: k is hostile to i, j is hostile to k, i and j are neutral
    a = np.array([[[0.0, 0.0, -0.8], [0.0, 0.0, -0.6], [-0.8, -0.6, 0.0]]])
    shares = np.array([[0.3, 0.3, 0.4]])
    force = al.threat_force(a, shares)
    assert force[0, 0, 1] > 0
    assert force[0, 1, 0] > 0
    # expected by hand: -(share_k * relu(-A_ik)) * A_jk = 0.4 * 0.8 * 0.6
    assert force[0, 0, 1] == pytest.approx(0.4 * 0.8 * 0.6)
    assert np.all(np.diagonal(force, axis1=1, axis2=2) == 0)


def test_threat_force_cools_toward_the_friend_of_my_enemy():
    a = np.array([[[0.0, 0.0, -0.8], [0.0, 0.0, 0.6], [-0.8, 0.6, 0.0]]])
    force = al.threat_force(a, np.array([[0.3, 0.3, 0.4]]))
    assert force[0, 0, 1] < 0


def test_hedging_force_pushes_away_from_a_sole_patron():
    # state 0 has positive ties only with state 1 (its patron); it is cool to 2 and 3
    a = np.array(
        [
            [
                [0.0, 0.8, -0.2, 0.0],
                [0.8, 0.0, 0.1, 0.1],
                [-0.2, 0.1, 0.0, 0.1],
                [0.0, 0.1, 0.1, 0.0],
            ]
        ]
    )
    shares = np.array([[0.1, 0.5, 0.2, 0.2]])
    force = al.hedging_force(a, shares)
    assert force[0, 0, 1] < 0
    assert force[0, 0, 1] == pytest.approx(1 / 3 - 1.0)
    assert force[0, 0, 2] > 0 and force[0, 0, 3] > 0


def test_economic_force_warms_toward_a_dominant_partner():
    links = np.array([[[0.0, 9.0, 1.0], [9.0, 0.0, 1.0], [1.0, 1.0, 0.0]]])
    force = al.economic_force(links)
    assert force[0, 0, 1] > 0
    assert force[0, 0, 2] < 0
    assert force[0, 0, 1] == pytest.approx(0.9 - 0.5)


def test_balance_force_sign_follows_the_triad():
    # 0 and 1 both like 2, so balance pushes 0 and 1 together; 0 likes 2 and 1 hates 2: apart
    friends = np.array([[[0.0, 0.0, 0.7], [0.0, 0.0, 0.7], [0.7, 0.7, 0.0]]])
    split = np.array([[[0.0, 0.0, 0.7], [0.0, 0.0, -0.7], [0.7, -0.7, 0.0]]])
    assert al.balance_force(friends)[0, 0, 1] > 0
    assert al.balance_force(split)[0, 0, 1] < 0


def test_rival_force_cools_toward_who_courts_my_adversary():
    a = np.array([[[0.0, 0.0, -0.7], [0.0, 0.0, 0.0], [-0.7, 0.0, 0.0]]])
    courtship = np.zeros((1, 3, 3))
    courtship[0, 1, 2] = courtship[0, 2, 1] = 0.5
    force = al.rival_force(a, courtship)
    assert force[0, 0, 1] == pytest.approx(-0.35)


# --- trade and economic pull ------------------------------------------------------------------

FTA = {
    "id": "fta",
    "type": "trade_agreement",
    "actors": ["PAK", "RUS"],
    "agreement": "fta",
    "tariff_cut": 0.8,
    "at": "2024-04-01",
}


def test_trade_agreement_raises_trade_and_alignment():
    without, with_ = with_and_without(FTA)
    k = dyad("PAK", "RUS")
    assert with_.trade[END, 0, k] > without.trade[END, 0, k]
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]


def test_economic_pull_of_a_trade_agreement_shows_in_the_economic_contribution():
    without, with_ = with_and_without(FTA)
    k = dyad("PAK", "RUS")
    econ = column("economic")
    assert with_.contributions[1:, 0, k, econ].sum() > without.contributions[1:, 0, k, econ].sum()


def test_energy_deal_raises_exports_from_supplier_to_buyer():
    deal = {
        "id": "oil",
        "type": "energy_deal",
        "supplier": "RUS",
        "buyer": "PAK",
        "volume_bn": 3.0,
        "at": "2024-04-01",
    }
    rus, pak = FIVE.index("RUS"), FIVE.index("PAK")
    w0, h0 = run_world(make_scenario())
    w1, h1 = run_world(make_scenario(events=[deal]))
    assert w1.trade[0, rus, pak] > w0.trade[0, rus, pak] + 1.0
    assert h1.trade[END, 0, dyad("PAK", "RUS")] > h0.trade[END, 0, dyad("PAK", "RUS")]


def test_infrastructure_link_raises_trade():
    link = {"id": "rail", "type": "infrastructure_link", "actors": ["PAK", "RUS"], "ramp": 1, "at": "2024-04-01"}
    without, with_ = with_and_without(link)
    k = dyad("PAK", "RUS")
    assert with_.trade[END, 0, k] > without.trade[END, 0, k]


# --- cooperation ties -----------------------------------------------------------------------


def test_recurring_joint_exercise_raises_alignment():
    ex = {"id": "ex", "type": "joint_exercise", "actors": ["PAK", "RUS"], "scale": "large", "every": 1}
    without, with_ = with_and_without(ex)
    k = dyad("PAK", "RUS")
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]
    assert with_.contributions[1:, 0, k, column("ties")].sum() > 0


@pytest.mark.parametrize("kind", ["cultural_exchange", "academic_exchange"])
def test_exchanges_raise_alignment_slightly(kind):
    ev = {"id": "x", "type": kind, "actors": ["PAK", "RUS"], "every": 1}
    without, with_ = with_and_without(ev)
    k = dyad("PAK", "RUS")
    gain = with_.alignment[END, 0, k] - without.alignment[END, 0, k]
    assert 0 < gain < 0.1


def test_academic_exchange_warms_more_than_cultural_exchange():
    k = dyad("PAK", "RUS")
    end = {}
    for kind in ("cultural_exchange", "academic_exchange"):
        ev = {"id": "x", "type": kind, "actors": ["PAK", "RUS"], "every": 1}
        end[kind] = run(make_scenario(events=[ev])).alignment[END, 0, k]
    assert end["academic_exchange"] > end["cultural_exchange"]


def test_technology_cooperation_raises_alignment():
    ev = {"id": "tech", "type": "technology_cooperation", "actors": ["PAK", "RUS"], "at": "2024-04-01"}
    without, with_ = with_and_without(ev)
    k = dyad("PAK", "RUS")
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]


# --- political events -----------------------------------------------------------------------

CRISIS = {"id": "c", "type": "crisis", "actors": ["IND", "PAK"], "at": "2025-01-01", "duration": 1}
CRISIS_END_STEP = 8  # fires at step 4 (2025-01-01), lasts one year = 4 steps


def test_crisis_lowers_alignment_and_trade_of_the_pair():
    without, with_ = with_and_without(CRISIS)
    k = dyad("IND", "PAK")
    assert with_.alignment[END, 0, k] < without.alignment[END, 0, k]
    during = slice(5, CRISIS_END_STEP + 1)
    assert np.all(with_.trade[during, 0, k] < without.trade[during, 0, k])
    assert with_.trade[END, 0, k] < without.trade[END, 0, k]


def test_richardson_crisis_raises_military_spending_on_both_sides():
    without, with_ = with_and_without(CRISIS)
    for code in ("IND", "PAK"):
        assert actor(with_, "milex", code, CRISIS_END_STEP) > actor(without, "milex", code, CRISIS_END_STEP)
        assert actor(with_, "milex", code) > actor(without, "milex", code)


def test_political_instability_lowers_stability_and_gdp():
    ev = {"id": "u", "type": "political_instability", "actor": "PAK", "at": "2025-01-01"}
    without, with_ = with_and_without(ev)
    assert actor(with_, "stability", "PAK", 5) < actor(without, "stability", "PAK", 5) - 0.1
    assert actor(with_, "gdp", "PAK") < actor(without, "gdp", "PAK")


def test_economic_shock_lowers_gdp():
    ev = {"id": "bop", "type": "economic_shock", "actor": "PAK", "at": "2025-01-01"}
    without, with_ = with_and_without(ev)
    assert actor(with_, "gdp", "PAK", 5) < actor(without, "gdp", "PAK", 5)
    assert actor(with_, "gdp", "PAK") < actor(without, "gdp", "PAK")


def test_investment_raises_recipient_gdp():
    ev = {
        "id": "cpec",
        "type": "investment",
        "investor": "CHN",
        "recipient": "PAK",
        "amount_bn": 20,
        "ramp": 2,
        "at": "2024-04-01",
    }
    without, with_ = with_and_without(ev)
    assert actor(with_, "gdp", "PAK") > actor(without, "gdp", "PAK")


def test_leadership_change_toward_usa_raises_that_dyad():
    ev = {"id": "gov", "type": "leadership_change", "actor": "PAK", "toward": ["USA"], "at": "2025-01-01"}
    without, with_ = with_and_without(ev)
    k = dyad("PAK", "USA")
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]


def test_leadership_change_away_lowers_that_dyad():
    ev = {"id": "gov", "type": "leadership_change", "actor": "PAK", "away": ["USA"], "at": "2025-01-01"}
    without, with_ = with_and_without(ev)
    k = dyad("PAK", "USA")
    assert with_.alignment[END, 0, k] < without.alignment[END, 0, k]


def test_summit_raises_alignment():
    ev = {"id": "sco", "type": "summit", "actors": ["PAK", "RUS"], "at": "2024-07-01"}
    without, with_ = with_and_without(ev)
    k = dyad("PAK", "RUS")
    assert with_.alignment[END, 0, k] > without.alignment[END, 0, k]
    # the summit's own jump is recorded in the events column in the step it fires
    assert with_.contributions[:, 0, k, column("events")].max() > 0


# --- switches and accounting ----------------------------------------------------------------

BUSY = [
    ARMS,
    {"id": "ex", "type": "joint_exercise", "actors": ["PAK", "RUS"], "every": 1},
    {"id": "c", "type": "crisis", "actors": ["IND", "PAK"], "at": "2025-01-01", "duration": 1},
    FTA,
]
SWITCHABLE = ["threat", "economic", "balance", "rival", "hedging", "ties", "relaxation", "noise"]


@pytest.mark.parametrize("mechanism", SWITCHABLE)
def test_each_mechanism_can_be_switched_off(mechanism):
    k = column(mechanism)
    on = run(make_scenario(events=BUSY, noise=True), worlds=2)
    assert np.abs(on.contributions[..., k]).max() > 0, "the mechanism should act when enabled"
    off = run(make_scenario(events=BUSY, noise=True, mechanisms={mechanism: {"enabled": False}}), worlds=2)
    assert np.all(off.contributions[..., k] == 0)


def test_mechanism_with_zero_weight_contributes_nothing():
    off = run(make_scenario(events=BUSY, noise=True, mechanisms={"threat": {"weight": 0}}), worlds=2)
    assert np.all(off.contributions[..., column("threat")] == 0)


@pytest.mark.parametrize("noise", [False, True])
def test_contributions_sum_to_the_alignment_change(noise):
    h = run(make_scenario(events=BUSY, noise=noise), worlds=3)
    assert h.contributions.shape[-1] == len(CONTRIBUTIONS)
    change = np.diff(h.alignment, axis=0)
    assert np.allclose(h.contributions[1:].sum(axis=-1), change, atol=1e-12)
    assert np.all(h.contributions[0] == 0)


def test_no_events_means_no_event_contribution():
    h = run(make_scenario(noise=True), worlds=2)
    assert np.all(h.contributions[..., column("events")] == 0)


# --- event channels at the Effects level ----------------------------------------------------


def apply_once(event: dict[str, Any], worlds: int = 2):
    """The Effects of one step in which the event acts at full level and delivers its full impulse."""
    from powershift.model.events import EVENT_TYPES, Effects

    fx = Effects(worlds, list(FIVE))
    ones = np.ones(worlds)
    ev = EVENT_TYPES[event["type"]].model_validate(event, context={"actors": list(FIVE)})
    ev.apply(fx, ev.magnitude * ones, ev.magnitude * ones)
    return fx


def cell(fx, channel: str, a: str, b: str) -> np.ndarray:
    return getattr(fx, channel)[:, FIVE.index(a), FIVE.index(b)]


TRADE_CUT = {"id": "cut", "type": "trade_cut", "by": ["IND"], "supplier": ["RUS"], "magnitude": 0.8, "at": "2025-01-01"}


def test_trade_cut_cuts_only_the_flow_from_supplier_to_buyer():
    fx = apply_once(TRADE_CUT)
    assert np.allclose(cell(fx, "import_cut", "RUS", "IND"), 0.8)  # [exporter, importer]
    assert np.all(cell(fx, "import_cut", "IND", "RUS") == 0)  # the buyer's own exports go on
    rus, ind = FIVE.index("RUS"), FIVE.index("IND")
    others = np.ones((len(FIVE), len(FIVE)), dtype=bool)
    others[rus, ind] = False
    assert np.all(fx.import_cut[:, others] == 0)
    for channel in ("sanctions", "secondary", "suspension", "trade_boost", "anchor"):
        assert np.all(getattr(fx, channel) == 0), channel  # no barrier, so nothing is diverted


def test_trade_cut_cools_buyer_and_supplier_a_little():
    fx = apply_once(TRADE_CUT)
    shock = cell(fx, "alignment", "IND", "RUS")
    assert np.all(shock < 0) and np.all(shock > -0.05)
    assert np.array_equal(shock, cell(fx, "alignment", "RUS", "IND"))


def test_trade_cut_with_several_buyers_and_suppliers_covers_every_flow_between_them():
    fx = apply_once({**TRADE_CUT, "by": ["IND", "PAK"], "supplier": ["RUS", "CHN"], "magnitude": 1.0})
    for exporter in ("RUS", "CHN"):
        for importer in ("IND", "PAK"):
            assert np.all(cell(fx, "import_cut", exporter, importer) == 1.0)
            assert np.all(cell(fx, "import_cut", importer, exporter) == 0)
    assert np.all(cell(fx, "import_cut", "RUS", "CHN") == 0) and np.all(cell(fx, "import_cut", "IND", "PAK") == 0)


PACT = {"id": "pact", "actors": ["CHN", "PAK", "RUS"], "magnitude": 0.5, "at": "2025-01-01"}


@pytest.mark.parametrize("kind", ["alliance_treaty", "strategic_partnership"])
def test_pact_shifts_the_anchor_symmetrically_and_only_among_its_actors(kind):
    fx = apply_once({**PACT, "type": kind})
    ids = [FIVE.index(c) for c in PACT["actors"]]
    inside = np.zeros((len(FIVE), len(FIVE)), dtype=bool)
    inside[np.ix_(ids, ids)] = True
    np.fill_diagonal(inside, False)
    assert np.all(fx.anchor[:, inside] > 0)
    assert np.all(fx.anchor[:, ~inside] == 0)
    assert np.array_equal(fx.anchor, fx.anchor.transpose(0, 2, 1))
    assert np.all(fx.alignment[:, inside] > 0) and np.all(fx.alignment[:, ~inside] == 0)


def test_alliance_treaty_shifts_the_anchor_more_than_a_strategic_partnership():
    alliance = apply_once({**PACT, "type": "alliance_treaty"})
    partnership = apply_once({**PACT, "type": "strategic_partnership"})
    assert np.all(cell(alliance, "anchor", "CHN", "RUS") > cell(partnership, "anchor", "CHN", "RUS"))
    assert np.all(cell(alliance, "alignment", "CHN", "RUS") > cell(partnership, "alignment", "CHN", "RUS"))
    assert np.allclose(cell(alliance, "anchor", "PAK", "RUS"), 0.5 * 0.3)  # magnitude x ANCHOR_SHIFT


def test_pact_anchor_shift_is_an_impulse_not_a_level():
    from powershift.model.events import EVENT_TYPES, Effects

    ev = EVENT_TYPES["alliance_treaty"].model_validate({**PACT, "type": "alliance_treaty"})
    fx = Effects(1, list(FIVE))
    ev.apply(fx, np.ones(1), np.zeros(1))  # in force, but no new intensity this step
    assert np.all(fx.anchor == 0) and np.all(fx.alignment == 0)
