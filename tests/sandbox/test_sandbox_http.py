"""The sandbox host end to end over HTTP: local tokens, the GraphQL endpoint per channel, GraphiQL, order import."""

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from saleor_aftersales_plugin.cli import main
from saleor_aftersales_plugin.domain.actors import ANONYMOUS, MANAGE_ORDERS
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.models import OrderRecord
from saleor_aftersales_plugin.sandbox import tokens
from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_ORDERS, EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.sandbox.orders import (
    OrderFileInvalid,
    import_orders,
    publish_policy_file,
    read_order_file,
)
from saleor_aftersales_plugin.sandbox.views import SANDBOX_NOTICE

CHANNEL = "default-channel"
TV_ORDER = "0a5a1e50-0000-4000-8000-000000001001"
TV_LINE = "0a5a1e50-0000-4000-9000-000010010001"
HEADPHONES_ORDER = "0a5a1e50-0000-4000-8000-000000001002"
GUEST_ORDER = "0a5a1e50-0000-4000-8000-000000001004"
GUEST_LINE = "0a5a1e50-0000-4000-9000-000010040001"
ANNA = tokens.customer_token("user-anna", "anna@example.com")
BEN = tokens.customer_token("user-ben", "ben@example.com")
STAFF = tokens.staff_token("staff-1", "staff@volt.example")

ELIGIBILITY = """
query Eligibility($order: ID!, $email: String, $lines: [LineQuantityInput!]) {
  returnEligibility(order: $order, email: $email, reason: "changed_mind", resolution: REFUND, lines: $lines) {
    eligible
    refundEstimate { amount currency }
    feesTotal { amount currency }
    lines { lineId eligible windowEndsAt reasons { code } fees { code amount { amount } } }
  }
}
"""
CASE_PAYLOAD = (
    "case { id number status refund { amount } fees { amount } resolution } errors { field code message }"
)
# A change-of-mind return of one unit of a line, always with idempotency key "k1".
TV_RETURN = f"""mutation($order: ID!, $line: ID!) {{ returnRequestCreate(input: {{order: $order,
    reason: "changed_mind", desiredResolution: REFUND, idempotencyKey: "k1",
    lines: [{{lineId: $line, quantity: 1}}]}}) {{ {CASE_PAYLOAD} }} }}"""


@pytest.fixture
def shop(db: Any) -> list[OrderRecord]:
    publish_policy_file(CHANNEL, EXAMPLE_POLICY)
    return import_orders([EXAMPLE_ORDERS])


def post(
    client: Client,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    path: str = "",
) -> tuple[int, dict[str, Any]]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = client.post(
        path or f"/graphql/{CHANNEL}/",
        json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        **headers,
    )
    assert response["Content-Type"] == "application/json"
    assert response["X-Aftersales-Sandbox"] == "no money moves"
    return response.status_code, response.json()


def mutate(client: Client, token: str | None, mutation: str, variables: dict[str, Any]) -> dict[str, Any]:
    status, answer = post(client, mutation, variables, token)
    assert status == 200 and "errors" not in answer, answer
    (payload,) = answer["data"].values()
    assert payload["errors"] == [], payload["errors"]
    return payload["case"]


# Tokens


def test_tokens_name_the_principal_and_its_permissions():
    customer = tokens.read_token(ANNA)
    assert (customer.kind, customer.id, customer.email) == ("customer", "user-anna", "anna@example.com")
    assert customer.permissions == frozenset() and customer.channels is None
    staff = tokens.read_token(tokens.staff_token("staff-2", "s@volt.example", channels=["eu", "us"]))
    assert staff.kind == "staff" and staff.permissions == {MANAGE_ORDERS}
    assert staff.channels == {"eu", "us"}
    assert tokens.read_token(STAFF).channels is None
    app = tokens.read_token(tokens.app_token("app-7"))
    assert (app.kind, app.id, app.permissions) == ("app", "app-7", {MANAGE_ORDERS})
    assert tokens.principal_from_header(None) == ANONYMOUS
    assert tokens.principal_from_header(f"Bearer {ANNA}") == customer


def test_altered_or_foreign_tokens_are_refused():
    payload, _, signature = ANNA.rpartition(":")
    with pytest.raises(tokens.TokenInvalid, match="not valid for this sandbox"):
        tokens.read_token(payload + ":" + signature[::-1])
    forged = signing.dumps(
        {"kind": "staff", "id": "x"}, key="another-secret", salt="saleor_aftersales_plugin.sandbox.token"
    )
    with pytest.raises(tokens.TokenInvalid, match="SECRET_KEY"):
        tokens.read_token(forged)
    other_purpose = signing.dumps({"kind": "staff", "id": "x"}, salt="something-else")
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token(other_purpose)
    with pytest.raises(tokens.TokenInvalid, match="Bearer <token>"):
        tokens.principal_from_header(f"Token {ANNA}")
    with pytest.raises(ValueError, match="email"):
        tokens.customer_token("user-1", "not-an-email")


def test_cli_prints_a_staff_token_limited_to_channels(capsys: pytest.CaptureFixture[str]):
    assert main(["sandbox", "token", "staff", "--id", "staff-9", "--channel", "eu", "--channel", "us"]) == 0
    principal = tokens.read_token(capsys.readouterr().out.strip())
    assert (principal.kind, principal.id, principal.channels) == ("staff", "staff-9", {"eu", "us"})


# HTTP


@pytest.mark.django_db
def test_a_bad_token_answers_401_with_the_reason(client: Client):
    for header in ("Bearer not-a-token", f"Basic {ANNA}", "Bearer "):
        response = client.post(
            f"/graphql/{CHANNEL}/",
            {"query": "{ afterSalesPolicy { version } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "token" in error["message"]


@pytest.mark.django_db
def test_bad_requests_say_what_to_send(client: Client):
    response = client.post(
        f"/graphql/{CHANNEL}/", "query=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and "application/json" in response.json()["errors"][0]["message"]
    response = client.post(f"/graphql/{CHANNEL}/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["errors"][0]["message"]
    response = client.put(f"/graphql/{CHANNEL}/")
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    status, answer = post(client, "{ noSuchField }")
    assert status == 400 and answer["errors"]


def test_http_answers_exactly_what_execute_answers(shop: list[OrderRecord], client: Client):
    variables = {"order": TV_ORDER, "lines": [{"lineId": TV_LINE, "quantity": 1, "condition": "OPENED"}]}
    status, over_http = post(client, ELIGIBILITY, variables, ANNA)
    context = RequestContext(CHANNEL, tokens.read_token(ANNA), SandboxHost())
    direct_status, direct = execute({"query": ELIGIBILITY, "variables": variables}, context)
    assert status == direct_status == 200
    extensions = over_http.pop("extensions")
    assert extensions["sandbox"] == SANDBOX_NOTICE
    assert len(extensions["requestId"]) == 32 != direct.pop("extensions")["requestId"]
    assert over_http == direct
    answer = over_http["data"]["returnEligibility"]
    assert answer["eligible"] is True
    assert answer["feesTotal"] == {"amount": "194.85", "currency": "EUR"}  # 15 % restocking on the opened TV
    assert answer["refundEstimate"] == {"amount": "1104.15", "currency": "EUR"}


def test_customers_see_only_their_orders(shop: list[OrderRecord], client: Client):
    status, answer = post(client, ELIGIBILITY, {"order": TV_ORDER}, BEN)
    assert status == 200 and answer["data"] is None
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    _, unknown = post(client, ELIGIBILITY, {"order": "0a5a1e50-0000-4000-8000-0000000009ff"}, BEN)
    assert unknown["errors"][0]["message"] == error["message"].replace(
        TV_ORDER, "0a5a1e50-0000-4000-8000-0000000009ff"
    )


def test_guests_use_the_order_email_instead_of_a_token(shop: list[OrderRecord], client: Client):
    status, answer = post(client, ELIGIBILITY, {"order": GUEST_ORDER, "email": "guest@example.com"})
    assert status == 200 and "errors" not in answer, answer
    assert answer["data"]["returnEligibility"]["eligible"] is True
    _, wrong = post(client, ELIGIBILITY, {"order": GUEST_ORDER, "email": "someone@example.com"})
    assert wrong["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    case = mutate(
        client,
        None,
        f"""mutation($order: ID!, $line: ID!) {{ returnRequestCreate(input: {{order: $order,
            email: "guest@example.com", reason: "changed_mind", desiredResolution: REFUND,
            lines: [{{lineId: $line, quantity: 1}}]}}) {{ {CASE_PAYLOAD} }} }}""",
        {"order": GUEST_ORDER, "line": GUEST_LINE},
    )
    # Under 50 EUR: the example policy approves at once; the customer ships the item back.
    assert case["status"] == "AWAITING_RETURN"


def test_window_follows_the_imported_dates(shop: list[OrderRecord], client: Client):
    _, answer = post(client, ELIGIBILITY, {"order": HEADPHONES_ORDER}, ANNA)
    (line,) = answer["data"]["returnEligibility"]["lines"]
    assert line["eligible"] is False and [r["code"] for r in line["reasons"]] == ["window_expired"]


def test_a_return_from_request_to_refund_over_http(shop: list[OrderRecord], client: Client):
    case = mutate(client, ANNA, TV_RETURN, {"order": TV_ORDER, "line": TV_LINE})
    assert case["status"] == "REQUESTED"
    case_id = case["id"]
    # The customer cannot approve their own request.
    _, denied = post(
        client, f"mutation($id: ID!) {{ caseApprove(id: $id) {{ {CASE_PAYLOAD} }} }}", {"id": case_id}, ANNA
    )
    assert denied["data"]["caseApprove"]["errors"][0]["code"] == "PERMISSION_DENIED"
    limited = tokens.staff_token("staff-2", "eu@volt.example", channels=["eu-channel"])
    _, denied = post(
        client,
        f"mutation($id: ID!) {{ caseApprove(id: $id) {{ {CASE_PAYLOAD} }} }}",
        {"id": case_id},
        limited,
    )
    assert denied["data"]["caseApprove"]["errors"][0]["code"] == "PERMISSION_DENIED"

    steps = [
        ("mutation($id: ID!) { caseApprove(id: $id) { %s } }", {}, "AWAITING_RETURN"),
        ("mutation($id: ID!) { returnRequestMarkReceived(id: $id) { %s } }", {}, "RECEIVED"),
        (
            "mutation($id: ID!, $line: ID!) { returnRequestInspect(id: $id, lines: [{lineId: $line, condition: OPENED}]) { %s } }",
            {"line": TV_LINE},
            "INSPECTED",
        ),
        ("mutation($id: ID!) { caseResolve(id: $id, resolution: REFUND) { %s } }", {}, "RESOLVED"),
    ]
    for mutation, extra, status in steps:
        case = mutate(client, STAFF, mutation % CASE_PAYLOAD, {"id": case_id, **extra})
        assert case["status"] == status
    assert case["resolution"] == "REFUND"
    assert case["refund"] == {"amount": "1104.15"} and case["fees"] == {"amount": "194.85"}
    # The same idempotency key returns the same (now resolved) case.
    again = mutate(client, ANNA, TV_RETURN, {"order": TV_ORDER, "line": TV_LINE})
    assert again["id"] == case_id and again["status"] == "RESOLVED"


def test_each_channel_has_its_own_endpoint(shop: list[OrderRecord], client: Client):
    query = "{ afterSalesPolicy { channel version name } }"
    _, default = post(client, query, path="/graphql/")
    assert default["data"]["afterSalesPolicy"] == {
        "channel": CHANNEL,
        "version": 1,
        "name": "Volt Electronics",
    }
    _, named = post(client, query)
    assert named["data"] == default["data"]
    _, other = post(client, query, path="/graphql/eu-channel/")
    assert other["data"]["afterSalesPolicy"] is None
    # Orders belong to their channel: the TV order is unknown at another channel's endpoint.
    _, elsewhere = post(client, ELIGIBILITY, {"order": TV_ORDER}, STAFF, path="/graphql/eu-channel/")
    assert elsewhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_graphiql_is_served_from_local_files(client: Client):
    response = client.get(f"/graphql/{CHANNEL}/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/vendor/graphiql/") for source in sources), sources
    assert "no money moves" in page
    for source in sources:
        served = client.get(source)
        assert served.status_code == 200, source
        assert len(b"".join(served.streaming_content)) > 10_000, source


# Import


def test_import_moves_dates_to_now_and_is_repeatable(db: Any):
    now = timezone.now()
    order = read_order_file(EXAMPLE_ORDERS / "1001-anna-tv.json", now)
    assert order.delivered_at is not None
    # In the file the TV was delivered 2 days 21.5 hours before as_of (2026-03-10T12:00+01:00).
    assert now - order.delivered_at == timedelta(days=2, hours=21, minutes=30)
    assert all(line.delivered_at is None for line in order.lines)
    first = import_orders([EXAMPLE_ORDERS], now)
    again = import_orders([EXAMPLE_ORDERS], now)
    assert [r.pk for r in first] == [r.pk for r in again] and len(first) == 5
    guest = OrderRecord.objects.get(order_id=GUEST_ORDER)
    assert guest.customer_id is None and guest.customer_email == "guest@example.com"


def test_bad_order_files_name_the_file_and_every_problem(db: Any, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"as_of": "2026-03-10T12:00:00+01:00", "order": {"order_id": "x", "currency": "EURO"}})
    )
    with pytest.raises(OrderFileInvalid) as raised:
        import_orders([EXAMPLE_ORDERS / "1001-anna-tv.json", bad])
    message = str(raised.value)
    assert str(bad) in message
    assert "$.order.channel: Required." in message and "$.order.currency" in message
    assert not OrderRecord.objects.exists()  # nothing imported when one file is bad
    naive = tmp_path / "naive.json"
    naive.write_text(json.dumps({"as_of": "2026-03-10T12:00:00", "order": {}}))
    with pytest.raises(OrderFileInvalid, match="offset"):
        read_order_file(naive)
    with pytest.raises(OrderFileInvalid, match="no such file"):
        import_orders([tmp_path / "missing"])


def test_the_policy_page_is_mounted_per_channel(shop: list[OrderRecord], client: Client):
    for path in (f"/policy/{CHANNEL}/", "/policy/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("text/html")
        assert "Volt Electronics" in response.content.decode()
    assert client.get("/policy/eu-channel/").status_code == 404


def test_an_order_the_service_refuses_imports_nothing(db: Any, tmp_path: Path):
    data = json.loads((EXAMPLE_ORDERS / "1002-anna-headphones.json").read_text())
    data["order"]["order_id"] = "order-1002"
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps(data))
    with pytest.raises(OrderFileInvalid, match=r"refused\.json: order_id must be a UUID"):
        import_orders([EXAMPLE_ORDERS / "1001-anna-tv.json", refused])
    assert not OrderRecord.objects.exists()


@pytest.mark.parametrize("command", ["serve", "import"])
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("schema_version: 1\nname: Broken\nrules: [{id: x}]\n", "error(s); nothing was published."),
        ("defaults: [unclosed\n", "nothing was published."),
        (None, "cannot read"),
    ],
    ids=["invalid", "syntax", "missing"],
)
def test_sandbox_commands_refuse_a_bad_policy_without_a_traceback(
    db: Any, tmp_path: Path, capsys: Any, command: str, content: str | None, expected: str
):
    path = tmp_path / "policy.yaml"
    if content is not None:
        path.write_text(content)
    arguments = ["sandbox", command, "--policy", str(path), "--channel", "bad-channel"]
    assert main(arguments + (["--port", "0"] if command == "serve" else [])) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert expected in captured.err and str(path) in captured.err
    assert not OrderRecord.objects.exists()
