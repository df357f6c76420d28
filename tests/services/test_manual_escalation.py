"""Staff escalating a case by hand: within its escalation path, the tier's contacts told why, and the KPIs naming
the tier reached (as the SLA sweep's escalations do)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from notification_fixtures import CHANNEL, publish_example, record_tv_order

from saleor_aftersales_plugin.models import OutboxMessage
from saleor_aftersales_plugin.notifications.outbox import deliver_due
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, conversations
from saleor_aftersales_plugin.services.stats import case_stats

pytestmark = pytest.mark.django_db


def _complaint():
    """A complaint on the example policy, whose complaints path has three tiers: agent, supervisor, manager."""
    publish_example()
    order = record_tv_order()
    case, _ = conversations.open_complaint(
        order.order_id, category="logistics", comment="Box crushed", actor=CUSTOMER_ACTOR
    )
    return case


@pytest.mark.parametrize("tier", [4, 99, 40_000, 2_147_483_647])
def test_staff_cannot_escalate_past_the_last_tier_of_the_path(tier):
    case = _complaint()
    with pytest.raises(ServiceError) as refused:
        conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="angry", tier=tier)
    assert (refused.value.field, refused.value.code) == ("tier", "invalid")
    assert refused.value.message == (
        f"Case {case.number}'s escalation path has 3 tiers (1 agent, 2 supervisor, 3 manager); "
        "escalate to at most tier 3."
    )
    case.refresh_from_db()
    assert case.escalation_tier == 0


def test_repeated_manual_escalations_stop_at_the_last_tier():
    case = _complaint()
    for _ in range(3):
        conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="again")
    with pytest.raises(ServiceError) as refused:
        conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="a fourth time")
    assert refused.value.field == "tier"
    case.refresh_from_db()
    assert case.escalation_tier == 3


def test_a_manual_escalation_tells_the_tier_it_reaches_why():
    case = _complaint()
    conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="The customer threatens to sue.", tier=3)
    recipients = OutboxMessage.objects.filter(case=case, event="staff_escalated").values_list(
        "recipient", flat=True
    )
    assert set(recipients) == {"group:managers", "customer.care@volt.example"}
    deliver_due(SandboxHost())
    (sent,) = [sent for sent in mail.outbox if sent.to == ["customer.care@volt.example"]]
    assert sent.subject == f"Escalated to manager: case #{case.number}"
    assert "was escalated to tier 3 (manager) by a staff member" in sent.body
    assert "The customer threatens to sue." in sent.body


def test_a_manual_escalation_is_counted_under_the_name_of_the_tier_it_reached():
    case = _complaint()
    conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="Asks for a supervisor.", tier=2)
    now = timezone.now()
    stats = case_stats(CHANNEL, now - timedelta(days=1), now + timedelta(minutes=1))
    assert stats["escalations"]["by_tier"] == [{"tier": 2, "name": "supervisor", "count": 1}]
