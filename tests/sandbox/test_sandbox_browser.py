"""GraphiQL of the sandbox in a real headless Chromium, served by the sandbox's own threaded server, fully offline."""

import json

import pytest
from browser import ARTIFACTS, chromium, sandbox_server
from playwright.sync_api import expect

from saleor_aftersales_plugin.sandbox import tokens
from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.orders import publish_policy_file


@pytest.fixture
def sandbox_url(transactional_db):
    publish_policy_file("default-channel", EXAMPLE_POLICY)
    with sandbox_server() as url:
        yield url


def test_graphiql_runs_a_query_with_a_token_and_loads_the_schema(sandbox_url, tmp_path):
    token = tokens.staff_token("staff-1", "staff@volt.example")
    outside: list[str] = []
    posted: list[dict] = []
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        page.on("request", lambda r: None if r.url.startswith(sandbox_url) else outside.append(r.url))
        page.on(
            "request",
            lambda r: (
                posted.append({"auth": r.headers.get("authorization"), "body": r.post_data})
                if r.method == "POST"
                else None
            ),
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{sandbox_url}/graphql/default-channel/?token={token}")
        expect(page.locator("#banner")).to_contain_text("no money moves")
        page.locator(".graphiql-execute-button").click()
        result = page.locator(".result-window")
        expect(result).to_contain_text('"name": "Volt Electronics"', timeout=15_000)
        expect(result).to_contain_text('"sandbox": "Sandbox host')
        # The documentation explorer is built from the schema's introspection.
        page.get_by_label("Show Documentation Explorer").click()
        explorer = page.locator(".graphiql-doc-explorer")
        explorer.locator("a.graphiql-doc-explorer-type-name").get_by_text("Query", exact=True).click()
        expect(explorer.locator(".graphiql-doc-explorer-title")).to_have_text("Query")
        expect(explorer.locator(".graphiql-doc-explorer-content")).to_contain_text("returnEligibility(")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sandbox-graphiql.png"))
    assert not errors, errors
    assert outside == [], f"GraphiQL fetched from outside the sandbox: {outside}"
    queries = [json.loads(p["body"])["query"] for p in posted if p["body"]]
    assert any("__schema" in query for query in queries) and any(
        "afterSalesPolicy" in query for query in queries
    )
    assert {p["auth"] for p in posted} == {f"Bearer {token}"}
