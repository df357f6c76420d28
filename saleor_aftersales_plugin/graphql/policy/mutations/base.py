from typing import Any

from ....services.policies import PolicyRejected
from ....services.simulation import SimulationInvalid
from ...core.mutations import BaseMutation

__all__ = ["PolicyMutation"]


class PolicyMutation(BaseMutation):
    """A mutation taking a policy document: a refused document answers every problem in ``policyErrors``."""

    class Meta:
        abstract = True

    @classmethod
    def refused(cls, refusal: Exception) -> dict[str, Any]:
        problems = refusal.errors if isinstance(refusal, PolicyRejected | SimulationInvalid) else []
        return {"policy_errors": problems}
