from collections.abc import Mapping, Sequence
from typing import Any

import graphene

from ....models import Case
from ....services import returns
from ...cases.mutations.base import CaseAtHand, CaseWorkMutation
from ...core.ids import uuid_from_global_id
from ...core.permissions import Audience
from ...core.types import NonNullList
from ..inputs import LineConditionInput

__all__ = ["ReturnRequestInspect"]


class ReturnRequestInspect(CaseWorkMutation, audience=Audience.MANAGER):
    """Record each line's condition; fees are decided again (e.g. opened items)."""

    class Arguments:
        lines = NonNullList(LineConditionInput, required=True, description="Condition of every line.")
        message = graphene.String(description="Inspection notes.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, lines: Sequence[Mapping[str, Any]], message: str = "") -> Case:
        conditions = {
            uuid_from_global_id(line["line_id"], "OrderLine", f"lines.{index}.lineId"): line["condition"]
            for index, line in enumerate(lines)
        }
        return returns.inspect(
            at_hand.case.pk, conditions, actor=at_hand.actor, message=message or "", host=at_hand.context.host
        )
