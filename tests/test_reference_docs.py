"""docs/policy.md is generated from the code; this fails when it is stale (run `make docs`)."""

from pathlib import Path

from saleor_aftersales_plugin.rules.actions import ACTIONS
from saleor_aftersales_plugin.rules.reference import render_reference
from saleor_aftersales_plugin.rules.validation import ERROR_CODES
from saleor_aftersales_plugin.rules.variables import VARIABLES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policy.md"


def test_committed_reference_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == render_reference(), (
        "docs/policy.md is stale: regenerate it with `make docs`."
    )


def test_reference_covers_every_variable_action_and_error_code():
    text = render_reference()
    for name in [*VARIABLES, *ACTIONS, *ERROR_CODES]:
        assert f"`{name}`" in text, name
