"""Mutations: thin wrappers over the services, each answering ``{ case errors { field code message } }``.

Every refusal becomes an error with a stable code: ServiceError codes map onto :data:`types.ERROR_CODES`, state
machine refusals become INVALID_STATUS (naming the allowed next statuses), and anything the caller may not see is
NOT_FOUND.
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import graphene
from django.db import IntegrityError

from ..domain import cases as machine
from ..domain.actors import actor_for
from ..domain.facts import CaseKind, Resolution
from ..models import Case
from ..rules.document import SourceError, load_source
from ..rules.engine import ENGINE_REASONS
from ..rules.reasons import canonical_reason
from ..rules.statutory import shortfalls
from ..rules.validation import parse_policy, validate_policy
from ..services import ServiceError, conversations, repairs, returns
from ..services.cases import transition
from ..services.idempotency import (
    OPERATION_COMPLAINT,
    OPERATION_REPAIR,
    OPERATION_RETURN,
    case_for_key,
    scoped_key,
)
from ..services.queries import find_case
from .access import case_for, decode_uuid, is_manager, order_for, require_manager, viewer
from .api import RequestContext
from .inputs import amount_in
from .query import LineQuantityInput, line_requests
from .simulation import PolicySimulate
from .types import (
    AfterSalesCase,
    AfterSalesCaseStatus,
    AfterSalesError,
    AfterSalesResolution,
    ComplaintCategory,
    ItemConditionEnum,
    PolicyValidationError,
    error_code,
)
from .types import Decimal as DecimalScalar

logger = logging.getLogger(__name__)
S = machine.CaseStatus


def _error(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": error_code(code), "message": message, "field": field}


def run(perform: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Call ``perform``; turn every refusal into an error entry (never a top-level error)."""
    try:
        return perform(), []
    except machine.TransitionError as error:
        allowed = ", ".join(s.upper() for s in error.allowed) or "none (the case is final)"
        return None, [
            _error(
                "invalid_status",
                f"The case is {error.current.upper()} and cannot move to {error.target.upper()}; "
                f"allowed next: {allowed}.",
                "id",
            )
        ]
    except machine.CaseStateError as error:
        return None, [_error("invalid_status", str(error), "status")]
    except ServiceError as error:
        message = error.message
        if error.code == "not_eligible":
            # The service names engine reason codes; add what they mean for the customer.
            message += "".join(f" {text}" for code, text in ENGINE_REASONS.items() if code in message)
        return None, [_error(error.code, message, error.field)]


def _case_result(context: RequestContext, case: Case | None, email: str | None) -> Case | None:
    """The case as the caller's answer: reloaded with its lines and events in a fixed number of queries, and only
    if the caller (with the email they gave) may see it."""
    if case is None:
        return None
    return find_case(context.channel, case.pk, viewer(context, email))


class CasePayload(graphene.ObjectType):
    case = graphene.Field(AfterSalesCase, description="The case after the mutation; null when it failed.")
    errors = graphene.List(graphene.NonNull(AfterSalesError), required=True, description="What went wrong.")

    class Meta:
        description = "The answer of a case mutation."


class CaseMutation(graphene.Mutation):
    """Base of case mutations: subclasses implement ``perform(context, **arguments) -> Case``."""

    Output = CasePayload

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, context: RequestContext, **arguments: Any) -> Case:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: Any, **arguments: Any) -> dict[str, Any]:
        context: RequestContext = info.context
        email = arguments.get("email") or (arguments.get("input") or {}).get("email")
        case, errors = run(lambda: _case_result(context, cls.perform(context, **arguments), email))
        return {"case": case, "errors": errors}


class CaseLineInput(LineQuantityInput):
    class Meta:
        description = "Units of one order line to put in a case."


def _email_argument() -> graphene.String:
    return graphene.String(description="The order's email: required for guests.")


def _id_argument() -> graphene.ID:
    return graphene.ID(required=True, description="Case id.")


def _photo_urls(urls: Sequence[str] | None) -> tuple[str, ...]:
    result = []
    for index, url in enumerate(urls or ()):
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ServiceError(
                f"Photo URL {url!r} must be an http(s) address.", code="invalid", field=f"photoUrls.{index}"
            )
        result.append(url)
    return tuple(result)


def _by_key(
    context: RequestContext, key: str | None, operation: str, create: Callable[[], tuple[Case, bool]]
) -> Case:
    """Create, or return the case this caller's request with the same idempotency key created (also under a race,
    when the database's unique key refuses the second insert)."""
    try:
        case, _created = create()
    except IntegrityError:
        stored = scoped_key(context.channel, actor_for(context.principal), operation, key)
        existing = case_for_key(context.channel, stored)
        if existing is None:
            raise
        return existing
    return case


class ReturnRequestCreateInput(graphene.InputObjectType):
    order = graphene.ID(required=True, description="Saleor order id.")
    email = _email_argument()
    lines = graphene.List(
        graphene.NonNull(CaseLineInput), required=True, description="Lines and units to return."
    )
    reason = graphene.String(
        description="Reason code of the policy catalogue (afterSalesReturnReasons), e.g. `no_reason` or `defective`; applies to lines without their own reason. `changed_mind` is read as `no_reason`."
    )
    comment = graphene.String(description="Customer's comment.")
    photo_urls = graphene.List(graphene.NonNull(graphene.String), description="Photos of the items.")
    desired_resolution = AfterSalesResolution(
        description="What the customer wants; EXCHANGE opens an exchange."
    )
    idempotency_key = graphene.String(
        description="Repeating a request with the same key returns the same case."
    )

    class Meta:
        description = "A return or exchange request."


class ReturnRequestCreate(CaseMutation):
    class Arguments:
        input = ReturnRequestCreateInput(required=True, description="The request.")

    class Meta:
        description = "Request a return (or an exchange) of order lines."

    @classmethod
    def perform(cls, context: RequestContext, input: Mapping[str, Any]) -> Case:
        order = order_for(context, input["order"], input.get("email"))
        resolution = input.get("desired_resolution") or ""
        requests = line_requests(order, input["lines"], input.get("reason") or "", resolution)
        kind = CaseKind.EXCHANGE if resolution == Resolution.EXCHANGE else CaseKind.RETURN
        key = input.get("idempotency_key") or None
        photos = _photo_urls(input.get("photo_urls"))
        return _by_key(
            context,
            key,
            OPERATION_RETURN,
            lambda: returns.request_return(
                order.order_id,
                requests,
                actor=actor_for(context.principal),
                kind=kind,
                reason=canonical_reason(input.get("reason") or ""),
                comment=input.get("comment") or "",
                photo_urls=photos,
                idempotency_key=key,
                host=context.host,
            ),
        )


class ReturnRequestCancel(CaseMutation):
    class Arguments:
        id = _id_argument()
        email = _email_argument()
        reason = graphene.String(description="Why the request is withdrawn.")

    class Meta:
        description = "Withdraw a return or exchange request (before the items are received)."

    @classmethod
    def perform(cls, context: RequestContext, id: str, email: str | None = None, reason: str = "") -> Case:
        case = case_for(context, id, email)
        if case.kind not in (CaseKind.RETURN, CaseKind.EXCHANGE):
            raise ServiceError(f"Case {case.number} is a {case.kind}, not a return.", code="invalid_kind")
        return returns.cancel(case.pk, actor=actor_for(context.principal), reason=reason or "")


def _managed_case(context: RequestContext, id: str) -> Case:
    require_manager(context)
    return case_for(context, id)


class CaseApprove(CaseMutation):
    class Arguments:
        id = _id_argument()
        message = graphene.String(description="Message to the customer.")

    class Meta:
        description = "Approve a requested return, exchange or repair."

    @classmethod
    def perform(cls, context: RequestContext, id: str, message: str = "") -> Case:
        case = _managed_case(context, id)
        actor = actor_for(context.principal)
        if case.kind in (CaseKind.RETURN, CaseKind.EXCHANGE):
            return returns.approve(case.pk, actor=actor, message=message or "")
        if case.kind == CaseKind.REPAIR:
            return transition(
                case.pk, S.APPROVED, actor_type=actor.type, actor_id=actor.id, message=message or "Approved."
            )
        raise ServiceError("Complaints are not approved; reply to them or resolve them.", code="invalid_kind")


class CaseDecline(CaseMutation):
    class Arguments:
        id = _id_argument()
        reason = graphene.String(required=True, description="Why; the customer sees it.")

    class Meta:
        description = "Decline a requested return, exchange or repair."

    @classmethod
    def perform(cls, context: RequestContext, id: str, reason: str) -> Case:
        case = _managed_case(context, id)
        return returns.decline(case.pk, actor=actor_for(context.principal), reason=reason)


class ReturnRequestMarkReceived(CaseMutation):
    class Arguments:
        id = _id_argument()
        message = graphene.String(description="Note on the delivery.")

    class Meta:
        description = "Record that the returned items (or the item to repair) arrived."

    @classmethod
    def perform(cls, context: RequestContext, id: str, message: str = "") -> Case:
        case = _managed_case(context, id)
        actor = actor_for(context.principal)
        if case.kind == CaseKind.REPAIR:
            return repairs.update_repair_status(case.pk, S.RECEIVED, actor=actor, message=message or "")
        if case.kind == CaseKind.COMPLAINT:
            raise ServiceError("Complaints have no items to receive.", code="invalid_kind")
        return returns.mark_received(case.pk, actor=actor, message=message or "")


class LineConditionInput(graphene.InputObjectType):
    line_id = graphene.ID(required=True, description="Saleor order line id.")
    condition = ItemConditionEnum(required=True, description="Condition found.")

    class Meta:
        description = "The condition of one inspected line."


class ReturnRequestInspect(CaseMutation):
    class Arguments:
        id = _id_argument()
        lines = graphene.List(
            graphene.NonNull(LineConditionInput), required=True, description="Condition of every line."
        )
        message = graphene.String(description="Inspection notes.")

    class Meta:
        description = "Record each line's condition; fees are decided again (e.g. opened items)."

    @classmethod
    def perform(
        cls, context: RequestContext, id: str, lines: Sequence[Mapping[str, Any]], message: str = ""
    ) -> Case:
        case = _managed_case(context, id)
        conditions = {}
        for index, line in enumerate(lines):
            conditions[decode_uuid(line["line_id"], "OrderLine", f"lines.{index}.lineId")] = line["condition"]
        return returns.inspect(
            case.pk, conditions, actor=actor_for(context.principal), message=message or "", host=context.host
        )


class CaseResolve(CaseMutation):
    class Arguments:
        id = _id_argument()
        resolution = AfterSalesResolution(description="Refund, store credit, exchange or keep the item.")
        amount = DecimalScalar(description="Refund amount overriding the policy's figure (needs a reason).")
        reason = graphene.String(
            description="Why the amount was changed; for complaints, how it was resolved."
        )

    class Meta:
        description = "Resolve a case: money actions go through the shop platform."

    @classmethod
    def perform(
        cls,
        context: RequestContext,
        id: str,
        resolution: str | None = None,
        amount: Decimal | None = None,
        reason: str = "",
    ) -> Case:
        case = _managed_case(context, id)
        actor = actor_for(context.principal)
        if case.kind == CaseKind.COMPLAINT:
            if amount is not None:
                raise ServiceError(
                    "A complaint is resolved without moving money, so it takes no amount; refund through a return "
                    "case of the order's items.",
                    field="amount",
                )
            return conversations.resolve_complaint(case.pk, actor=actor, message=reason or "")
        if case.kind == CaseKind.REPAIR:
            raise ServiceError(
                "Repairs finish with repairStatusUpdate (SHIPPED_BACK, then CLOSED).", code="invalid_kind"
            )
        if not resolution:
            raise ServiceError("Choose a resolution.", code="required", field="resolution")
        amount = amount_in(amount, case.currency, "amount")
        return returns.resolve(
            case.pk,
            resolution,
            actor=actor,
            host=context.host,
            amount=amount,
            override_reason=reason or "",
        )


class RepairRequestCreateInput(graphene.InputObjectType):
    order = graphene.ID(required=True, description="Saleor order id.")
    email = _email_argument()
    line = CaseLineInput(required=True, description="The item to repair.")
    reason = graphene.String(description="What is wrong, e.g. `defective`.")
    comment = graphene.String(description="Description of the fault.")
    photo_urls = graphene.List(graphene.NonNull(graphene.String), description="Photos of the fault.")
    idempotency_key = graphene.String(
        description="Repeating a request with the same key returns the same case."
    )

    class Meta:
        description = "A repair or warranty claim."


class RepairRequestCreate(CaseMutation):
    class Arguments:
        input = RepairRequestCreateInput(required=True, description="The claim.")

    class Meta:
        description = "Open a repair or warranty claim for one order line."

    @classmethod
    def perform(cls, context: RequestContext, input: Mapping[str, Any]) -> Case:
        order = order_for(context, input["order"], input.get("email"))
        (request,) = line_requests(order, [input["line"]], input.get("reason") or "")
        key = input.get("idempotency_key") or None
        photos = _photo_urls(input.get("photo_urls"))
        return _by_key(
            context,
            key,
            OPERATION_REPAIR,
            lambda: repairs.request_repair(
                order.order_id,
                request,
                actor=actor_for(context.principal),
                comment=input.get("comment") or "",
                photo_urls=photos,
                idempotency_key=key,
            ),
        )


class RepairQuoteCreate(CaseMutation):
    class Arguments:
        id = _id_argument()
        amount = DecimalScalar(required=True, description="Price of the repair.")
        message = graphene.String(description="Message to the customer.")
        override_reason = graphene.String(description="Why a repair inside the warranty is charged.")

    class Meta:
        description = "Quote an out-of-warranty repair."

    @classmethod
    def perform(
        cls, context: RequestContext, id: str, amount: Decimal, message: str = "", override_reason: str = ""
    ) -> Case:
        case = _managed_case(context, id)
        return repairs.create_quote(
            case.pk,
            amount_in(amount, case.currency, "amount"),
            actor=actor_for(context.principal),
            message=message or "",
            override_reason=override_reason or "",
        )


def _answer_quote(context: RequestContext, id: str, email: str | None, message: str, accept: bool) -> Case:
    case = case_for(context, id, email)
    if case.kind != CaseKind.REPAIR:
        raise ServiceError(f"Case {case.number} is not a repair.", code="invalid_kind")
    return repairs.answer_quote(
        case.pk, accept=accept, actor=actor_for(context.principal), message=message or ""
    )


class RepairQuoteAccept(CaseMutation):
    class Arguments:
        id = _id_argument()
        email = _email_argument()
        message = graphene.String(description="Message to the shop.")

    class Meta:
        description = "Accept a repair quote."

    @classmethod
    def perform(cls, context: RequestContext, id: str, email: str | None = None, message: str = "") -> Case:
        return _answer_quote(context, id, email, message, True)


class RepairQuoteDecline(CaseMutation):
    class Arguments:
        id = _id_argument()
        email = _email_argument()
        message = graphene.String(description="Message to the shop.")

    class Meta:
        description = "Decline a repair quote; the item is sent back unrepaired."

    @classmethod
    def perform(cls, context: RequestContext, id: str, email: str | None = None, message: str = "") -> Case:
        return _answer_quote(context, id, email, message, False)


class RepairStatusUpdate(CaseMutation):
    class Arguments:
        id = _id_argument()
        status = AfterSalesCaseStatus(
            required=True, description="RECEIVED, DIAGNOSING, REPAIRING, SHIPPED_BACK or CLOSED."
        )
        message = graphene.String(description="Message to the customer.")

    class Meta:
        description = "Move a repair along."

    @classmethod
    def perform(cls, context: RequestContext, id: str, status: str, message: str = "") -> Case:
        case = _managed_case(context, id)
        return repairs.update_repair_status(
            case.pk, status, actor=actor_for(context.principal), message=message or ""
        )


class ComplaintCreateInput(graphene.InputObjectType):
    order = graphene.ID(required=True, description="Saleor order id.")
    email = _email_argument()
    category = ComplaintCategory(required=True, description="What the complaint is about.")
    comment = graphene.String(required=True, description="The problem.")
    idempotency_key = graphene.String(
        description="Repeating a request with the same key returns the same case."
    )

    class Meta:
        description = "A complaint about an order."


class ComplaintCreate(CaseMutation):
    class Arguments:
        input = ComplaintCreateInput(required=True, description="The complaint.")

    class Meta:
        description = "Open a complaint about an order."

    @classmethod
    def perform(cls, context: RequestContext, input: Mapping[str, Any]) -> Case:
        order = order_for(context, input["order"], input.get("email"))
        key = input.get("idempotency_key") or None
        return _by_key(
            context,
            key,
            OPERATION_COMPLAINT,
            lambda: conversations.open_complaint(
                order.order_id,
                category=input["category"],
                comment=input["comment"],
                actor=actor_for(context.principal),
                idempotency_key=key,
            ),
        )


class CaseReply(CaseMutation):
    class Arguments:
        id = _id_argument()
        email = _email_argument()
        message = graphene.String(required=True, description="The reply; the other side sees it.")

    class Meta:
        description = (
            "Reply on a case (the customer or the shop); the shop's first reply is its first response."
        )

    @classmethod
    def perform(cls, context: RequestContext, id: str, message: str, email: str | None = None) -> Case:
        case = case_for(context, id, email)
        conversations.reply(case.pk, message, actor=actor_for(context.principal))
        return case


class CaseAssign(CaseMutation):
    class Arguments:
        id = _id_argument()
        assignee = graphene.String(required=True, description="Who works on the case; empty to unassign.")

    class Meta:
        description = "Assign a case."

    @classmethod
    def perform(cls, context: RequestContext, id: str, assignee: str) -> Case:
        case = _managed_case(context, id)
        return conversations.assign(case.pk, assignee, actor=actor_for(context.principal))


class CaseEscalate(CaseMutation):
    class Arguments:
        id = _id_argument()
        reason = graphene.String(required=True, description="Why the case is escalated.")
        tier = graphene.Int(description="Tier to escalate to; the next one by default.")

    class Meta:
        description = "Escalate an open case to a higher tier."

    @classmethod
    def perform(cls, context: RequestContext, id: str, reason: str, tier: int | None = None) -> Case:
        case = _managed_case(context, id)
        return conversations.escalate(case.pk, actor=actor_for(context.principal), reason=reason, tier=tier)


class CaseNoteAdd(CaseMutation):
    class Arguments:
        id = _id_argument()
        message = graphene.String(required=True, description="The note; customers never see it.")

    class Meta:
        description = "Add an internal note to a case."

    @classmethod
    def perform(cls, context: RequestContext, id: str, message: str) -> Case:
        case = _managed_case(context, id)
        conversations.add_note(case.pk, message, actor=actor_for(context.principal))
        return case


class PolicyValidatePayload(graphene.ObjectType):
    valid = graphene.Boolean(description="Whether the document is valid; null when the check was refused.")
    policy_errors = graphene.List(
        graphene.NonNull(PolicyValidationError), required=True, description="Every problem of the document."
    )
    policy_warnings = graphene.List(
        graphene.NonNull(PolicyValidationError),
        required=True,
        description="What a valid document should still change, e.g. `below_statutory_minimum`: less than the "
        "law's minimum withdrawal period in a country it serves (the message names the countries and the source).",
    )
    errors = graphene.List(
        graphene.NonNull(AfterSalesError), required=True, description="Why the check was refused."
    )

    class Meta:
        description = "The result of validating a policy document."


class PolicyValidate(graphene.Mutation):
    Output = PolicyValidatePayload

    class Arguments:
        policy = graphene.String(required=True, description="The policy document as JSON or YAML text.")

    class Meta:
        description = "Check a policy document: every error with its JSON path, code and a fix."

    @staticmethod
    def mutate(root: Any, info: Any, policy: str) -> dict[str, Any]:
        def check() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
            require_manager(info.context)
            try:
                data, _format = load_source(policy)
            except SourceError as error:
                where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
                return [{"path": "$", "code": "syntax_error", "message": f"{error}{where}"}], []
            problems = [
                {"path": problem.path, "code": problem.code, "message": problem.message}
                for problem in validate_policy(data)
            ]
            if problems:
                return problems, []
            warnings = [
                {"path": item.path, "code": item.code, "message": item.message}
                for item in shortfalls(parse_policy(data))
            ]
            return [], warnings

        checked, errors = run(check)
        problems, warnings = checked or ([], [])
        return {
            "valid": None if errors else not problems,
            "policy_errors": problems,
            "policy_warnings": warnings,
            "errors": errors,
        }


class Mutation(graphene.ObjectType):
    return_request_create = ReturnRequestCreate.Field(description=ReturnRequestCreate._meta.description)
    return_request_cancel = ReturnRequestCancel.Field(description=ReturnRequestCancel._meta.description)
    case_approve = CaseApprove.Field(description=CaseApprove._meta.description)
    case_decline = CaseDecline.Field(description=CaseDecline._meta.description)
    return_request_mark_received = ReturnRequestMarkReceived.Field(
        description=ReturnRequestMarkReceived._meta.description
    )
    return_request_inspect = ReturnRequestInspect.Field(description=ReturnRequestInspect._meta.description)
    case_resolve = CaseResolve.Field(description=CaseResolve._meta.description)
    repair_request_create = RepairRequestCreate.Field(description=RepairRequestCreate._meta.description)
    repair_quote_create = RepairQuoteCreate.Field(description=RepairQuoteCreate._meta.description)
    repair_quote_accept = RepairQuoteAccept.Field(description=RepairQuoteAccept._meta.description)
    repair_quote_decline = RepairQuoteDecline.Field(description=RepairQuoteDecline._meta.description)
    repair_status_update = RepairStatusUpdate.Field(description=RepairStatusUpdate._meta.description)
    complaint_create = ComplaintCreate.Field(description=ComplaintCreate._meta.description)
    case_reply = CaseReply.Field(description=CaseReply._meta.description)
    case_assign = CaseAssign.Field(description=CaseAssign._meta.description)
    case_escalate = CaseEscalate.Field(description=CaseEscalate._meta.description)
    case_note_add = CaseNoteAdd.Field(description=CaseNoteAdd._meta.description)
    policy_validate = PolicyValidate.Field(description=PolicyValidate._meta.description)
    policy_simulate = PolicySimulate.Field(description=PolicySimulate._meta.description)

    class Meta:
        description = "After-sales mutations."


__all__ = ["Mutation", "is_manager"]
