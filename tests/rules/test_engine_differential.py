"""The compiled evaluator decides exactly as business-rules' own engine does, on generated policies and cases.

Its trace (recorded as matching rules, expanded to every condition with its actual value when read) is checked
against business-rules too: each condition's outcome is business-rules' ``check_condition`` on the same line.
"""

import pytest
from business_rules.engine import check_condition, check_conditions_recursively
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_strategies import case_facts, policy_documents

from saleor_aftersales_plugin.rules.decision import LazyTrace
from saleor_aftersales_plugin.rules.document import Policy
from saleor_aftersales_plugin.rules.engine import CompiledPolicy, decide_reference
from saleor_aftersales_plugin.rules.validation import validate_policy
from saleor_aftersales_plugin.rules.variables import LineContext, PolicyVariables

CASES_PER_POLICY = 5
FAST_POLICIES = 40
"""``make test`` checks this fixed (derandomized) sample: 200 pairs, each of its policies traced twice."""
FULL_PAIRS = 10_000
"""The ``-m slow`` run checks at least this many pairs (2,000 policies x 5 cases)."""
TRACE_CHECKS_PER_POLICY = 2
"""The condition-by-condition check is slow; two cases per policy still vary the lines."""


def _leaves(node):
    for key in ("all", "any"):
        if key in node:
            for child in node[key]:
                yield from _leaves(child)
            return
    yield node


def _comparable(values):
    return [item.lower() if isinstance(item, str) else item for item in values]


def _check_trace_against_business_rules(policy, facts, decision):
    """Every rule of every line, in rank order: matched as business-rules says, each condition as it says."""
    for request, line in zip(facts.lines, decision.lines, strict=True):
        assert isinstance(line.trace, LazyTrace)
        order_line = facts.order.line(request.line_id)
        variables = PolicyVariables(
            LineContext(facts, order_line, request, policy.calendar, policy.defaults.prior_returns_days)
        )
        assert [t.rule_id for t in line.trace] == [rule.id for rule in policy.ranked_rules]
        for trace, rule in zip(line.trace, policy.ranked_rules, strict=True):
            condition = rule.as_business_rule()["conditions"]
            assert trace.matched == bool(check_conditions_recursively(condition, variables))
            leaves = list(_leaves(condition))
            assert [(c.variable, c.operator) for c in trace.conditions] == [
                (leaf["name"], leaf["operator"]) for leaf in leaves
            ]
            for traced, leaf in zip(trace.conditions, leaves, strict=True):
                assert traced.passed == bool(check_condition(leaf, variables)), (traced, leaf)
                raw = getattr(variables, leaf["name"])()
                if isinstance(raw, list | tuple):
                    assert traced.actual == _comparable(raw)
                elif isinstance(raw, str | bool):
                    assert traced.actual == raw


def _rule_outcomes(decision):
    return [
        [(t.rule_id, t.decided, t.overridden) for t in line.trace if t.matched] for line in decision.lines
    ]


def _pairs_agree(document, cases) -> int:
    """Checks every case of ``document`` three ways (reference, compiled with and without trace); returns how many."""
    assert validate_policy(document) == []
    policy = Policy.from_dict(document)
    compiled = CompiledPolicy(policy)
    for index, facts in enumerate(cases):
        reference = decide_reference(policy, facts)
        explained = compiled.decide(facts, explain=True)
        fast = compiled.decide(facts, explain=False)
        assert explained.to_dict(with_trace=False) == reference.to_dict(with_trace=False)
        assert fast.to_dict(with_trace=False) == reference.to_dict(with_trace=False)
        assert _rule_outcomes(explained) == _rule_outcomes(reference) == _rule_outcomes(fast)
        if index < TRACE_CHECKS_PER_POLICY:
            _check_trace_against_business_rules(policy, facts, explained)
    return len(cases)


def _run_differential(policies: int) -> int:
    checked = 0

    @settings(
        max_examples=policies,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        document=policy_documents(),
        cases=st.lists(case_facts(), min_size=CASES_PER_POLICY, max_size=CASES_PER_POLICY),
    )
    def check(document, cases):
        nonlocal checked
        checked += _pairs_agree(document, cases)

    check()
    return checked


def test_compiled_engine_equals_business_rules_on_a_fixed_sample():
    assert _run_differential(FAST_POLICIES) == FAST_POLICIES * CASES_PER_POLICY


@pytest.mark.slow
def test_compiled_engine_equals_business_rules_on_ten_thousand_pairs():
    # Counting inside the run guards against it silently shrinking (fewer examples, fewer cases per example).
    assert _run_differential(FULL_PAIRS // CASES_PER_POLICY) >= FULL_PAIRS
