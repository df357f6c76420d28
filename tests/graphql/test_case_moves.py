"""Wrong moves on cases through the GraphQL API answer a clear error on their field; whoever owns the order acts
as its customer."""

import pytest
from graphql_client import CUSTOMER, STAFF, STAFF_NO_PERMISSION, call, order_gid, published_order

from saleor_aftersales_plugin.models import Case

pytestmark = pytest.mark.django_db

PAYLOAD = "errors { field code message } case { id status escalationTier }"


def _complaint() -> str:
    order = published_order()
    answer = call(
        'mutation($o: ID!) { complaintCreate(input: {order: $o, category: LOGISTICS, comment: "crushed"}) '
        f"{{ {PAYLOAD} }} }}",
        {"o": order_gid(order)},
        CUSTOMER,
    )
    return answer["data"]["complaintCreate"]["case"]["id"]


@pytest.mark.parametrize("tier", [40000, 2147483647])
def test_escalating_to_an_absurd_tier_is_refused_on_the_tier_field_not_an_internal_error(tier):
    case_id = _complaint()
    answer = call(
        f'mutation($id: ID!, $t: Int) {{ caseEscalate(id: $id, reason: "r", tier: $t) {{ {PAYLOAD} }} }}',
        {"id": case_id, "t": tier},
        STAFF,
    )
    assert "errors" not in answer, answer["errors"]
    (error,) = answer["data"]["caseEscalate"]["errors"]
    assert (error["field"], error["code"]) == ("tier", "INVALID")
    assert error["message"].endswith("escalate to at most tier 3."), error


def test_declining_a_complaint_says_so_in_words_without_python_reprs():
    case_id = _complaint()
    answer = call(
        f'mutation($id: ID!) {{ caseDecline(id: $id, reason: "no") {{ {PAYLOAD} }} }}', {"id": case_id}
    )
    (error,) = answer["data"]["caseDecline"]["errors"]
    assert "<CaseStatus" not in error["message"], error["message"]
    assert error["message"].startswith(
        "'declined' is not a status of complaint cases; known statuses: 'open'"
    ), error


def test_a_staff_member_shopping_as_a_customer_does_not_answer_their_own_complaint():
    # A Saleor staff user without MANAGE_ORDERS bought with their own account: on their order they are the customer.
    order = published_order(customer_id=STAFF_NO_PERMISSION.id, customer_email=STAFF_NO_PERMISSION.email)
    opened = call(
        'mutation($o: ID!) { complaintCreate(input: {order: $o, category: LOGISTICS, comment: "crushed"}) '
        f"{{ {PAYLOAD} }} }}",
        {"o": order_gid(order)},
        STAFF_NO_PERMISSION,
    )["data"]["complaintCreate"]
    assert opened["errors"] == []
    case_id = opened["case"]["id"]
    answer = call(
        f'mutation($id: ID!) {{ caseReply(id: $id, message: "Any news?") {{ {PAYLOAD} }} }}',
        {"id": case_id},
        STAFF_NO_PERMISSION,
    )["data"]["caseReply"]
    assert answer["errors"] == []
    # The shop has not answered: the complaint is still open and its first-response clock still runs.
    assert answer["case"]["status"] == "OPEN"
    case = Case.objects.get(number=1)
    assert case.first_responded_at is None
    assert case.events.get(type="reply").actor_type == "customer"
