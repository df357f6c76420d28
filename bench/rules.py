"""Rules engine benchmark: a 100-rule policy against a 20-line order: business-rules' engine, the compiled one (with
and without the trace) and zen-engine (GoRules' Rust engine), all in this process, side by side, on the same facts.

Prints `ratio naive/compiled: X` (goal >= 30), `ratio compiled-with-trace/compiled: X` (goal <= 2: the trace is
recorded cheaply and expanded only when read; the cost of expanding it is printed too) and `ratio zen/compiled: X`
(goal >= 1). Contenders run in interleaved rounds (each round times every contender, its best of a few runs, with the garbage collector off during them as timeit has
it); each
ratio is the median over rounds of that round's ratio and times are medians over rounds, so load that comes and goes
on a shared machine affects both sides of a ratio alike. For zen the policy becomes one decision table per setting (first hit, rows in rank order, each row's
condition the rule's condition tree as a zen expression) evaluated once per line on the line's variable values,
which are computed before timing (so zen is timed on evaluation alone); its winners per setting and line are checked
to equal the compiled engine's before anything is timed. zen-engine is in the ``bench`` extra
(`pip install -e '.[bench]'`); without it the zen lines are skipped.
Run with `make bench`.
"""

import gc
import json
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from saleor_aftersales_plugin.domain.facts import (  # noqa: E402
    CaseFacts,
    CaseKind,
    CustomerHistory,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
)
from saleor_aftersales_plugin.rules.decision import DEFAULTS  # noqa: E402
from saleor_aftersales_plugin.rules.document import Policy  # noqa: E402
from saleor_aftersales_plugin.rules.engine import (  # noqa: E402
    CompiledPolicy,
    _LineValues,
    decide_reference,
    writes_of,
)
from saleor_aftersales_plugin.rules.thresholds import AmountIn, threshold_amounts  # noqa: E402
from saleor_aftersales_plugin.rules.validation import parse_policy  # noqa: E402
from saleor_aftersales_plugin.rules.variables import LineContext  # noqa: E402

try:
    import zen
except ImportError:  # the bench extra is not installed
    zen = None

PRODUCT_TYPES = ["electronics", "apparel", "books", "furniture", "toys", "beauty"]
CATEGORIES = ["tv", "audio", "phones", "shoes", "shirts", "kids", "sofas", "makeup"]
COUNTRIES = ["DE", "FR", "CN", "US", "PL", "IT"]


def build_policy(rng: random.Random, rule_count: int = 100) -> dict:
    rules = []
    for index in range(rule_count):
        leaves = [
            {"name": "product_type", "operator": "equal_to", "value": rng.choice(PRODUCT_TYPES)},
            {
                "name": "category",
                "operator": "shares_at_least_one_element_with",
                "value": rng.sample(CATEGORIES, 2),
            },
            {"name": "days_since_delivery", "operator": "less_than_or_equal_to", "value": rng.randint(5, 60)},
            {"name": "business_days_since_delivery", "operator": "greater_than", "value": rng.randint(1, 20)},
            {
                "name": "line_unit_price",
                "operator": "greater_than_or_equal_to",
                "value": rng.randint(10, 500),
            },
            {"name": "shipping_country", "operator": "equal_to", "value": rng.choice(COUNTRIES)},
            {
                "name": "reason",
                "operator": "equal_to",
                "value": rng.choice(["defective", "no_reason", "wrong_item"]),
            },
            {"name": "product_attributes", "operator": "contains_all", "value": ["final-sale:true"]},
            {"name": "sku", "operator": "starts_with", "value": rng.choice(["TV", "SH", "BK"])},
            {"name": "prior_returns_count", "operator": "greater_than", "value": rng.randint(1, 5)},
        ]
        chosen = rng.sample(leaves, rng.randint(2, 4))
        conditions = {"all": chosen[:2] + ([{"any": chosen[2:]}] if len(chosen) > 2 else [])}
        action = rng.choice(
            [
                {
                    "name": "set_window",
                    "params": {"days": rng.randint(7, 60), "day_kind": rng.choice(["calendar", "business"])},
                },
                {
                    "name": "add_fee",
                    "params": {"code": f"fee-{index % 7}", "kind": "percent", "amount": rng.randint(5, 20)},
                },
                {"name": "deny", "params": {"reason": "final_sale"}},
                {"name": "require_review", "params": {}},
                {"name": "set_resolutions", "params": {"resolutions": ["refund", "store_credit"]}},
            ]
        )
        rules.append(
            {
                "id": f"rule-{index}",
                "priority": rng.randint(0, 10),
                "conditions": conditions,
                "actions": [action],
            }
        )
    return {
        "schema_version": 1.1,
        "defaults": {"currency": "EUR", "country": "DE", "time_zone": "Europe/Berlin"},
        "rules": rules,
    }


def build_case(rng: random.Random, line_count: int = 20) -> CaseFacts:
    placed = datetime(2026, 4, 1, 10, tzinfo=UTC)
    lines = []
    for index in range(line_count):
        price = Decimal(rng.randint(500, 90000)) / 100
        lines.append(
            OrderLineFacts(
                line_id=f"line-{index}",
                product=ProductFacts(
                    sku=rng.choice(["TV-55", "SH-42", "BK-01"]) + f"-{index}",
                    product_type=rng.choice(PRODUCT_TYPES),
                    category_path=tuple(rng.sample(CATEGORIES, 2)),
                    attributes={"final-sale": ("true",)} if index % 5 == 0 else {},
                ),
                quantity=2,
                unit_price=price,
                paid_total=price * 2,
                quantity_fulfilled=2,
                fulfilled_at=placed + timedelta(days=1),
                delivered_at=placed + timedelta(days=3),
            )
        )
    order = OrderFacts(
        order_id="bench-order",
        channel="default",
        currency="EUR",
        created_at=placed,
        lines=tuple(lines),
        total=sum((line.paid_total for line in lines), Decimal(0)),
        customer_id="customer-1",
        shipping_country="DE",
    )
    requests = tuple(
        LineRequest(line.line_id, 1, reason=rng.choice(["defective", "no_reason"])) for line in lines
    )
    return CaseFacts(
        CaseKind.RETURN, order, requests, placed + timedelta(days=9), CustomerHistory(2, Decimal(80))
    )


_ZEN_LEAVES = {
    "equal_to": "({a} == {b})",
    "greater_than": "({a} > {b})",
    "greater_than_or_equal_to": "({a} >= {b})",
    "less_than": "({a} < {b})",
    "less_than_or_equal_to": "({a} <= {b})",
    "starts_with": "startsWith({a}, {b})",
    "ends_with": "endsWith({a}, {b})",
    "contains_all": "all({b}, # in {a})",
    "is_contained_by": "all({a}, # in {b})",
    "shares_at_least_one_element_with": "some({a}, # in {b})",
    "shares_no_elements_with": "none({a}, # in {b})",
}


def zen_expression(node: dict) -> str:
    """A rule's condition tree as one zen expression over the line's variables."""
    for key, joiner in (("all", " and "), ("any", " or ")):
        if key in node:
            return "(" + joiner.join(zen_expression(child) for child in node[key]) + ")"
    value = node["value"]
    if isinstance(value, list):
        value = [item.lower() if isinstance(item, str) else item for item in value]
    if isinstance(value, dict):  # a money threshold; the bench's orders are all in the policy's currency, EUR
        value = float(threshold_amounts(value)["EUR"])
    return _ZEN_LEAVES[node["operator"]].format(a=node["name"], b=json.dumps(value))


def _field(setting: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", setting.lower())


def zen_decision(policy: Policy) -> tuple[str, dict[str, str]]:
    """The policy as a JDM graph: one first-hit decision table per setting, rows in rank order."""
    tables: dict[str, list[dict]] = {}
    for rule in policy.ranked_rules:
        expression = zen_expression(rule.conditions)
        for setting, _value in writes_of(rule):
            tables.setdefault(setting, []).append(
                {"_id": f"{rule.id}-{setting}", "c": expression, "o": json.dumps(rule.id)}
            )
    nodes = [{"id": "in", "type": "inputNode", "name": "Line", "position": {"x": 0, "y": 0}}]
    edges = []
    for index, (setting, rows) in enumerate(tables.items()):
        node = f"table-{index}"
        nodes.append(
            {
                "id": node,
                "type": "decisionTableNode",
                "name": setting,
                "position": {"x": 200, "y": 100 * index},
                "content": {
                    "hitPolicy": "first",
                    "inputs": [{"id": "c", "name": "condition", "field": ""}],
                    "outputs": [{"id": "o", "name": "rule", "field": _field(setting)}],
                    "rules": rows,
                },
            }
        )
        edges.append({"id": f"in-{node}", "sourceId": "in", "targetId": node, "type": "edge"})
        edges.append({"id": f"{node}-out", "sourceId": node, "targetId": "out", "type": "edge"})
    nodes.append({"id": "out", "type": "outputNode", "name": "Decision", "position": {"x": 400, "y": 0}})
    content = {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}
    return json.dumps(content), {_field(setting): setting for setting in tables}


def zen_contexts(policy: Policy, facts: CaseFacts) -> list[dict]:
    """Each line's variable values (every variable the policy uses) as zen input."""
    names = sorted(set(re.findall(r"'name': '([a-z_]+)'", str([rule.conditions for rule in policy.rules]))))
    contexts = []
    for request in facts.lines:
        line = facts.order.line(request.line_id)
        values = _LineValues(
            LineContext(facts, line, request, policy.calendar, policy.defaults.prior_returns_days)
        )
        context = {}
        for name in names:
            value = values[name]
            if isinstance(value, AmountIn):
                value = value.amount
            context[name] = (
                float(value)
                if isinstance(value, Decimal)
                else list(value)
                if isinstance(value, tuple)
                else value
            )
        contexts.append(context)
    return contexts


def main() -> None:
    rng = random.Random(20261123)
    policy = parse_policy(build_policy(rng))
    facts = build_case(rng)
    compiled = CompiledPolicy(policy)
    reference = decide_reference(policy, facts)
    assert compiled.decide(facts, explain=False).to_dict(with_trace=False) == reference.to_dict(
        with_trace=False
    )

    def decide_and_read_trace() -> None:
        for line in compiled.decide(facts, explain=True).lines:
            len(line.trace)

    contenders = {  # name: (run one case, runs per round)
        "naive": (lambda: decide_reference(policy, facts), 1),
        "fast": (lambda: compiled.decide(facts, explain=False), 8),
        "explained": (lambda: compiled.decide(facts, explain=True), 8),
        "expanded": (decide_and_read_trace, 1),
    }
    zen_setup = None
    if zen is not None:
        content, settings_of = zen_decision(policy)
        decision = zen.ZenEngine().create_decision(content)
        contexts = zen_contexts(policy, facts)
        ours = compiled.decide(facts, explain=False)
        for line, context in zip(ours.lines, contexts, strict=True):
            answer = decision.evaluate(context)["result"]
            winners = {settings_of[field]: rule_id for field, rule_id in answer.items()}
            expected = {setting: rule for setting, rule in line.decided_by.items() if rule != DEFAULTS}
            assert winners == expected, (line.line_id, winners, expected)
        zen_setup = settings_of

        def zen_case() -> None:
            for context in contexts:
                decision.evaluate(context)

        contenders["zen"] = (zen_case, 4)
    rounds = interleaved(contenders, rounds=15)
    timings = {name: statistics.median(times) for name, times in rounds.items()}

    def ratio(slower: str, faster: str) -> float:
        return paired_ratio(rounds[slower], rounds[faster])

    naive, fast, explained, expanded = (timings[name] for name in ("naive", "fast", "explained", "expanded"))
    print(f"policy: {len(policy.rules)} rules; order: {len(facts.lines)} lines")
    print(f"business-rules engine: {naive * 1000:.2f} ms per case (median of {len(rounds['naive'])} rounds)")
    print(
        f"compiled engine:       {fast * 1000:.2f} ms per case ({explained * 1000:.2f} ms with the trace recorded, "
        f"{expanded * 1000:.2f} ms with every line's trace expanded)"
    )
    print(f"ratio naive/compiled: {ratio('naive', 'fast'):.1f}")
    print(f"ratio naive/compiled-with-trace: {ratio('naive', 'explained'):.1f}")
    print(f"ratio compiled-with-trace/compiled: {ratio('explained', 'fast'):.2f}")
    print(f"ratio compiled-with-expanded-trace/compiled: {ratio('expanded', 'fast'):.2f}")
    if zen_setup is None:
        print("zen-engine is not installed (pip install -e '.[bench]'): zen lines skipped")
        return
    print(
        f"zen-engine {version('zen-engine')} (JDM, {len(zen_setup)} first-hit tables): "
        f"{timings['zen'] * 1000:.2f} ms per case (same winners per setting on every line)"
    )
    print(f"ratio zen/compiled: {ratio('zen', 'fast'):.2f}")


def interleaved(contenders: dict, rounds: int) -> dict[str, list[float]]:
    """Each contender's time for one case in each of ``rounds`` rounds; a round runs every contender in turn (its
    best of ``repeat`` runs), so load on a shared machine that changes between rounds hits all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, (run, repeat) in contenders.items():
            runs = []
            # As timeit does: the collector is off while a contender runs (the garbage of one contender is not
            # collected on another's clock) and its best run counts. Collecting before every run instead would
            # time each run with cold caches, a fixed cost that weighs on the fast contender alone.
            gc.collect()
            gc.disable()
            try:
                for _ in range(repeat):
                    started = time.perf_counter()
                    run()
                    runs.append(time.perf_counter() - started)
            finally:
                gc.enable()
            times[name].append(min(runs))
    return times


def paired_ratio(slower: list[float], faster: list[float]) -> float:
    """The median over rounds of each round's ratio: both sides of a ratio are timed in the same round."""
    return statistics.median(a / b for a, b in zip(slower, faster, strict=True))


if __name__ == "__main__":
    main()
