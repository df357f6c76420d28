"""What customers read in their e-mails: only what the shop wrote for them, in their language (no English texts the
system wrote, no staff-only override reasons)."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from factories import STAFF_ACTOR, TV
from notification_fixtures import claim_repair_of_one_tv, publish_example, record_tv_order, return_one_tv

from saleor_aftersales_plugin.notifications.outbox import deliver_due
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import repairs, returns
from saleor_aftersales_plugin.services.cases import transition

pytestmark = pytest.mark.django_db

ENGLISH_SENTENCE = re.compile(r"\b(Approved|Resolved by|Waiting for|automatically|policy needs)\b")


def _customer_bodies():
    deliver_due(SandboxHost())
    return [m.body for m in mail.outbox if m.to == ["ada@example.com"]]


def test_a_chinese_customers_approval_mail_has_no_english_default_message():
    publish_example()
    order = record_tv_order(language="zh-Hans")
    case = return_one_tv(order, reason="no_reason")
    assert case.status == "requested"
    returns.approve(case.pk, actor=STAFF_ACTOR)  # staff click "approve" without typing a message
    bodies = _customer_bodies()
    assert any("已通过审核" in body for body in bodies)
    assert [ENGLISH_SENTENCE.findall(body) for body in bodies] == [[] for _ in bodies]


def test_a_chinese_customers_exchange_mail_has_no_english_default_message():
    publish_example()
    order = record_tv_order(language="zh-Hans")
    case = return_one_tv(order, reason="no_reason", resolution="exchange")
    tv = order.lines.get(sku=TV.sku)
    if case.status == "requested":
        returns.approve(case.pk, actor=STAFF_ACTOR, message="请寄回商品。")
    returns.mark_received(case.pk, actor=STAFF_ACTOR)
    returns.inspect(case.pk, {str(tv.line_id): "unopened"}, actor=STAFF_ACTOR)
    assert returns.resolve(case.pk, "exchange", actor=STAFF_ACTOR, host=SandboxHost()).status == "resolved"
    bodies = _customer_bodies()
    assert any("换货商品已经发出" in body for body in bodies)
    assert [ENGLISH_SENTENCE.findall(body) for body in bodies] == [[] for _ in bodies]


def test_a_quote_override_reason_never_reaches_the_customer_by_email():
    # In warranty, staff quote anyway with an internal override reason and no message to the customer.
    publish_example()
    order = record_tv_order()
    case = claim_repair_of_one_tv(order)
    if case.status == "requested":
        transition(case.pk, "approved", actor=STAFF_ACTOR)
    repairs.update_repair_status(case.pk, "received", actor=STAFF_ACTOR)
    repairs.update_repair_status(case.pk, "diagnosing", actor=STAFF_ACTOR)
    secret = "INTERNAL: customer dropped it, suspected fraud, do not tell"
    repairs.create_quote(case.pk, Decimal("89"), actor=STAFF_ACTOR, override_reason=secret)
    deliver_due(SandboxHost())
    to_customer = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert to_customer, "the customer got no e-mail"
    for message in to_customer:
        assert "suspected fraud" not in message.body
        assert all("suspected fraud" not in html for html, _ in message.alternatives)
