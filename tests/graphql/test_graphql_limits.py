"""Adversarial requests: cost limits before execution, bad scalars answered INVALID on their field, HTTP bodies
that are not GraphQL answered JSON with a request id."""

import json
import logging
import re
import time
from typing import Any

import pytest
from django.test import Client, RequestFactory
from graphql.utils.introspection_query import introspection_query
from graphql_client import (
    CUSTOMER,
    EMAIL,
    GUEST,
    STAFF,
    case_gid,
    gid,
    line_gid,
    order_gid,
    published_order,
    record,
)

from saleor_aftersales_plugin.domain.actors import Actor
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.graphql.core.bounds import MAX_TEXT
from saleor_aftersales_plugin.graphql.core.cost import LIMITS
from saleor_aftersales_plugin.models import Case, OutboxMessage
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.rules.variables import compile_pattern
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.sandbox.views import with_request_id
from saleor_aftersales_plugin.services import policies, returns

CHANNEL = "volt"


def run(query: str, variables: dict[str, Any] | None = None, principal=GUEST) -> tuple[int, dict[str, Any]]:
    return execute(
        {"query": query, "variables": variables or {}}, RequestContext(CHANNEL, principal, SandboxHost())
    )


def refused(answer: dict[str, Any], limit: str) -> dict[str, Any]:
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", answer
    assert error["extensions"]["exception"]["code"] == "QueryCostError"
    assert error["extensions"]["limit"] == limit
    assert answer["data"] is None
    return error


# --- cost limits ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_300_aliased_complaints_are_refused_before_anything_is_created():
    order = published_order()
    body = " ".join(f"c{i}: complaintCreate(input: $c) {{ case {{ id }} }}" for i in range(300))
    complaint = {"order": order_gid(order), "email": EMAIL, "category": "SERVICE", "comment": "x"}
    status, answer = run("mutation($c: ComplaintCreateInput!) { " + body + " }", {"c": complaint})
    assert status == 400
    assert refused(answer, "aliases")["extensions"]["maximum"] == LIMITS.aliases
    assert Case.objects.count() == 0 and OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_two_mutations_in_one_request_are_refused_and_none_runs():
    order = published_order()
    one = f'complaintCreate(input: {{order: "{order_gid(order)}", category: SERVICE, comment: "x"}}) {{ errors {{ code }} }}'
    status, answer = run(f"mutation {{ a: {one} b: {one} }}", principal=CUSTOMER)
    assert status == 400
    error = refused(answer, "mutations")
    assert (error["extensions"]["maximum"], error["extensions"]["actual"]) == (1, 2)
    assert Case.objects.count() == 0


def test_4000_repeated_fields_are_refused_fast():
    query = "{ afterSalesPolicy { " + "version " * 4000 + "} }"
    started = time.perf_counter()
    status, answer = run(query)
    elapsed = time.perf_counter() - started
    assert status == 400
    refused(answer, "document_chars" if len(query) > LIMITS.document_chars else "fields")
    assert elapsed < 0.5, elapsed


def test_too_many_fields_within_the_size_limit_are_refused_fast():
    query = "{ afterSalesPolicy { " + "name " * (LIMITS.fields + 1) + "} }"
    assert len(query) < LIMITS.document_chars
    started = time.perf_counter()
    status, answer = run(query)
    assert time.perf_counter() - started < 0.5
    assert status == 400
    refused(answer, "fields")


def test_fragments_count_as_expanded_and_a_fragment_bomb_is_refused():
    fragments = ["fragment F0 on AfterSalesPolicy { version name }"]
    for level in range(1, 12):
        fragments.append(f"fragment F{level} on AfterSalesPolicy {{ ...F{level - 1} ...F{level - 1} }}")
    status, answer = run("{ afterSalesPolicy { ...F11 } } " + " ".join(fragments))
    assert status == 400
    refused(answer, "fields")


def test_a_fragment_spreading_itself_is_refused_without_recursion_error():
    status, answer = run("{ afterSalesPolicy { ...A } } fragment A on AfterSalesPolicy { version ...A }")
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_deep_nesting_is_refused_as_too_deep():
    deep = "{ afterSalesPolicy " + "{ a " * 3000 + "}" * 3001
    status, answer = run(deep)
    assert status == 400
    refused(answer, "depth")
    nested = "{ __schema { types { fields { type " + "{ ofType " * 20 + "{ name }" + "}" * 20 + " } } } }"
    status, answer = run(nested)
    assert status == 400
    refused(answer, "depth")


def test_five_eligibility_checks_fit_and_six_exceed_the_cost():
    order_id = gid("Order", "00000000-0000-0000-0000-000000000001")

    def aliases(count: int) -> str:
        return " ".join(f'e{i}: returnEligibility(order: "{order_id}") {{ eligible }}' for i in range(count))

    status, answer = run("{ " + aliases(6) + " }")
    assert status == 400
    error = refused(answer, "cost")
    assert error["message"] == "The query exceeds the maximum cost of 50. Actual cost is 60."
    status, answer = run("{ " + aliases(5) + " }")
    assert status == 200  # within the limits: each answers NOT_FOUND on its own
    assert {error["extensions"]["code"] for error in answer["errors"]} == {"NOT_FOUND"}


@pytest.mark.django_db
def test_introspection_as_graphiql_sends_it_is_allowed():
    status, answer = run(introspection_query)
    assert status == 200, answer
    names = {item["name"] for item in answer["data"]["__schema"]["types"]}
    assert {"AfterSalesCase", "ReturnEligibility"} <= names


# --- bad scalars ------------------------------------------------------------------------------------------------


@pytest.fixture
def order(db):
    return published_order()


COMPLAINT = "mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) { case { id } errors { code } } }"


def invalid_field(answer: dict[str, Any]) -> tuple[str, str]:
    (error,) = answer["errors"]
    return error["extensions"]["code"], error["extensions"]["field"]


@pytest.mark.parametrize(
    ("comment", "problem"),
    [
        ("broken\x00text", "NUL character"),
        ("\ud800 lonely", "unpaired surrogate"),
        ("x" * 5001, "at most 5000"),
    ],
)
def test_bad_texts_answer_invalid_on_their_field(order, comment, problem):
    variables = {"input": {"order": order_gid(order), "category": "SERVICE", "comment": comment}}
    status, answer = run(COMPLAINT, variables, CUSTOMER)
    assert status == 200
    assert invalid_field(answer) == ("INVALID", "input.comment")
    assert problem in answer["errors"][0]["message"]
    assert Case.objects.count() == 0


def test_a_key_longer_than_255_characters_is_invalid(order):
    variables = {
        "input": {
            "order": order_gid(order),
            "category": "SERVICE",
            "comment": "Late",
            "idempotencyKey": "k" * (MAX_TEXT + 1),
        }
    }
    status, answer = run(COMPLAINT, variables, CUSTOMER)
    assert invalid_field(answer) == ("INVALID", "input.idempotencyKey")
    assert f"at most {MAX_TEXT} characters" in answer["errors"][0]["message"]


def _inspected_case(order) -> str:
    line = str(order.lines.order_by("id")[0].line_id)
    staff = Actor("staff", STAFF.id)
    case, _ = returns.request_return(
        order.order_id, [LineRequest(line, 1, reason="changed_mind")], actor=Actor("customer", CUSTOMER.id)
    )
    returns.approve(case.pk, actor=staff)
    returns.mark_received(case.pk, actor=staff)
    returns.inspect(case.pk, {line: "unopened"}, actor=staff)
    return case_gid(case)


RESOLVE = (
    "mutation($id: ID!, $amount: Decimal) { caseResolve(id: $id, resolution: REFUND, amount: $amount, "
    'reason: "goodwill") { case { status } errors { field code message } } }'
)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e400", 1e400, "abc", "1.2.3"])
def test_bad_amounts_answer_invalid_on_the_amount(order, amount):
    case_id = _inspected_case(order)
    payload = json.loads(json.dumps({"query": RESOLVE, "variables": {"id": case_id, "amount": amount}}))
    status, answer = execute(payload, RequestContext(CHANNEL, STAFF, SandboxHost()))
    assert answer["errors"][0]["extensions"]["code"] == "INVALID", answer
    assert answer["errors"][0]["extensions"]["field"] == "amount"
    assert "ConversionSyntax" not in json.dumps(answer)
    assert Case.objects.get().status == "inspected"


def test_an_amount_finer_than_the_currency_is_refused_not_rounded(order):
    case_id = _inspected_case(order)
    status, answer = run(RESOLVE, {"id": case_id, "amount": "0.001"}, STAFF)
    payload = answer["data"]["caseResolve"]
    assert payload["errors"] == [
        {
            "field": "amount",
            "code": "INVALID",
            "message": "amount 0.001 has more decimals than EUR allows (2); round it first.",
        }
    ]
    assert Case.objects.get().status == "inspected"


def test_a_price_finer_than_the_currency_is_refused(order):
    query = '{ afterSalesPolicyForProduct(categoryPath: ["electronics"], price: "9.999") { eligible } }'
    status, answer = run(query)
    assert invalid_field(answer) == ("INVALID", "price")


def test_a_duplicated_line_in_eligibility_is_refused(order):
    query = "query($order: ID!, $lines: [LineQuantityInput!]) { returnEligibility(order: $order, lines: $lines) { eligible } }"
    line = line_gid(order, 0)
    lines = [{"lineId": line, "quantity": 1}, {"lineId": line, "quantity": 1}]
    status, answer = run(query, {"order": order_gid(order), "lines": lines}, CUSTOMER)
    (error,) = answer["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("DUPLICATED", "lines.1.lineId")
    assert "listed twice" in error["message"]


# --- HTTP ---------------------------------------------------------------------------------------------------------


def _post(client: Client, body: bytes, path: str = "/graphql/volt/") -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.django_db
def test_a_deeply_nested_json_body_answers_json_with_a_request_id():
    response = _post(Client(), b'{"query": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "nests too deeply" in answer["errors"][0]["message"]
    assert answer["extensions"]["requestId"] == response["X-Request-Id"]
    assert len(response["X-Request-Id"]) == 32


@pytest.mark.django_db
def test_a_lone_surrogate_in_the_query_answers_json():
    response = _post(Client(), b'{"query": "{ afterSalesPolicy { version } } # \\ud800"}')
    assert response.status_code == 200
    assert response.json()["data"] == {"afterSalesPolicy": None}
    assert response.json()["extensions"]["requestId"] == response["X-Request-Id"]


@pytest.mark.django_db
def test_unknown_urls_and_failing_views_answer_json_with_a_request_id(caplog):
    response = Client().get("/nowhere/")
    assert response.status_code == 404 and response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert response.json()["extensions"]["requestId"] == response["X-Request-Id"]

    @with_request_id
    def failing_view(request):
        raise RuntimeError("disk on fire")

    with caplog.at_level(logging.ERROR):
        response = failing_view(RequestFactory().get("/policy/volt/"))
    assert response.status_code == 500
    request_id = response["X-Request-Id"]
    answer = json.loads(response.content)
    assert answer["errors"][0]["message"] == f"Internal error; it has been logged as {request_id}."
    assert answer["extensions"]["requestId"] == request_id
    assert "disk on fire" not in response.content.decode()
    assert any(request_id in entry.getMessage() and entry.exc_info for entry in caplog.records)


# --- the regex operator -------------------------------------------------------------------------------------------

NESTED_QUANTIFIER_POLICY = """
schema_version: 1
name: Regex shop
defaults: {currency: EUR, country: DE, time_zone: UTC, eligible: true,
           window: {days: 30, anchor: delivery, day_kind: calendar}, resolutions: [refund], review: auto}
rules:
  - id: only-a
    priority: 10
    conditions: {all: [{name: reason, operator: matches_regex, value: "^(a+)+$"}]}
    actions: [{name: deny, params: {reason: only_a}}]
texts: {en: {only_a: "Reasons made of a only are refused."}}
"""


@pytest.mark.django_db
def test_a_nested_quantifier_on_a_customer_text_decides_in_linear_time():
    data, source_format = load_source(NESTED_QUANTIFIER_POLICY)
    policies.publish_policy(CHANNEL, normalise_policy(data), NESTED_QUANTIFIER_POLICY, source_format)
    order = record()
    query = "query($order: ID!, $reason: String) { returnEligibility(order: $order, reason: $reason) { eligible lines { reasons { code } } } }"
    started = time.perf_counter()
    status, answer = run(query, {"order": order_gid(order), "reason": "a" * 254 + "!"}, CUSTOMER)
    assert time.perf_counter() - started < 1  # a backtracking engine needs about 2**254 steps here
    assert answer["data"]["returnEligibility"]["eligible"] is True
    status, answer = run(query, {"order": order_gid(order), "reason": "aaaa"}, CUSTOMER)
    assert answer["data"]["returnEligibility"]["eligible"] is False
    assert answer["data"]["returnEligibility"]["lines"][0]["reasons"] == [{"code": "only_a"}]


def test_patterns_re2_cannot_run_in_linear_time_are_refused_with_the_reason():
    assert compile_pattern("^TV-")("TV-55") and not compile_pattern("^TV-")("OLED TV-55")
    # "Anything but these codes", the one lookahead kept, answers as Python's re does.
    for pattern in ("^(?!CN$)", "^(?!(CN|HK)$)", "^(?!(CN|HK)$).*"):
        for text in ("CN", "HK", "US", "", "CN\n", "CNX"):
            assert compile_pattern(pattern)(text) == (re.search(pattern, text) is not None), (pattern, text)
    with pytest.raises(
        ValueError, match=r"'\(a\)\\\\1' is not a supported regular expression: invalid escape"
    ):
        compile_pattern(r"(a)\1")
