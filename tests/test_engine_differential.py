"""The compiled evaluator decides exactly as business-rules' own engine does, on generated policies and cases."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_strategies import case_facts, policy_documents

from saleor_aftersales_plugin.rules.document import Policy
from saleor_aftersales_plugin.rules.engine import CompiledPolicy, decide_reference
from saleor_aftersales_plugin.rules.validation import validate_policy

CASES_PER_POLICY = 5
POLICIES = 2_000
pairs_checked = 0


def _rule_outcomes(decision):
    return [
        [(t.rule_id, t.decided, t.overridden) for t in line.trace if t.matched] for line in decision.lines
    ]


@settings(
    max_examples=POLICIES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    document=policy_documents(),
    cases=st.lists(case_facts(), min_size=CASES_PER_POLICY, max_size=CASES_PER_POLICY),
)
def test_compiled_engine_equals_business_rules(document, cases):
    global pairs_checked
    assert validate_policy(document) == []
    policy = Policy.from_dict(document)
    compiled = CompiledPolicy(policy)
    for facts in cases:
        reference = decide_reference(policy, facts)
        explained = compiled.decide(facts, explain=True)
        fast = compiled.decide(facts, explain=False)
        assert explained.to_dict(with_trace=False) == reference.to_dict(with_trace=False)
        assert fast.to_dict(with_trace=False) == reference.to_dict(with_trace=False)
        assert _rule_outcomes(explained) == _rule_outcomes(reference) == _rule_outcomes(fast)
        pairs_checked += 1


def test_differential_run_covered_ten_thousand_pairs():
    # Guards against the run silently shrinking (fewer examples, fewer cases per example).
    if pairs_checked == 0:  # this test was selected alone
        test_compiled_engine_equals_business_rules()
    assert pairs_checked >= 10_000
