"""docs/policy.md is generated from the code; this fails when it is stale (run `make docs`)."""

import json
from pathlib import Path

from saleor_aftersales_plugin.rules.actions import ACTIONS
from saleor_aftersales_plugin.rules.reference import render_reference
from saleor_aftersales_plugin.rules.schema import policy_json_schema
from saleor_aftersales_plugin.rules.validation import ERROR_CODES
from saleor_aftersales_plugin.rules.variables import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "policy.md"
SCHEMAS = [
    ROOT / "docs" / "policy.schema.json",
    ROOT / "saleor_aftersales_plugin" / "rules" / "policy.schema.json",
]


def test_committed_reference_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == render_reference(), (
        "docs/policy.md is stale: regenerate it with `make docs`."
    )


def test_reference_covers_every_variable_action_and_error_code():
    text = render_reference()
    for name in [*VARIABLES, *ACTIONS, *ERROR_CODES]:
        assert f"`{name}`" in text, name


def test_committed_json_schemas_are_up_to_date_and_name_every_action():
    for path in SCHEMAS:
        assert path.read_text(encoding="utf-8") == policy_json_schema(), f"{path} is stale: run `make docs`."
    schema = json.loads(policy_json_schema())
    text = json.dumps(schema)
    for name in ACTIONS:
        assert f'"const": "{name}"' in text, name
    assert schema["properties"]["defaults"]["$ref"].endswith("/Defaults")
    window = schema["$defs"]["Window"]["properties"]["days"]
    assert (window["minimum"], window["maximum"], window["type"]) == (0, 3650, "integer")


def test_examples_point_editors_at_the_schema():
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        first = example.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../docs/policy.schema.json", example
