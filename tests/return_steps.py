"""The return workflow as the service tests walk it (``tests/`` is on ``sys.path``): a case taken from the customer's
request to staff's inspection, and a resolve that staff are refused."""

from decimal import Decimal

import pytest
from factories import CUSTOMER_ACTOR, STAFF_ACTOR

from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.domain.host import HostPort
from saleor_aftersales_plugin.models import Case
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, returns


def inspected_return(
    order_id: str,
    line_id: str,
    quantity: int,
    condition: str,
    *,
    reason: str = "no_reason",
    resolution: str = "",
    host: HostPort | None = None,
) -> Case:
    """A return of ``quantity`` units of one line that the customer asked for and staff approved, received and
    inspected as ``condition`` (``host``: the host whose ledger the request and the inspection read)."""
    case, _ = returns.request_return(
        order_id,
        [LineRequest(line_id, quantity, reason=reason, resolution=resolution)],
        actor=CUSTOMER_ACTOR,
        host=host,
    )
    returns.approve(case.pk, actor=STAFF_ACTOR)
    returns.mark_received(case.pk, actor=STAFF_ACTOR)
    return returns.inspect(case.pk, {line_id: condition}, actor=STAFF_ACTOR, host=host)


def refused_resolve(case: Case, resolution: str, *, amount: Decimal, override_reason: str) -> ServiceError:
    """The error that refuses staff's resolve of ``case`` as ``resolution`` for ``amount`` on the sandbox host."""
    with pytest.raises(ServiceError) as refused:
        returns.resolve(
            case.pk,
            resolution,
            actor=STAFF_ACTOR,
            host=SandboxHost(),
            amount=amount,
            override_reason=override_reason,
        )
    return refused.value
