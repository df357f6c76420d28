"""Customer and staff messages: templates per event and language, rendering, the outbox and the senders.

Public API: :func:`render`, :func:`validate_overrides` (the plugin's configuration check), the outbox
(:mod:`.outbox`: ``enqueue``, ``enqueue_for_creation``, ``enqueue_for_transition``, ``enqueue_reply``,
``enqueue_policy_reminder``, ``deliver_due``) and the sender hooks :func:`set_notify_hook`,
:func:`set_group_resolver`, :func:`set_contacts_provider` and :func:`set_overrides_provider` that the Saleor adapter
fills.
"""

from .events import EVENTS
from .rendering import OverridesError, RenderedMessage, render, set_overrides_provider, validate_overrides
from .senders import ChannelContacts, set_contacts_provider, set_group_resolver, set_notify_hook

__all__ = [
    "EVENTS",
    "ChannelContacts",
    "set_contacts_provider",
    "OverridesError",
    "RenderedMessage",
    "render",
    "set_group_resolver",
    "set_notify_hook",
    "set_overrides_provider",
    "validate_overrides",
]
