"""A stateful model of an order's money, shared by the sandbox test and the Saleor tier.

Random sequences of customer requests, staff steps (approve, receive, inspect, resolve by refund, store credit,
exchange or keep-the-item, with or without an amount override), and what staff do in the shop outside the plugin
(refunds of one line or of the whole order, returns). After every step, per line: refunded <= paid and returned <=
delivered at the host, and the plugin's figures equal the host's, computed here independently from the steps.

And once every unit of a line has been refunded through cases with no fees (refund or keep-the-item, no override,
nothing else done to the line), the refunds sum exactly to what was paid for it, whatever the order in which the
cases were filed and resolved.

A host adapter (:class:`LedgerWorld`) gives the machine the order and the outside actions; the sandbox's and
Saleor's differ only there.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any

from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.domain.money import attribute_refunds, quantize
from saleor_aftersales_plugin.models import Case, CaseEvent
from saleor_aftersales_plugin.services import ServiceError, returns
from saleor_aftersales_plugin.services.ledger import balances
from saleor_aftersales_plugin.services.orders import get_order

RESOLUTIONS = ("refund", "store_credit", "exchange", "keep_item")


@dataclass
class LedgerWorld:
    """What the machine needs from a host: a fresh order, the host port and the shop's own actions."""

    new_order: Callable[[], str]
    """Places a paid order with a few lines (some delivered) and returns its id (recorded by the plugin)."""
    host: Any
    outside_refund: Callable[[str, Decimal, str | None], object]
    """(order id, amount, line id or None for the whole order): a refund made in the shop outside the plugin;
    returns False when the host does not allow that refund (nothing was done)."""
    outside_return: Callable[[str, str, int], None]
    currency: str = "EUR"
    around: Callable[[], AbstractContextManager[Any]] = nullcontext
    """Wraps every step (in Saleor: runs the on-commit hooks a real request would run)."""
    paid_lines: Callable[[str], dict[str, Decimal]] | None = None
    """What the host says each line's customer paid (None: the plugin's record is the host's)."""
    steps: dict[str, int] = field(default_factory=dict)


def ledger_machine(world: LedgerWorld) -> type[RuleBasedStateMachine]:
    def acting(step: Callable[..., None]) -> Callable[..., None]:
        @wraps(step)
        def run(self: Any, **kwargs: Any) -> None:
            with world.around():
                step(self, **kwargs)

        return run

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            world.steps["examples"] = world.steps.get("examples", 0) + 1
            self.order_id = world.new_order()
            order = get_order(self.order_id)
            self.lines = [str(line.line_id) for line in order.lines.order_by("id")]
            self.paid = {str(line.line_id): line.paid_total for line in order.lines.all()}
            if world.paid_lines is not None:
                assert world.paid_lines(self.order_id) == self.paid
            self.delivered = {str(line.line_id): line.quantity_fulfilled for line in order.lines.all()}
            self.own_refunds = dict.fromkeys(self.lines, Decimal(0))
            self.requested_refunds: dict[int, dict[str, Decimal]] = {}
            self.order_refunds = Decimal(0)
            self.returned = dict.fromkeys(self.lines, 0)
            self.held: dict[str, dict[str, int]] = {}
            self.cases: list[str] = []
            self.status: dict[str, str] = {}
            self.quantity = {str(line.line_id): line.quantity for line in order.lines.all()}
            # Units of each line refunded in full by cases with no fees; lines anything else touched are left out.
            self.refunded_units = dict.fromkeys(self.lines, 0)
            self.touched: set[str] = set()

        # --- the model's view

        def expected_refunded(self) -> dict[str, Decimal]:
            paid = [self.paid[key] for key in self.lines]
            refused = {
                int(request)
                for request in CaseEvent.objects.filter(
                    type="refund_refused", payload__request_event__in=list(self.requested_refunds)
                ).values_list("payload__request_event", flat=True)
            }
            own_by_line = dict(self.own_refunds)
            for request, amounts in self.requested_refunds.items():
                if request not in refused:
                    for line_id, amount in amounts.items():
                        own_by_line[line_id] += amount
            own = [own_by_line[key] for key in self.lines]
            figures = attribute_refunds(paid, own, self.order_refunds, world.currency)
            return dict(zip(self.lines, figures, strict=True))

        def held_units(self, line_id: str) -> int:
            return sum(units.get(line_id, 0) for units in self.held.values())

        def returnable(self, line_id: str) -> int:
            return self.delivered[line_id] - self.returned[line_id] - self.held_units(line_id)

        def room(self, line_id: str) -> Decimal:
            return self.paid[line_id] - self.expected_refunded()[line_id]

        # --- customers and staff through the plugin

        def _count(self, name: str) -> None:
            world.steps[name] = world.steps.get(name, 0) + 1
            event(name)

        def _statuses(self) -> dict[str, str]:
            return {
                str(pk): status
                for pk, status in Case.objects.filter(pk__in=self.cases).values_list("pk", "status")
            }

        def _with_status(self, *statuses: str) -> list[str]:
            return [pk for pk, status in self.status.items() if status in statuses]

        @rule(
            line=st.integers(0, 2),
            quantity=st.integers(1, 3),
            overask=st.integers(0, 4),
            resolution=st.sampled_from(RESOLUTIONS),
            defective=st.booleans(),
            progress=st.sampled_from([0, 1, 2, 3, 4, 4, 4]),
            settle=st.sampled_from(RESOLUTIONS),
            override=st.none() | st.none() | st.decimals(min_value=0, max_value=3000, places=2),
        )
        @acting
        def request(
            self,
            line: int,
            quantity: int,
            overask: int,
            resolution: str,
            defective: bool,
            progress: int,
            settle: str,
            override: Decimal | None,
        ) -> None:
            """A customer asks to return units: mostly what is still returnable, now and then more. Staff may then
            take the case some steps further at once (approve, receive, inspect, resolve)."""
            line_id = self.lines[line % len(self.lines)]
            if overask:
                quantity = min(quantity, self.returnable(line_id))
                if quantity <= 0:
                    return
            fits = quantity <= self.returnable(line_id)
            try:
                case, _ = returns.request_return(
                    self.order_id,
                    [
                        LineRequest(
                            line_id,
                            quantity,
                            reason="defective" if defective else "no_reason",
                            resolution=resolution,
                        )
                    ],
                    actor=CUSTOMER_ACTOR,
                    photo_urls=("https://example.com/1.jpg", "https://example.com/2.jpg"),
                    host=world.host,
                )
            except ServiceError as error:
                # Refused for a reason the customer can read, naming the product, never a line id.
                assert line_id not in error.message, error.message
                assert not (fits and "More units" in error.message), error.message
                self._count("request refused")
                return
            assert fits, f"accepted {quantity} unit(s) with {self.returnable(line_id)} returnable"
            self.cases.append(str(case.pk))
            self.status[str(case.pk)] = case.status
            self.held[str(case.pk)] = {line_id: quantity}
            self._count("request")
            case_id = str(case.pk)
            for _ in range(min(progress, 3)):
                if self.status[case_id] not in ("requested", "awaiting_return", "received"):
                    break
                self._step(case_id, "opened" if defective else "unopened")
            if progress == 4 and self.status[case_id] in ("approved", "inspected"):
                self._resolve(case_id, settle, 1, override)

        def _step(self, case_id: str, condition: str) -> None:
            status = self.status[case_id]
            if status == "requested":
                case = returns.approve(case_id, actor=STAFF_ACTOR)
            elif status == "awaiting_return":
                case = returns.mark_received(case_id, actor=STAFF_ACTOR)
            else:
                case = Case.objects.get(pk=case_id)
                line_ids = [str(line.order_line.line_id) for line in case.lines.select_related("order_line")]
                case = returns.inspect(
                    case_id, dict.fromkeys(line_ids, condition), actor=STAFF_ACTOR, host=world.host
                )
            self.status[case_id] = case.status
            self._count(f"advance from {status}")

        @initialize(
            line=st.integers(0, 2),
            resolution=st.sampled_from(RESOLUTIONS),
            override=st.none() | st.decimals(min_value=0, max_value=600, places=2),
        )
        @acting
        def first_case(self, line: int, resolution: str, override: Decimal | None) -> None:
            """Every run starts with one case taken all the way, so each sequence reaches a resolution."""
            self.request.__wrapped__(
                self,
                line=line,
                quantity=1,
                overask=1,
                resolution=resolution,
                defective=False,
                progress=4,
                settle=resolution,
                override=override,
            )

        @precondition(lambda self: bool(self._with_status("requested", "awaiting_return", "received")))
        @rule(
            index=st.integers(0, 20),
            condition=st.sampled_from(["unopened", "opened", "damaged"]),
            to_the_end=st.booleans(),
        )
        @acting
        def advance(self, index: int, condition: str, to_the_end: bool) -> None:
            """Staff take a case one step further (approve, receive the parcel, inspect it), or all the way."""
            open_cases = self._with_status("requested", "awaiting_return", "received")
            case_id = open_cases[index % len(open_cases)]
            self._step(case_id, condition)
            while to_the_end and self.status[case_id] in ("awaiting_return", "received"):
                self._step(case_id, condition)

        @precondition(lambda self: bool(self._with_status("approved", "inspected", "resolution_failed")))
        @rule(
            index=st.integers(0, 20),
            resolution=st.sampled_from(RESOLUTIONS),
            offered=st.integers(0, 3),
            override=st.none() | st.decimals(min_value=0, max_value=3000, places=2),
        )
        @acting
        def resolve(self, index: int, resolution: str, offered: int, override: Decimal | None) -> None:
            ready = self._with_status("approved", "inspected", "resolution_failed")
            self._resolve(ready[index % len(ready)], resolution, offered, override)

        def _resolve(self, case_id: str, resolution: str, offered: int, override: Decimal | None) -> None:
            if override is not None:
                override = quantize(override, world.currency)  # an amount the currency can hold (JPY: none)
            case = Case.objects.get(pk=case_id)
            ready_for = ("keep_item",) if case.status == "approved" else RESOLUTIONS
            allowed = [
                r
                for r in (case.decision or {}).get("resolutions") or []
                if r in RESOLUTIONS and r in ready_for
            ]
            if case.status == "resolution_failed" and case.resolution:
                allowed = [case.resolution]  # a retry finishes what was started
            if offered and allowed:
                # Mostly what the policy offers; now and then anything, which must be refused.
                resolution = allowed[(RESOLUTIONS.index(resolution)) % len(allowed)]
            case_lines = {
                str(line.order_line.line_id): line.quantity
                for line in case.lines.select_related("order_line")
            }
            bound = returns.refund_bounds(case, world.host) if override is not None else {}
            limit = sum(bound.values(), Decimal(0))
            before = set(CaseEvent.objects.filter(case=case).values_list("pk", flat=True))
            try:
                resolved = returns.resolve(
                    case.pk,
                    resolution,
                    actor=STAFF_ACTOR,
                    host=world.host,
                    amount=override,
                    override_reason="staff decision" if override is not None else "",
                )
            except ServiceError as error:
                if error.code == "refund_exceeds_paid":
                    assert override is not None and override > limit, (override, bound, error.message)
                    assert f"at most {quantize(limit, world.currency)}" in error.message, (
                        bound,
                        error.message,
                    )
                elif override is not None and error.field == "amount":
                    # An amount where the resolution moves no money is refused on the field.
                    assert resolution == "exchange", (resolution, error.code, error.message)
                self._count(f"resolve refused ({error.code})")
                self.status[str(case.pk)] = Case.objects.get(pk=case.pk).status
                return
            self.status[str(case.pk)] = resolved.status
            fees = resolved.fees_amount or Decimal(0)
            if (
                resolution in ("refund", "keep_item")
                and override is None
                and not fees
                and resolved.status == "resolved"
            ):
                for line_id, units in case_lines.items():
                    self.refunded_units[line_id] += units
            else:
                self.touched.update(case_lines)
            if override is not None and resolved.status in ("resolved", "refund_pending"):
                assert override <= limit, (resolution, override, bound)
            for event_row in CaseEvent.objects.filter(case=case).exclude(pk__in=before).order_by("id"):
                payload = event_row.payload or {}
                if event_row.type in ("refund_issued", "store_credit_issued"):
                    if event_row.type == "refund_issued":
                        # Counted until the payment provider refuses it (see expected_refunded).
                        self.requested_refunds[event_row.pk] = {
                            line_id: Decimal(amount) for line_id, amount in payload.get("lines", {}).items()
                        }
                    else:
                        for line_id, amount in payload.get("lines", {}).items():
                            self.own_refunds[line_id] += Decimal(amount)
                    moved = sum((Decimal(a) for a in payload["lines"].values()), Decimal(0))
                    if override is not None:
                        assert moved == override, (resolution, moved, override)
                    if event_row.type == "store_credit_issued":
                        bonus = Decimal(str((case.decision or {}).get("store_credit_bonus") or 0))
                        expected = (
                            moved
                            if override is not None
                            else quantize(moved * (100 + bonus) / 100, world.currency)
                        )
                        assert Decimal(payload["amount"]) == expected
                if event_row.type == "items_returned":
                    for line_id, units in case_lines.items():
                        self.returned[line_id] += units
                    self.held.pop(str(case.pk), None)
            self._count(
                f"resolve {resolution}{' with override' if override is not None else ''} -> {resolved.status}"
            )

        @precondition(lambda self: bool(self._with_status("requested", "approved", "awaiting_return")))
        @rule(index=st.integers(0, 20))
        @acting
        def cancel(self, index: int) -> None:
            open_cases = self._with_status("requested", "approved", "awaiting_return")
            case_id = open_cases[index % len(open_cases)]
            self.status[case_id] = returns.cancel(
                case_id, actor=CUSTOMER_ACTOR, reason="changed my mind"
            ).status
            self.held.pop(case_id, None)
            self._count("cancel")

        # --- staff in the shop, outside the plugin

        @rule(
            action=st.sampled_from(["line refund", "order refund", "return"]),
            line=st.integers(0, 2),
            share=st.integers(1, 100),
            quantity=st.integers(1, 2),
        )
        @acting
        def outside(self, action: str, line: int, share: int, quantity: int) -> None:
            """Staff act in the shop, outside the plugin: refund a line or the whole order, take units back."""
            line_id = self.lines[line % len(self.lines)]
            if action == "line refund":
                amount = quantize(self.room(line_id) * share / 100, world.currency)
                if amount <= 0:
                    return
                if world.outside_refund(self.order_id, amount, line_id) is False:
                    return  # the host does not allow this refund (Saleor grants each unit of a line once)
                self.own_refunds[line_id] += amount
                self.touched.add(line_id)
            elif action == "order refund":
                room = sum((self.room(key) for key in self.lines), Decimal(0))
                amount = quantize(room * share / 300, world.currency)
                if amount <= 0:
                    return
                world.outside_refund(self.order_id, amount, None)
                self.order_refunds += amount
                self.touched.update(self.lines)
            else:
                if quantity > self.returnable(line_id):
                    return
                world.outside_return(self.order_id, line_id, quantity)
                self.returned[line_id] += quantity
                self.touched.add(line_id)
            self._count(f"outside {action}")

        # --- after every step

        @invariant()
        def money_and_units_hold(self) -> None:
            # Cases move on their own too (a refund confirmed or refused later), so the model follows the plugin.
            self.status = self._statuses()
            ledger = world.host.ledger(self.order_id)
            figures = balances(get_order(self.order_id), world.host)
            expected = self.expected_refunded()
            for line_id in self.lines:
                at_host = ledger.lines[line_id]
                assert at_host.refunded <= self.paid[line_id], (line_id, at_host.refunded, self.paid[line_id])
                assert at_host.returned <= at_host.delivered
                assert at_host.delivered == self.delivered[line_id], (line_id, at_host, self.delivered)
                assert figures[line_id].refunded == expected[line_id], (line_id, figures[line_id], expected)
                assert figures[line_id].refunded <= figures[line_id].paid
                assert figures[line_id].returned == self.returned[line_id]
                assert figures[line_id].held == self.held_units(line_id)
                assert figures[line_id].returnable == max(self.returnable(line_id), 0)
            total_paid = sum(self.paid.values(), Decimal(0))
            total_refunded = sum((line.refunded for line in ledger.lines.values()), Decimal(0))
            assert total_refunded + ledger.order_refunded <= total_paid

        @invariant()
        def a_line_refunded_unit_by_unit_without_fees_is_refunded_all_that_was_paid(self) -> None:
            for line_id in self.lines:
                if line_id in self.touched or self.refunded_units[line_id] < self.quantity[line_id]:
                    continue
                self._count("line refunded in full through cases")
                refunded = world.host.ledger(self.order_id).lines[line_id].refunded
                assert refunded == self.paid[line_id], (line_id, refunded, self.paid[line_id])

        @precondition(lambda self: bool(self.cases))
        @invariant()
        def no_case_claims_money_that_did_not_move(self) -> None:
            for case in Case.objects.filter(pk__in=self.cases, status="resolved", resolution="refund"):
                issued = case.events.filter(type="refund_issued").order_by("-id").first()
                if issued is not None and Decimal(issued.payload.get("amount", "0")) > 0:
                    outcome, _ = world.host.refund_outcome(self.order_id, issued.payload["reference"])
                    assert outcome == "success", (case.number, outcome)

    return LedgerMachine
