"""Messages that quote another system's sentence end with exactly one full stop."""

import pytest

from saleor_aftersales_plugin.domain.wording import quoted_clause


@pytest.mark.parametrize(
    ("quoted", "expected"),
    [
        (
            "No app or plugin is configured to handle payment action requests.",
            "Saleor could not request the refund from the payment app: No app or plugin is configured to handle "
            "payment action requests. The granted refund stays on the order.",
        ),
        (
            "card expired",
            "Saleor could not request the refund from the payment app: card expired. The granted "
            "refund stays on the order.",
        ),
        (
            "Declined.. ",
            "Saleor could not request the refund from the payment app: Declined. The granted refund "
            "stays on the order.",
        ),
    ],
)
def test_a_quoted_message_keeps_its_words_and_loses_its_own_full_stop(quoted, expected):
    sentence = (
        f"Saleor could not request the refund from the payment app: {quoted_clause(quoted)}. "
        "The granted refund stays on the order."
    )
    assert sentence == expected
    assert ".." not in sentence


def test_a_chinese_full_stop_is_not_doubled_either():
    assert quoted_clause("支付应用拒绝了退款。") == "支付应用拒绝了退款"
