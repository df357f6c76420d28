"""The public policy page on real PostgreSQL: versions, languages, differences and the JSON form."""

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from saleor_aftersales_plugin.domain.actors import Principal
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services.policies import publish_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def electronics() -> dict:
    return load_source((EXAMPLES / "electronics-shop.yaml").read_text())[0]


def publish(channel: str, data: dict, **kwargs):
    return publish_policy(channel, normalise_policy(data), source="", source_format="yaml", **kwargs)[0]


@pytest.fixture
def two_versions(db):
    first = publish("volt", electronics())
    changed = electronics()
    changed["defaults"]["window"]["days"] = 21
    second = publish("volt", changed)
    upcoming = copy.deepcopy(changed)
    upcoming["defaults"]["warranty_months"] = 36
    third = publish("volt", upcoming, effective_from=timezone.now() + timedelta(days=30))
    return first, second, third


def test_page_shows_the_version_in_force_with_versions_and_language_links(two_versions):
    response = Client().get("/policy/volt/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert (
        "<main" in html
        and "<header>" in html
        and "<footer>" in html
        and '<nav aria-label="Language">' in html
    )
    assert 'name="viewport"' in html
    assert "Version 2 · Effective from" in html
    assert "within 21 days after delivery" in html and "within 14 days after delivery" not in html
    assert "(in force)" in html and "(upcoming)" in html
    assert 'href="?lang=zh_Hans"' in html and 'lang="zh-Hans"' in html
    assert html.count("<h1") == 1


def test_language_switch_and_accept_language(two_versions):
    html = Client().get("/policy/volt/?lang=zh_Hans").content.decode()
    assert '<html lang="zh-Hans">' in html and "签收后 21 个自然日内，您可以无理由退货。" in html
    negotiated = (
        Client().get("/policy/volt/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5").content.decode()
    )
    assert '<html lang="zh-Hans">' in negotiated
    unknown = Client().get("/policy/volt/?lang=fr").content.decode()
    assert '<html lang="en">' in unknown


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en;q=0.5, fr;q=0.1, zh-CN;q=0.9", "zh-Hans"),
        ("zh-CN;q=0.4, en-GB;q=0.8", "en"),
        ("en;q=0, *", "zh-Hans"),
        ("zh-TW, de", "en"),
        (";q=;;,zh-CN;q=x", "en"),
    ],
)
def test_accept_language_is_read_by_its_q_values(two_versions, header, language):
    html = Client().get("/policy/volt/", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert f'<html lang="{language}">' in html
    chosen = Client().get("/policy/volt/?lang=en", HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert '<html lang="en">' in chosen


def test_diff_between_versions(two_versions):
    html = Client().get("/policy/volt/?from=1&to=2").content.decode()
    assert "Changes: Version 1 → 2" in html
    assert "Changed: You can return items for any reason within 21 days after delivery." in html
    data = Client().get("/policy/volt/?from=2&to=3&format=json&lang=zh_Hans").json()
    assert data["diff"] == {
        "from": 2,
        "to": 3,
        "changes": [
            "变更：签收后 36 个月内，保修范围内的维修免费。（原为：签收后 24 个月内，保修范围内的维修免费。）"
        ],
    }


def test_json_has_the_same_content(two_versions):
    data = Client().get("/policy/volt/?format=json&version=1").json()
    assert data["version"] == 1 and data["language"] == "en" and data["languages"] == ["en", "zh_Hans"]
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]
    assert [v["status"] for v in data["versions"]] == ["", "current", "upcoming"]
    keys = {
        item["key"]: item["text"]
        for s in data["policy"]["sections"]
        for b in s["blocks"]
        for item in b["items"]
    }
    assert keys["window:default"] == "You can return items for any reason within 14 days after delivery."
    assert "You can return items for any reason within 14 days after delivery." in data["text"]
    assert data["diff"] is None


def test_bad_requests_and_missing_policies_are_explained(db, two_versions):
    response = Client().get("/policy/volt/?version=9")
    assert response.status_code == 400
    assert "no policy version 9; versions are 1, 2, 3" in response.content.decode()
    assert (
        Client()
        .get("/policy/volt/?from=x&format=json")
        .json()["error"]
        .startswith("?from='x' is not a version")
    )
    missing = Client().get("/policy/nowhere/")
    assert missing.status_code == 404 and "No policy has been published" in missing.content.decode()


def test_effective_date_is_the_shops_local_date_in_header_body_text_and_graphql(db):
    """Published at 23:30 UTC on 31 March: already 1 April in Berlin (UTC+2), the shop's date everywhere."""
    publish("berlin", electronics(), effective_from=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    html = Client().get("/policy/berlin/").content.decode()
    assert 'Effective from <time datetime="2026-03-31T23:30:00+00:00">April 1, 2026</time>' in html
    assert "It is version 1, in force since April 1, 2026." in html
    assert "March 31" not in html
    page_json = Client().get("/policy/berlin/?format=json").json()
    assert "in force since April 1, 2026." in page_json["text"]
    chinese = Client().get("/policy/berlin/?lang=zh_Hans").content.decode()
    assert "自 2026年4月1日起生效" in chinese and "2026年3月31日" not in chinese
    context = RequestContext("berlin", Principal("anonymous"), SandboxHost())
    status, data = execute({"query": '{ afterSalesPolicy { effectiveFrom text(language: "en") } }'}, context)
    policy = data["data"]["afterSalesPolicy"]
    assert status == 200 and "in force since April 1, 2026." in policy["text"]


def test_the_page_says_its_language_and_that_it_depends_on_the_browsers(two_versions):
    """Caches in front of the shop (a CDN, nginx) must not serve one visitor's language to the next."""
    for header, language in (("zh-CN,zh;q=0.9", "zh-Hans"), ("en", "en")):
        for query in ("", "?format=json", "?version=x", "?version=9"):
            response = Client().get(f"/policy/volt/{query}", HTTP_ACCEPT_LANGUAGE=header)
            assert response["Content-Language"] == language, (query, header)
            assert "Accept-Language" in response["Vary"], (query, header)
    missing = Client().get("/policy/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert missing["Content-Language"] == "zh-Hans" and "Accept-Language" in missing["Vary"]


def test_a_chinese_visitor_reads_the_pages_errors_in_chinese(db, two_versions):
    not_a_number = Client().get("/policy/volt/?version=abc", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert not_a_number.status_code == 400
    assert not_a_number.content.decode() == "?version='abc' 不是版本号；请写成例如 ?version=1。"
    unknown = Client().get("/policy/volt/?from=9&format=json", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "?from=9：本店没有第 9 版政策；现有版本为 1, 2, 3。"
    missing = Client().get("/policy/nowhere/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert missing.status_code == 404 and missing.content.decode() == "本店尚未发布政策。"
    english = Client().get("/policy/volt/?version=abc", HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode() == "?version='abc' is not a version number; use e.g. ?version=1."
