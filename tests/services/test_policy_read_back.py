"""A published version reads back as the policy that was published: non-whole numbers (stored as text, exactly, by
the JSON encoder) included, in every place a number goes."""

from decimal import Decimal
from pathlib import Path

import pytest

from saleor_aftersales_plugin.models import PolicyVersion
from saleor_aftersales_plugin.rules.source import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy, parse_policy
from saleor_aftersales_plugin.services import policies
from saleor_aftersales_plugin.services.eligibility import load_policy

EXAMPLE = Path(__file__).parents[2] / "examples" / "electronics-shop.yaml"

FRACTIONS = {
    "a 12.5 % restocking fee": ("amount: 15,", "amount: 12.5,"),
    "a 2.5 % store credit bonus": ("store_credit_bonus: 5 ", "store_credit_bonus: 2.5 "),
    "a 49.99 EUR threshold": (
        'value: {amount: "50.00", currency: EUR}',
        "value: {amount: 49.99, currency: EUR}",
    ),
    "a numeric condition of 2.5": ("operator: less_than, value: 3}", "operator: less_than, value: 2.5}"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change", FRACTIONS.values(), ids=FRACTIONS.keys())
def test_a_published_version_with_a_non_whole_number_reads_back_as_published(change):
    source = EXAMPLE.read_text()
    old, new = change
    assert old in source
    source = source.replace(old, new)
    data, source_format = load_source(source)
    version, created = policies.publish_policy("volt", normalise_policy(data), source, source_format)
    assert created

    stored = PolicyVersion.objects.get(pk=version.pk)  # as a later request reads it from the database
    read_back = load_policy(stored)
    assert read_back == parse_policy(source)


@pytest.mark.django_db
def test_the_stored_numbers_are_the_ones_written():
    source = (
        EXAMPLE.read_text()
        .replace("amount: 15,", "amount: 12.5,")
        .replace("store_credit_bonus: 5 ", "store_credit_bonus: 2.5 ")
    )
    data, source_format = load_source(source)
    version, _ = policies.publish_policy("volt", normalise_policy(data), source, source_format)
    policy = load_policy(PolicyVersion.objects.get(pk=version.pk))
    assert str(policy.defaults.store_credit_bonus) == "2.5"
    (fee,) = (
        action
        for rule in policy.rules
        if rule.id == "opened-electronics-restocking"
        for action in rule.actions
    )
    assert fee["params"]["amount"] == Decimal("12.5")
