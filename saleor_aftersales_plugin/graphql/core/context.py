"""The request as resolvers see it: which channel, who is asking, and the host's ports."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ...domain.actors import Principal
from ...domain.host import HostPort
from ...services.eligibility import ChannelVersions
from ...services.policies import DirectPolicyHost

__all__ = ["PolicyHost", "RequestContext"]


class PolicyHost(Protocol):
    """Where a channel's policy text lives: inside Saleor the plugin configuration, in the sandbox the plugin."""

    def complete(self, data: dict[str, Any]) -> dict[str, Any]:
        """Fill what the host supplies (the channel's currency, country, languages): exactly what is published."""

    def publish(self, text: str, published_by: str) -> tuple[Any, bool]:
        """Publish ``text`` through the host's one publishing path; returns (PolicyVersion, created). Raises
        ``services.policies.PolicyRejected`` with every error."""


@dataclass(frozen=True)
class RequestContext:
    channel: str
    """Slug of the channel the endpoint serves."""
    principal: Principal
    host: HostPort
    """Where money actions go: the sandbox host, or Saleor's host inside Saleor."""
    load_order: Callable[[str], bool] | None = None
    """Records an order the plugin has not seen yet (e.g. placed before it was installed), given its id; returns
    False when the host has no such order. None where every order is recorded up front (the sandbox)."""
    policy_host: PolicyHost | None = None
    """How the Dashboard app publishes the channel's policy; None publishes directly (the sandbox)."""
    policy_versions: ChannelVersions | None = None
    """The channel's policy versions as read at the start of the request (inside Saleor, where checking that the
    channel has a policy reads them anyway); None: read where needed."""

    def policy_publisher(self) -> PolicyHost:
        """The host's publishing path, or publishing directly where the plugin owns the policy text."""
        return self.policy_host or DirectPolicyHost(self.channel)
