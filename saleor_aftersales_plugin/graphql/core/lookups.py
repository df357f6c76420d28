"""Orders and cases by global id, as the caller may see them (NOT_FOUND for what is not theirs)."""

from ...models import Case, OrderRecord
from ...services import NotFoundError
from ...services.queries import find_case, find_order
from .context import RequestContext
from .ids import as_uuid, from_global_id
from .permissions import viewer

__all__ = ["case_for", "order_for"]


def order_for(
    context: RequestContext, global_id: str, email: str | None, field: str = "order"
) -> OrderRecord:
    """The order if the caller may see it; the host is asked to record an order the plugin has not seen yet."""
    order_id = from_global_id(global_id, "Order", field)
    who = viewer(context, email)
    try:
        return find_order(context.channel, order_id, who)
    except NotFoundError:
        if context.load_order is None or not _recorded_now(context, order_id):
            raise
    return find_order(context.channel, order_id, who)


def _recorded_now(context: RequestContext, order_id: str) -> bool:
    """Whether ``order_id`` is recorded now: the host recorded it just now, being an order the plugin had not seen,
    or a concurrent request did since it was looked up (then the lookup is repeated, with the same visibility)."""
    key = as_uuid(order_id)
    if key is None:
        return False
    if OrderRecord.objects.filter(order_id=key).exists():
        return True
    return bool(context.load_order and context.load_order(str(key)))


def case_for(
    context: RequestContext, global_id: str, email: str | None = None, *, details: bool = False
) -> Case:
    return find_case(
        context.channel,
        from_global_id(global_id, "AfterSalesCase", "id"),
        viewer(context, email),
        details=details,
    )
