"""Rules engine benchmark: a 100-rule policy against a 20-line order, business-rules' engine vs the compiled one.

Prints `ratio naive/compiled: X` (goal >= 10). Both run in this process, side by side, on the same facts.
Run with `make bench`.
"""

import random
import sys
import timeit
from datetime import UTC, datetime, timedelta
from decimal import Decimal
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
from saleor_aftersales_plugin.rules.engine import CompiledPolicy, decide_reference  # noqa: E402
from saleor_aftersales_plugin.rules.validation import parse_policy  # noqa: E402

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
        "schema_version": 1,
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


def main() -> None:
    rng = random.Random(20261123)
    policy = parse_policy(build_policy(rng))
    facts = build_case(rng)
    compiled = CompiledPolicy(policy)
    reference = decide_reference(policy, facts)
    assert compiled.decide(facts, explain=False).to_dict(with_trace=False) == reference.to_dict(
        with_trace=False
    )

    def best(fn, number: int) -> float:
        return min(timeit.repeat(fn, number=number, repeat=5)) / number

    naive = best(lambda: decide_reference(policy, facts), 5)
    fast = best(lambda: compiled.decide(facts, explain=False), 50)
    explained = best(lambda: compiled.decide(facts, explain=True), 20)
    print(f"policy: {len(policy.rules)} rules; order: {len(facts.lines)} lines")
    print(f"business-rules engine: {naive * 1000:.2f} ms per case")
    print(
        f"compiled engine:       {fast * 1000:.2f} ms per case ({explained * 1000:.2f} ms with the full trace)"
    )
    print(f"ratio naive/compiled: {naive / fast:.1f}")
    print(f"ratio naive/compiled-with-trace: {naive / explained:.1f}")


if __name__ == "__main__":
    main()
