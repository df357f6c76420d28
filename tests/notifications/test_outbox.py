"""The outbox on real PostgreSQL: rows written with the state change, delivered in-process, retried with backoff."""

from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR, TV
from notification_fixtures import (
    CHANNEL,
    claim_repair_of_one_tv,
    publish_example,
    record_tv_order,
    return_one_tv,
)

from saleor_aftersales_plugin.domain.actors import STAFF, Actor
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.models import OutboxMessage
from saleor_aftersales_plugin.notifications import outbox
from saleor_aftersales_plugin.notifications.outbox import deliver_due
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import conversations, repairs, returns
from saleor_aftersales_plugin.services.cases import transition
from saleor_aftersales_plugin.services.eligibility import policy_for_order
from saleor_aftersales_plugin.services.reminders import enqueue_policy_reminder
from saleor_aftersales_plugin.tasks import enqueue_policy_reminder as reminder_task

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """Django's in-memory mail backend that refuses messages to addresses starting with "down"."""

    def send_messages(self, messages):
        if any(address.startswith("down") for message in messages for address in message.to):
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


SANDBOX = SandboxHost()


class NotifyingHost(SandboxHost):
    """The sandbox host with an app listening on its notify channel, which is down for the first ``down`` calls."""

    def __init__(self, down: int = 0) -> None:
        super().__init__()
        self.down = down
        self.notified: list[tuple[str, str, dict]] = []

    def notify(self, event, payload, channel):
        self.notified.append((event, channel, dict(payload)))
        if len(self.notified) <= self.down:
            raise ConnectionError("webhook queue unavailable")


def _rows(**filters):
    return list(OutboxMessage.objects.filter(**filters).order_by("created_at", "event"))


def _enqueue_reply(recipient: str, dedupe_key: str, payload: dict | None = None) -> bool:
    """Queue an English reply message of the test channel to ``recipient``."""
    return outbox.enqueue(
        "reply",
        channel=CHANNEL,
        recipient=recipient,
        language="en",
        payload=payload or {},
        dedupe_key=dedupe_key,
    )


def test_a_return_writes_its_messages_with_each_state_change_and_delivers_them():
    publish_example()
    order = record_tv_order()
    case = return_one_tv(order, reason="no_reason", resolution="refund")
    tv = order.lines.get(sku=TV.sku)
    assert {(row.event, row.recipient) for row in _rows(case=case)} == {
        ("request_received", "ada@example.com"),
        ("staff_new_case", "support@volt.example"),  # first tier of the policy's default escalation path
    }
    returns.approve(case.pk, actor=STAFF_ACTOR, message="Thanks for letting us know.")
    returns.mark_received(case.pk, actor=STAFF_ACTOR)
    returns.inspect(case.pk, {str(tv.line_id): "opened"}, actor=STAFF_ACTOR)
    returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=SandboxHost())
    events = [row.event for row in _rows(case=case, recipient="ada@example.com")]
    assert events == ["request_received", "approved", "item_received", "inspection_result", "refund_issued"]

    host = NotifyingHost()
    report = deliver_due(host)
    assert (report.sent, report.retried, report.failed) == (6, 0, 0)
    assert all(row.status == "sent" and row.delivered_via == ["email", "notify"] for row in _rows(case=case))
    by_subject = {message.subject: message for message in mail.outbox}
    refund = by_subject["Your refund of €424.15 is on its way"]  # 499.00 less the 15 % restocking fee
    assert refund.to == ["ada@example.com"] and refund.extra_headers["Message-ID"].endswith("@aftersales>")
    assert "€424.15" in refund.alternatives[0][0] and refund.alternatives[0][1] == "text/html"
    approved = by_subject[f"Your return request #{case.number} is approved"]
    assert "How to send the items back" in approved.body and "Thanks for letting us know." in approved.body
    assert f"New return case #{case.number} (order 1001)" in by_subject
    assert [event for event, _, _ in host.notified][:2] == [
        "aftersales_request_received",
        "aftersales_staff_new_case",
    ]
    assert all(channel == CHANNEL and payload["delivery_id"] for _, channel, payload in host.notified)
    assert deliver_due(host).sent == 0  # nothing twice


def test_messages_go_out_in_the_customers_language():
    publish_example()
    order = record_tv_order(language="zh-Hans")
    case, _ = conversations.open_complaint(
        order.order_id, category="logistics", comment="包裹破损", actor=CUSTOMER_ACTOR
    )
    conversations.reply(case.pk, "非常抱歉，我们会为您补发。", actor=STAFF_ACTOR)
    conversations.reply(case.pk, "谢谢", actor=CUSTOMER_ACTOR)  # not echoed back to the customer
    conversations.resolve_complaint(case.pk, actor=STAFF_ACTOR, message="已为您补发新商品。")
    assert [row.event for row in _rows(case=case, recipient="ada@example.com")] == [
        "complaint_acknowledged",
        "reply",
        "complaint_resolved",
    ]
    deliver_due(SANDBOX)
    subjects = [message.subject for message in mail.outbox if message.to == ["ada@example.com"]]
    assert subjects == [
        f"我们已收到您的投诉（售后单 {case.number}）",
        f"售后单 {case.number} 有新回复",
        f"您的投诉已处理完毕（售后单 {case.number}）",
    ]
    # Staff read the shop's first language (English for this policy).
    staff = [message for message in mail.outbox if message.to != ["ada@example.com"]]
    assert staff and staff[0].subject.startswith("New complaint case")


def test_nothing_is_enqueued_when_the_change_rolls_back():
    publish_example()
    order = record_tv_order()
    cable = order.lines.get(sku="HDMI-2")
    with pytest.raises(RuntimeError), transaction.atomic():
        returns.request_return(order.order_id, [LineRequest(str(cable.line_id), 1)], actor=CUSTOMER_ACTOR)
        assert OutboxMessage.objects.exists()
        raise RuntimeError("the request fails later in the same transaction")
    assert not OutboxMessage.objects.exists()


def test_repair_quote_and_status_messages():
    publish_example(defaults={**_example()["defaults"], "warranty_months": 0})
    order = record_tv_order()
    case = claim_repair_of_one_tv(order)
    transition(case.pk, "approved", actor=Actor(STAFF, "staff-1"))
    repairs.update_repair_status(case.pk, "received", actor=STAFF_ACTOR)
    repairs.update_repair_status(case.pk, "diagnosing", actor=STAFF_ACTOR)
    repairs.create_quote(case.pk, Decimal("89"), actor=STAFF_ACTOR)
    events = [row.event for row in _rows(case=case, recipient="ada@example.com")]
    assert events == ["request_received", "approved", "item_received", "repair_status", "repair_quote"]
    deliver_due(SANDBOX)
    assert f"Repair quote for case #{case.number}: €89.00" in [message.subject for message in mail.outbox]


def _example() -> dict:
    from notification_fixtures import EXAMPLES

    from saleor_aftersales_plugin.rules.document import load_source

    data, _ = load_source((EXAMPLES / "electronics-shop.yaml").read_text())
    return data


def test_policy_reminder_lists_the_terms_and_dates_once_per_order():
    publish_example()
    order = record_tv_order()
    assert enqueue_policy_reminder(str(order.order_id))
    assert not enqueue_policy_reminder(str(order.order_id))
    deliver_due(SANDBOX)
    (message,) = mail.outbox
    assert message.subject == "Your order 1001: returns and warranty"
    assert "- OLED TV: returns until " in message.body and "; warranty until " in message.body
    # The window counts days in the shop's time zone (the example policy's Europe/Berlin), not in UTC.
    delivered = order.delivered_at.astimezone(ZoneInfo("Europe/Berlin"))
    last_day = (delivered + timedelta(days=_example()["defaults"]["window"]["days"])).date()
    assert f"{last_day:%B} {last_day.day}, {last_day.year}" in message.body, (delivered, message.body)


def test_failures_back_off_exponentially_then_give_up(settings):
    settings.EMAIL_BACKEND = "test_outbox.FlakyBackend"
    settings.AFTERSALES_OUTBOX_MAX_ATTEMPTS = 3
    payload = {"case_number": 1, "message": "Hello", "order_number": "1"}
    with transaction.atomic():
        _enqueue_reply("down@example.com", "a", payload)
        _enqueue_reply("up@example.com", "b", payload)
    now = timezone.now()
    report = deliver_due(SANDBOX, now=now)
    assert (report.sent, report.retried) == (1, 1)
    row = OutboxMessage.objects.get(recipient="down@example.com")
    assert (
        row.status == "pending" and row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=60)
    )
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert deliver_due(SANDBOX, now=now + timedelta(seconds=59)).retried == 0  # not due yet
    deliver_due(SANDBOX, now=now + timedelta(seconds=60))
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(seconds=60 + 120)
    assert deliver_due(SANDBOX, now=now + timedelta(seconds=180)).failed == 1
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3
    assert len(mail.outbox) == 1


def test_a_retry_after_a_failing_notify_channel_does_not_send_the_email_again():
    host = NotifyingHost(down=1)
    _enqueue_reply("ada@example.com", "x")
    now = timezone.now()
    assert deliver_due(host, now=now).retried == 1
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().delivered_via == ["email"]
    assert deliver_due(host, now=now + timedelta(minutes=1)).sent == 1
    assert len(mail.outbox) == 1
    assert [event for event, _, _ in host.notified] == ["aftersales_reply", "aftersales_reply"]


def test_enqueueing_is_idempotent_per_key():
    assert _enqueue_reply("a@example.com", "k")
    assert not _enqueue_reply("a@example.com", "k")
    assert OutboxMessage.objects.count() == 1
    with pytest.raises(ValueError, match="Unknown message event 'nope'"):
        outbox.enqueue(
            "nope", channel=CHANNEL, recipient="a@example.com", language="en", payload={}, dedupe_key="n"
        )


def test_staff_messages_written_in_bulk_carry_the_events_variables_and_skip_repeated_keys():
    publish_example()
    order = record_tv_order()
    case = return_one_tv(order)
    policy = policy_for_order(order)[0]
    heading = outbox.heading_of(case)
    variables = {
        "deadline_kind": "first_response",
        "deadline": {"instant": "2026-12-02T16:00:00+00:00"},
        "tier_name": "supervisor",
        "tier_number": 2,
    }
    rows = outbox.staff_messages(
        heading,
        policy,
        "staff_escalation",
        ["group:supervisors", "", "group:supervisors", "b@x.example"],
        "esc",
        **variables,
    )
    assert [row.recipient for row in rows] == ["group:supervisors", "b@x.example"]
    assert outbox.enqueue_many(rows) == 2
    assert outbox.enqueue_many(rows) == 0
    stored = OutboxMessage.objects.get(dedupe_key="esc:b@x.example")
    assert stored.case_id == case.pk and stored.status == "pending" and stored.delivered_via == []
    assert stored.payload == {
        "shop_name": "Volt Electronics",
        "case_number": case.number,
        "case_kind": "return",
        "order_number": order.number,
        "customer_email": case.customer_email,
        "status": case.status,
        "message": "",
        "time_zone": "Europe/Berlin",
        **variables,
    }
    with pytest.raises(ValueError, match=r"staff_escalation needs the variables .*'tier_number'"):
        outbox.staff_messages(heading, policy, "staff_escalation", ["a@x.example"], "k", tier_name="x")


def test_reminder_task_is_quiet_for_orders_it_cannot_judge():
    order = record_tv_order(channel="no-policy-yet")
    assert reminder_task.apply(args=[str(order.order_id)]).get() is False
    assert not OutboxMessage.objects.exists()


def test_approval_carries_the_shops_return_instructions():
    data = _example()
    data["texts"]["en"]["return_instructions"] = "Drop the parcel at any DHL shop with the QR code we sent."
    from saleor_aftersales_plugin.rules.validation import normalise_policy
    from saleor_aftersales_plugin.services.policies import publish_policy

    publish_policy(CHANNEL, normalise_policy(data), "{}", "json")
    order = record_tv_order()
    case = return_one_tv(order)
    returns.approve(case.pk, actor=STAFF_ACTOR)
    deliver_due(SANDBOX)
    approved = next(m for m in mail.outbox if m.subject.endswith("is approved"))
    assert (
        "How to send the items back:\nDrop the parcel at any DHL shop with the QR code we sent."
        in approved.body
    )


def test_the_channels_sender_and_extra_staff_contacts_are_used(settings):
    settings.AFTERSALES_CHANNEL_CONTACTS = {
        CHANNEL: {
            "sender": "Volt Support <care@volt.example>",
            "staff": ["desk@volt.example"],
            "escalation": ["boss@volt.example"],
        }
    }
    publish_example()
    order = record_tv_order()
    case = return_one_tv(order, reason="no_reason")
    staff = {row.recipient for row in _rows(case=case, event="staff_new_case")}
    assert staff == {"support@volt.example", "desk@volt.example"}
    policy, _ = policy_for_order(case.order)
    assert outbox.staff_recipients(case, policy, SANDBOX, tier=2)[-2:] == (
        "desk@volt.example",
        "boss@volt.example",
    )
    deliver_due(SANDBOX)
    assert mail.outbox and {message.from_email for message in mail.outbox} == {
        "Volt Support <care@volt.example>"
    }


@pytest.mark.django_db
def test_without_a_mail_backend_staff_see_the_failing_messages_and_why(settings):
    from saleor_aftersales_plugin.domain.actors import Principal
    from saleor_aftersales_plugin.graphql.api import RequestContext, execute
    from saleor_aftersales_plugin.notifications.senders import delivery_problems

    settings.EMAIL_BACKEND = ""  # what Saleor sets without EMAIL_URL
    assert "set EMAIL_URL" in delivery_problems()[0]
    with transaction.atomic():
        _enqueue_reply(
            "ada@example.com",
            "no-backend:1",
            {"case_number": 7, "order_number": "1001", "message": "We are on it."},
        )
    report = deliver_due(SANDBOX)
    assert (report.sent, report.retried) == (0, 1)
    query = "{ afterSalesOutbox { id event recipient status attempts lastError nextAttemptAt } }"
    staff = Principal("staff", "staff-1", "staff@volt.example", frozenset({"MANAGE_ORDERS"}))
    status, answer = execute({"query": query}, RequestContext(CHANNEL, staff, SandboxHost()))
    (message,) = answer["data"]["afterSalesOutbox"]
    assert (message["event"], message["recipient"], message["status"], message["attempts"]) == (
        "reply",
        "ada@example.com",
        "pending",
        1,
    )
    assert message["lastError"] == "ImportError:  doesn't look like a module path"
    assert message["nextAttemptAt"] is not None
    customer = Principal("customer", "cust-1", "ada@example.com")
    status, answer = execute({"query": query}, RequestContext(CHANNEL, customer, SandboxHost()))
    assert answer["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "ada@example.com" not in str(answer)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery_problems() == []
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert deliver_due(SANDBOX).sent == 1
    status, answer = execute({"query": query}, RequestContext(CHANNEL, staff, SandboxHost()))
    assert answer["data"]["afterSalesOutbox"] == []
