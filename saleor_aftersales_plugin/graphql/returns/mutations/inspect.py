from collections.abc import Mapping, Sequence
from typing import Any

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import returns
from ...cases.inputs import case_id_argument
from ...cases.mutations.base import CaseWorkMutation
from ...core.context import RequestContext
from ...core.ids import uuid_from_global_id
from ...core.permissions import Audience
from ...core.types import NonNullList
from ..inputs import LineConditionInput

__all__ = ["ReturnRequestInspect"]


class ReturnRequestInspect(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        lines = NonNullList(LineConditionInput, required=True, description="Condition of every line.")
        message = graphene.String(description="Inspection notes.")

    class Meta:
        audience = Audience.MANAGER
        description = "Record each line's condition; fees are decided again (e.g. opened items)."

    @classmethod
    def work(
        cls,
        context: RequestContext,
        case: Case,
        actor: Actor,
        lines: Sequence[Mapping[str, Any]],
        message: str = "",
    ) -> Case:
        conditions = {
            uuid_from_global_id(line["line_id"], "OrderLine", f"lines.{index}.lineId"): line["condition"]
            for index, line in enumerate(lines)
        }
        return returns.inspect(case.pk, conditions, actor=actor, message=message or "", host=context.host)
