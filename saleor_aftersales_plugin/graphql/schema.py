"""The plugin's GraphQL schema (graphene 2), served per channel; ``schema.graphql`` is its printed form.

Each domain package (``policy``, ``returns``, ``cases``, ``repairs``, ``complaints``, ``stats``) holds its types,
inputs, resolvers and mutations; :mod:`.core` what they share. Regenerate the committed file after changing the
schema: ``python -m saleor_aftersales_plugin.graphql.schema``.
"""

from pathlib import Path

import graphene

if __name__ == "__main__":  # run as a script: load the app without a database
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "saleor_aftersales_plugin"], USE_TZ=True
        )
    django.setup()

from graphene.utils.str_converters import to_camel_case  # noqa: E402

from .cases.mutations.conversation import CaseAssign, CaseEscalate, CaseNoteAdd, CaseReply  # noqa: E402
from .cases.mutations.decide import CaseApprove, CaseDecline  # noqa: E402
from .cases.mutations.resolve import CaseResolve  # noqa: E402
from .cases.schema import CaseQueries  # noqa: E402
from .cases.visibility import CustomerView  # noqa: E402
from .complaints.mutations import ComplaintCreate  # noqa: E402
from .core.bounds import ArgumentBounds  # noqa: E402
from .core.permissions import Audience  # noqa: E402
from .policy.mutations.publish import PolicyPublish, PolicyRollback  # noqa: E402
from .policy.mutations.simulate import PolicySimulate  # noqa: E402
from .policy.mutations.validate import PolicyValidate  # noqa: E402
from .policy.schema import PolicyQueries  # noqa: E402
from .repairs.mutations.quote import RepairQuoteAccept, RepairQuoteCreate, RepairQuoteDecline  # noqa: E402
from .repairs.mutations.request_create import RepairRequestCreate  # noqa: E402
from .repairs.mutations.status_update import RepairStatusUpdate  # noqa: E402
from .returns.mutations.handling import ReturnRequestCancel, ReturnRequestMarkReceived  # noqa: E402
from .returns.mutations.inspect import ReturnRequestInspect  # noqa: E402
from .returns.mutations.request_create import ReturnRequestCreate  # noqa: E402
from .returns.schema import ReturnQueries  # noqa: E402
from .stats.schema import StatsQueries  # noqa: E402


# graphene lists the fields of the last base first: policy, returns, cases, stats.
class Query(StatsQueries, CaseQueries, ReturnQueries, PolicyQueries):
    """The after-sales API of one channel: policies, eligibility, cases, statistics."""


# Its fields in the order of the published schema.
class Mutation(graphene.ObjectType):
    """Requests, case work, and checking, simulating and publishing the channel's policy."""

    policy_publish = PolicyPublish.Field()
    policy_rollback = PolicyRollback.Field()
    return_request_create = ReturnRequestCreate.Field()
    return_request_cancel = ReturnRequestCancel.Field()
    case_approve = CaseApprove.Field()
    case_decline = CaseDecline.Field()
    return_request_mark_received = ReturnRequestMarkReceived.Field()
    return_request_inspect = ReturnRequestInspect.Field()
    case_resolve = CaseResolve.Field()
    repair_request_create = RepairRequestCreate.Field()
    repair_quote_create = RepairQuoteCreate.Field()
    repair_quote_accept = RepairQuoteAccept.Field()
    repair_quote_decline = RepairQuoteDecline.Field()
    repair_status_update = RepairStatusUpdate.Field()
    complaint_create = ComplaintCreate.Field()
    case_reply = CaseReply.Field()
    case_assign = CaseAssign.Field()
    case_escalate = CaseEscalate.Field()
    case_note_add = CaseNoteAdd.Field()
    policy_validate = PolicyValidate.Field()
    policy_simulate = PolicySimulate.Field()


schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=True)

MIDDLEWARE = [ArgumentBounds(), CustomerView()]
"""Run on every field: argument bounds (root fields) and what customers may see (see each module)."""

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def operation_audiences() -> dict[str, Audience]:
    """Who may call each root field (query or mutation, by its GraphQL name), as the field declares it."""
    audiences = {}
    for root in (Query, Mutation):
        for name, field in root._meta.fields.items():
            audiences[field.name or to_camel_case(name)] = field.audience
    return audiences


def printed_schema() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return str(schema).rstrip("\n") + "\n"


def write_schema_file(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(printed_schema(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"Wrote {write_schema_file()}")
