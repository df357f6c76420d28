"""A channel's policy versions read once per request: what they say is in force is what the database says, at the
moment they were read and at any later one, scheduled versions included."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_services_db import POLICY, publish

from saleor_aftersales_plugin.services import policies
from saleor_aftersales_plugin.services.eligibility import channel_versions


@pytest.mark.django_db
def test_the_versions_read_once_say_what_is_in_force_now_and_later():
    assert channel_versions("eu").versions == ()
    first, _ = publish("eu", POLICY)
    second, _ = publish("eu", {**POLICY, "rules": [{"name": "x"}]})
    scheduled, _ = publish(
        "eu", {**POLICY, "rules": [{"name": "y"}]}, effective_from=second.effective_from + timedelta(days=7)
    )
    publish("other", POLICY)

    with CaptureQueriesContext(connection) as captured:
        read = channel_versions("eu")
    assert len(captured.captured_queries) == 1
    assert [version.version for version in read.versions] == [scheduled.version, second.version]
    for at in (
        read.read_at,
        read.read_at + timedelta(days=6),
        scheduled.effective_from,
        read.read_at + timedelta(days=8),
    ):
        assert read.in_force(at) == policies.policy_in_force("eu", at)
    assert read.in_force(read.read_at) == second and read.in_force(scheduled.effective_from) == scheduled
    with pytest.raises(ValueError):
        read.in_force(read.read_at - timedelta(seconds=1))
    # The document is read only when used.
    assert read.versions[1].document == second.document
    assert first not in read.versions
