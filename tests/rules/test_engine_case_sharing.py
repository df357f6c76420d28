"""What the engines compute once per case and share between its lines (variables that read only the order, day counts
per delivery and fulfilment instant, return windows per window setting and instants) never hands one line another
line's answer: every line of a case is decided as it is when it is the case's only line."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import pytest
from factories import one_unit_of_each_line, order_facts, order_line
from hypothesis import HealthCheck, given, settings
from policy_strategies import case_facts, policy_documents

from saleor_aftersales_plugin.domain.facts import (
    CaseFacts,
    CustomerHistory,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
)
from saleor_aftersales_plugin.rules.document import Policy
from saleor_aftersales_plugin.rules.engine import CompiledPolicy, decide_reference
from saleor_aftersales_plugin.rules.validation import parse_policy, validate_policy

PLACED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _alone(facts: CaseFacts, request: LineRequest) -> CaseFacts:
    return replace(facts, lines=(request,))


def _line(decision, index: int) -> dict:
    line = decision.to_dict(with_trace=False)["lines"][index]
    outcomes = [(t.rule_id, t.decided, t.overridden) for t in decision.lines[index].trace if t.matched]
    return {**line, "outcomes": outcomes}


def _each_line_as_if_alone(policy: Policy, facts: CaseFacts) -> None:
    compiled = CompiledPolicy(policy)
    together = {
        "compiled": compiled.decide(facts, explain=False),
        "explained": compiled.decide(facts, explain=True),
        "reference": decide_reference(policy, facts),
    }
    for index, request in enumerate(facts.lines):
        alone = _alone(facts, request)
        separately = {
            "compiled": compiled.decide(alone, explain=False),
            "explained": compiled.decide(alone, explain=True),
            "reference": decide_reference(policy, alone),
        }
        for engine, decision in together.items():
            assert _line(decision, index) == _line(separately[engine], 0), (engine, request.line_id)


def _german_policy(rules: list[dict]) -> Policy:
    """A policy of ``rules`` for a shop in Germany selling in euros."""
    return parse_policy(
        {
            "schema_version": 1.1,
            "defaults": {"currency": "EUR", "country": "DE", "time_zone": "Europe/Berlin"},
            "rules": rules,
        }
    )


def _policy() -> Policy:
    """Windows that differ by SKU (in days, day kind or anchor); deny a line whose delivery is more than a week ago (a shared day count)."""
    return _german_policy(
        [
            {
                "id": "old-delivery",
                "priority": 9,
                "conditions": {
                    "all": [{"name": "days_since_delivery", "operator": "greater_than", "value": 7}]
                },
                "actions": [{"name": "deny", "params": {"reason": "final_sale"}}],
            },
            {
                "id": "tv-business-window",
                "priority": 5,
                "conditions": {"all": [{"name": "sku", "operator": "starts_with", "value": "TV"}]},
                "actions": [{"name": "set_window", "params": {"days": 10, "day_kind": "business"}}],
            },
            {
                "id": "sh-calendar-window",
                "priority": 4,
                "conditions": {"all": [{"name": "sku", "operator": "starts_with", "value": "SH"}]},
                "actions": [{"name": "set_window", "params": {"days": 10, "day_kind": "calendar"}}],
            },
            {
                "id": "gm-fulfilment-window",
                "priority": 3,
                "conditions": {"all": [{"name": "sku", "operator": "starts_with", "value": "GM"}]},
                "actions": [
                    {
                        "name": "set_window",
                        "params": {"days": 10, "day_kind": "business", "anchor": "fulfilment"},
                    }
                ],
            },
            {
                "id": "order-window",
                "priority": 1,
                "conditions": {"all": [{"name": "sku", "operator": "starts_with", "value": "BK"}]},
                "actions": [{"name": "set_window", "params": {"days": 20, "anchor": "order"}}],
            },
        ]
    )


def _order_line(index: int, sku: str, delivered: int | None, fulfilled: int | None) -> OrderLineFacts:
    """Line ``line-<index>``: one unit of ``<sku>-<index>`` at 10.00, shipped and delivered that many days after
    the order was placed (None: not known)."""

    def day(offset: int | None) -> datetime | None:
        return None if offset is None else PLACED + timedelta(days=offset)

    return order_line(
        ProductFacts(sku=f"{sku}-{index}"),
        unit_price="10.00",
        delivered_at=day(delivered),
        fulfilled_at=day(fulfilled),
        line_id=f"line-{index}",
    )


def _order(lines: tuple[OrderLineFacts, ...]) -> OrderFacts:
    return order_facts(lines, order_id="order-1", channel="default", created_at=PLACED)


def test_lines_with_other_instants_and_windows_get_their_own():
    lines = (
        _order_line(0, "TV", delivered=3, fulfilled=1),
        _order_line(1, "TV", delivered=None, fulfilled=1),  # the fulfilment stands in for the delivery
        _order_line(2, "TV", delivered=None, fulfilled=None),  # the order stands in
        _order_line(3, "BK", delivered=3, fulfilled=1),  # same instants as line 0, another window
        _order_line(4, "SH", delivered=12, fulfilled=10),
        _order_line(5, "TV", delivered=4, fulfilled=1),  # as line 0, delivered a day later
        _order_line(6, "SH", delivered=3, fulfilled=1),  # as line 0 but calendar days
        _order_line(7, "GM", delivered=3, fulfilled=1),  # as line 0 but from the fulfilment
        _order_line(8, "TV", delivered=None, fulfilled=7),  # as line 1, fulfilled later: not too old
    )
    facts = one_unit_of_each_line(_order(lines), PLACED + timedelta(days=11))
    policy = _policy()
    decision = CompiledPolicy(policy).decide(facts)
    windows = [(line.window_anchor.value, line.window_ends_at, line.reasons) for line in decision.lines]
    # Every line differs from every other in its window setting, the anchor used, the end or the reasons.
    assert len({(line.window, *window) for line, window in zip(decision.lines, windows)}) == len(lines)
    assert len({window[1] for window in windows}) == len(lines) - 1  # lines 1 and 7 end at the same instant
    assert windows[0][0] == "delivery" and windows[1][0] == "fulfilment" and windows[2][0] == "order"
    assert windows[3][0] == "order" and decision.lines[3].window.days == 20
    assert windows[4][2] == windows[8][2] == () and windows[0][2] == windows[1][2] == ("final_sale",)
    _each_line_as_if_alone(policy, facts)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=policy_documents(), facts=case_facts().filter(lambda facts: len(facts.lines) > 1))
def test_every_line_of_a_generated_case_is_decided_as_if_alone(document, facts):
    assert validate_policy(document) == []
    _each_line_as_if_alone(Policy.from_dict(document), facts)


def test_lines_sharing_a_delivery_instant_in_other_time_zones_share_the_answer():
    """Equal instants written in other zones are one key of the shared values and windows: the answer is the same
    (windows are computed in the shop's zone and come out in UTC)."""
    first = _order_line(0, "TV", delivered=3, fulfilled=1)
    second = replace(
        _order_line(1, "TV", delivered=None, fulfilled=None),
        delivered_at=first.delivered_at.astimezone(ZoneInfo("Asia/Shanghai")),
        fulfilled_at=first.fulfilled_at.astimezone(ZoneInfo("America/New_York")),
    )
    facts = one_unit_of_each_line(_order((first, second)), PLACED + timedelta(days=5))
    decision = CompiledPolicy(_policy()).decide(facts)
    assert decision.lines[0].window_ends_at == decision.lines[1].window_ends_at
    assert decision.lines[1].window_ends_at.tzinfo is UTC
    _each_line_as_if_alone(_policy(), facts)


def _history_policy() -> Policy:
    """A condition on the customer's earlier refunds (one value per case), reached only on lines of a TV."""
    return _german_policy(
        [
            {
                "id": "big-returner-tv",
                "priority": 1,
                "conditions": {
                    "all": [
                        {"name": "sku", "operator": "starts_with", "value": "TV"},
                        {
                            "name": "prior_returns_value",
                            "operator": "greater_than",
                            "value": {"EUR": "100.00"},
                        },
                    ]
                },
                "actions": [{"name": "require_review", "params": {}}],
            }
        ]
    )


def _history_case(skus: tuple[str, ...], refunded: Decimal) -> CaseFacts:
    lines = tuple(_order_line(index, sku, delivered=3, fulfilled=1) for index, sku in enumerate(skus))
    return one_unit_of_each_line(
        _order(lines), PLACED + timedelta(days=5), history=CustomerHistory(3, refunded)
    )


def test_a_shared_condition_that_cannot_be_evaluated_fails_only_where_a_rule_reaches_it():
    """A value no comparison accepts (NaN) makes business-rules raise on the line whose rule reaches the condition;
    evaluated once per case, the condition raises on that same line and nowhere else."""
    policy = _history_policy()
    compiled = CompiledPolicy(policy)
    reached = _history_case(("BK", "TV"), Decimal("NaN"))
    with pytest.raises(InvalidOperation):
        decide_reference(policy, reached)
    with pytest.raises(InvalidOperation):
        compiled.decide(reached, explain=False)
    with pytest.raises(InvalidOperation):  # the TV line alone: its conditions are evaluated on the line
        compiled.decide(_alone(reached, reached.lines[1]), explain=False)
    assert compiled.decide(_alone(reached, reached.lines[0]), explain=False).lines[0].decided_by[
        "review"
    ] == ("defaults")
    not_reached = _history_case(("BK", "SH"), Decimal("NaN"))
    assert compiled.decide(not_reached, explain=False).to_dict(with_trace=False) == decide_reference(
        policy, not_reached
    ).to_dict(with_trace=False)
    counted = _history_case(("BK", "TV", "TV"), Decimal("150.00"))
    decision = compiled.decide(counted, explain=False)
    assert [line.decided_by["review"] for line in decision.lines] == [
        "defaults",
        "big-returner-tv",
        "big-returner-tv",
    ]
    _each_line_as_if_alone(policy, counted)
