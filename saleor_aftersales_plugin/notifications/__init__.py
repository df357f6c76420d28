"""Customer and staff messages: templates per event and language, rendering, the outbox and the senders.

A leaf: it renders and sends what the services enqueue, and takes what it needs of the shop (contacts, staff groups,
template overrides, the notify channel) from the host port it is handed (:class:`~..domain.host.NotificationHost`).

Public API: :func:`render`, :func:`validate_overrides` (the plugin's configuration check) and the outbox
(:mod:`.outbox`: ``enqueue``, ``enqueue_for_creation``, ``enqueue_for_transition``, ``enqueue_reply``,
``enqueue_policy_reminder``, ``deliver_due``).
"""

from .events import EVENTS
from .rendering import OverridesError, RenderedMessage, render, validate_overrides

__all__ = [
    "EVENTS",
    "OverridesError",
    "RenderedMessage",
    "render",
    "validate_overrides",
]
