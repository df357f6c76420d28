"""Money tests' steps on the sandbox (``tests/`` is on ``sys.path``): a policy with a percent restocking fee on
no-reason returns, one-line orders paid a given amount, return requests taken to inspection, and the money the host
paid back."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR, order_facts, order_line

from saleor_aftersales_plugin.domain.facts import LineRequest, ProductFacts
from saleor_aftersales_plugin.models import Case, SandboxLedgerEntry
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import returns
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy

FEE_POLICY = """
schema_version: 1.1
name: money
defaults:
  currency: {currency}
  country: DE
  time_zone: UTC
  languages: [en]
  eligible: true
  window: {{days: 30, anchor: delivery, day_kind: calendar}}
  resolutions: [refund, store_credit, exchange, keep_item]
  review: required
  store_credit_bonus: {bonus}
  rounding: {rounding}
rules:
  - id: fee
    priority: 10
    conditions:
      all:
        - {{name: reason, operator: equal_to, value: no_reason}}
    actions:
      - {{name: add_fee, params: {{code: restocking, kind: percent, amount: {percent}, scope: line}}}}
"""
"""Every resolution; staff review; a ``percent`` % restocking fee on no-reason returns (0: none)."""


def fee_policy_text(currency: str, *, percent: str = "0", bonus: int = 0, rounding: str = "half_up") -> str:
    return FEE_POLICY.format(currency=currency, percent=percent, bonus=bonus, rounding=rounding)


def publish_text(channel: str, text: str) -> None:
    data, _ = load_source(text)
    publish_policy(channel, normalise_policy(data), text, "yaml")


def publish_fee_policy(channel: str, currency: str, **options: str | int) -> None:
    publish_text(channel, fee_policy_text(currency, **options))  # type: ignore[arg-type]


def place_order(
    channel: str, currency: str, quantity: int, paid: Decimal | str, unit: Decimal | str | None = None
) -> tuple[str, str]:
    """An order of one delivered line of ``quantity`` units at ``unit`` (default: ``paid`` shared) that the customer
    paid ``paid`` for; the (order, line) ids."""
    now = timezone.now()
    line = order_line(
        ProductFacts(sku="X", product_name="Thing", category_path=("misc",)),
        quantity=quantity,
        unit_price=Decimal(paid) / quantity if unit is None else Decimal(unit),
        paid_total=Decimal(paid),
        fulfilled_at=now - timedelta(days=3),
        delivered_at=now - timedelta(days=2),
    )
    facts = order_facts((line,), channel=channel, currency=currency)
    record_order(facts)
    return facts.order_id, line.line_id


def request(order_id: str, line_id: str, quantity: int, host: SandboxHost, resolution: str = "") -> Case:
    """The customer's no-reason return of ``quantity`` units of the line."""
    case, _ = returns.request_return(
        order_id,
        [LineRequest(line_id, quantity, reason="no_reason", resolution=resolution)],
        actor=CUSTOMER_ACTOR,
        host=host,
    )
    return case


def approved_to_inspection(case: Case, line_id: str, host: SandboxHost, condition: str = "unopened") -> Case:
    """``case`` approved, its items received and inspected in ``condition``."""
    returns.approve(case.pk, actor=STAFF_ACTOR)
    returns.mark_received(case.pk, actor=STAFF_ACTOR)
    return returns.inspect(case.pk, {line_id: condition}, actor=STAFF_ACTOR, host=host)


def inspected(order_id: str, line_id: str, quantity: int, condition: str = "unopened") -> Case:
    """A return of ``quantity`` units, approved, received and inspected in ``condition``."""
    host = SandboxHost()
    return approved_to_inspection(request(order_id, line_id, quantity, host), line_id, host, condition)


def money_out(order_id: str) -> Decimal:
    """The money the host paid back for the order (refunds and store credit, not the failed ones)."""
    entries = (
        SandboxLedgerEntry.objects.filter(order_id=order_id).exclude(kind="return").exclude(outcome="failure")
    )
    return sum((entry.amount or Decimal(0) for entry in entries), Decimal(0))
