"""Values a storefront (or an attacker) can send that graphql-core, Python's Decimal or PostgreSQL would take badly:
each is refused on its field with words a developer can act on, before anything is written."""

import logging
import unicodedata

import pytest
from django.test import Client
from graphql_client import (
    CUSTOMER,
    GUEST,
    STAFF,
    cable_line,
    call,
    line_gid,
    order_gid,
    publish_example,
    published_order,
    record,
    return_one_unit,
)

from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.models import Case
from saleor_aftersales_plugin.sandbox.host import SandboxHost

pytestmark = pytest.mark.django_db

ELIGIBILITY = """query($o: ID!, $l: [LineQuantityInput!]) { returnEligibility(order: $o, reason: "changed_mind",
  lines: $l) { eligible lines { quantity eligible } } }"""
CREATE = """mutation($o: ID!, $l: [CaseLineInput!]!) { returnRequestCreate(input: {order: $o, reason: "changed_mind",
  lines: $l}) { case { id lines { quantity } } errors { field code message } } }"""


def _answer(query: str, variables: dict, principal=CUSTOMER) -> tuple[int, dict]:
    return execute({"query": query, "variables": variables}, RequestContext("volt", principal, SandboxHost()))


@pytest.mark.parametrize("query", [ELIGIBILITY, CREATE], ids=["returnEligibility", "returnRequestCreate"])
@pytest.mark.parametrize(
    ("quantity", "shown"), [(True, "true"), (1.5, "1.5"), (2.9, "2.9"), ("1", '"1"'), ("x", '"x"')]
)
def test_a_quantity_that_is_not_a_whole_number_is_refused_on_its_place(query, quantity, shown):
    """graphql-core would make 2.9 two units, "1" one and keep true as True (a bool is an int in Python)."""
    order = published_order()
    status, answer = _answer(
        query, {"o": order_gid(order), "l": [{"lineId": line_gid(order, 0), "quantity": quantity}]}
    )
    assert status == 400
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "l"}
    assert error["message"] == (
        f'Variable "$l" got invalid value {shown} at $l[0].quantity: a whole number is needed, e.g. 2.'
    )
    assert Case.objects.count() == 0


def test_a_whole_number_written_with_a_zero_fraction_is_the_number():
    order = published_order()
    status, answer = _answer(
        CREATE, {"o": order_gid(order), "l": [{"lineId": line_gid(order, 0), "quantity": 1.0}]}
    )
    assert status == 200 and answer["data"]["returnRequestCreate"]["errors"] == [], answer
    assert answer["data"]["returnRequestCreate"]["case"]["lines"] == [{"quantity": 1}]


@pytest.mark.parametrize("price", ["1e1000000", "-1E+999999999"])
def test_a_price_with_a_huge_exponent_is_invalid_on_the_price(price):
    """Anyone may ask for a product's terms; abs() of such a Decimal overflows Python's default context."""
    publish_example()
    query = """query($p: Decimal) { afterSalesPolicyForProduct(productType: "tv", price: $p, currency: "EUR") {
      eligible } }"""
    _status, answer = _answer(query, {"p": price}, GUEST)
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "price"}
    assert error["message"].startswith("price must be below 1,000,000,000,000, got "), error


def test_a_staff_amount_with_a_huge_exponent_is_invalid_on_the_amount():
    publish_example()
    query = """mutation($a: Decimal) { caseResolve(id: "QWZ0ZXJTYWxlc0Nhc2U6MQ==", resolution: REFUND, amount: $a,
      reason: "x") { errors { field code message } } }"""
    _status, answer = _answer(query, {"a": "1e1000000"}, STAFF)
    assert answer["data"]["caseResolve"] is None
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "amount"}
    assert error["message"] == "amount must be below 1,000,000,000,000, got 1E+1000000."


def test_a_cursor_past_any_list_is_not_a_cursor_of_it():
    publish_example()
    record()
    cursor = "YXJyYXljb25uZWN0aW9uOjk5OTk5OTk5OTk5OTk5OTk5OTk5OQ=="  # arrayconnection:999999999999999999999
    _status, answer = _answer(
        "query($c: String) { myAfterSalesCases(first: 1, after: $c) { totalCount } }", {"c": cursor}
    )
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "after"}
    assert error["message"] == f"{cursor!r} is not a cursor of this list."


@pytest.mark.parametrize(
    ("instant", "message"),
    [
        (
            "2026-01-01T00:00:00-23:59",
            "filter.createdFrom has the time-zone offset -2359; offsets are between -14:00 and +14:00.",
        ),
        (
            "0001-01-01T00:00:00+01:00",
            "filter.createdFrom 0001-01-01T00:00:00+01:00 is outside the years 1 to 9999 in UTC.",
        ),
    ],
)
def test_an_instant_postgresql_cannot_store_is_invalid_on_its_field(instant, message):
    publish_example()
    query = "query($d: DateTime) { afterSalesCases(first: 5, filter: {createdFrom: $d}) { totalCount } }"
    _status, answer = _answer(query, {"d": instant}, STAFF)
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "INVALID", "field": "filter.createdFrom"}
    assert error["message"] == message


def test_a_case_resolved_by_refund_shows_no_store_credit_offer():
    """The store credit offered instead of the refund is not shown once the customer got the refund."""
    order = published_order((cable_line(),))
    case_id = return_one_unit(order)["case"]["id"]
    offered = call(
        "query($i: ID!) { afterSalesCase(id: $i) { storeCredit { amount } } }", {"i": case_id}, STAFF
    )
    assert offered["data"]["afterSalesCase"]["storeCredit"] is not None  # offered while the case is open
    call("mutation($i: ID!) { returnRequestMarkReceived(id: $i) { errors { message } } }", {"i": case_id})
    call(
        """mutation($i: ID!, $l: ID!) { returnRequestInspect(id: $i, lines: [{lineId: $l, condition: UNOPENED}])
      { errors { message } } }""",
        {"i": case_id, "l": line_gid(order, 0)},
    )
    resolved = call(
        """mutation($i: ID!) { caseResolve(id: $i, resolution: REFUND) { case { status resolution
      refund { amount } storeCredit { amount } } errors { message } } }""",
        {"i": case_id},
    )
    case = resolved["data"]["caseResolve"]["case"]
    assert (case["status"], case["resolution"], case["refund"]) == ("RESOLVED", "REFUND", {"amount": "19.90"})
    assert case["storeCredit"] is None
    seen = call(
        "query($i: ID!) { afterSalesCase(id: $i) { storeCredit { amount } } }", {"i": case_id}, CUSTOMER
    )
    assert seen["data"]["afterSalesCase"]["storeCredit"] is None


def test_a_guest_typing_the_orders_email_in_decomposed_unicode_finds_the_order():
    """'zoë' typed as 'o' + U+0308 (as some keyboards send it) is the same address as Saleor's 'zoë'."""
    order = published_order(customer_email="zoë@example.com", customer_id=None)
    query = """query($o: ID!, $e: String) { returnEligibility(order: $o, email: $e, reason: "changed_mind") {
      eligible } }"""
    typed = unicodedata.normalize("NFD", "zoë@example.com")
    assert typed != "zoë@example.com"
    answer = call(query, {"o": order_gid(order), "e": typed}, GUEST)
    assert answer["data"]["returnEligibility"]["eligible"] is True, answer
    other = call(query, {"o": order_gid(order), "e": "zoe@example.com"}, GUEST)
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_json_number_of_5000_digits_is_refused_in_the_apis_words(client: Client):
    body = '{"query": "{ __typename }", "variables": {"a": ' + "9" * 5000 + "}}"
    response = client.post("/graphql/volt/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "The request body is not valid JSON: a number in it has 5,000 digits; numbers have at most 40."
    )


def test_a_refusal_logs_no_traceback():
    """A bad value is the caller's mistake: answered on its field, not logged as a failure of the service (the
    handlers an operator configures on the root logger see nothing of it)."""
    publish_example()
    query = """query($p: Decimal) { afterSalesPolicyForProduct(productType: "tv", price: $p, currency: "EUR") {
      eligible } }"""
    seen: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        _status, answer = _answer(query, {"p": "1e1000000"}, GUEST)
    finally:
        logging.getLogger().removeHandler(handler)
    assert answer["errors"][0]["extensions"]["code"] == "INVALID"
    assert not [record for record in seen if record.exc_info], [record.getMessage() for record in seen]
