"""Senders: Django's mail backend (Saleor's EMAIL_URL inside Saleor) and a pluggable "notify" hook.

Inside Saleor the adapter points the notify hook at ``manager.notify`` so Saleor apps (NOTIFY_USER webhooks) receive
every message as an event named ``aftersales_<event>``; it also installs a group resolver that turns
``group:<name>`` recipients into the e-mail addresses of that staff group. Outside Saleor both default to nothing.

Every message carries its outbox row id as its delivery key: the e-mail's ``Message-ID`` is ``<row id@aftersales>``
(also in the ``X-Aftersales-Delivery-Id`` header) and the notify payload has ``delivery_id``. A receiver that
deduplicates on that key sees each message exactly once even if a worker died between sending and recording it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .rendering import RenderedMessage

__all__ = [
    "GROUP_PREFIX",
    "NotifyHook",
    "delivery_key",
    "delivery_problems",
    "resolve_recipients",
    "send_email",
    "send_notify",
    "set_group_resolver",
    "set_notify_hook",
]

GROUP_PREFIX = "group:"
NOTIFY_EVENT_PREFIX = "aftersales_"

NotifyHook = Callable[[str, Mapping[str, Any], str], None]
"""``hook(event_name, payload, channel_slug)``."""
GroupResolver = Callable[[str, str], list[str]]
"""``resolver(channel_slug, group_name) -> e-mail addresses``."""

_notify_hook: NotifyHook | None = None
_group_resolver: GroupResolver | None = None


def set_notify_hook(hook: NotifyHook | None) -> None:
    """Install (or with ``None`` remove) the hook every delivered message is also emitted through."""
    global _notify_hook
    _notify_hook = hook


def set_group_resolver(resolver: GroupResolver | None) -> None:
    """Install (or remove) the function that expands ``group:<name>`` recipients into e-mail addresses."""
    global _group_resolver
    _group_resolver = resolver


def delivery_key(message_id: object) -> str:
    return f"<{message_id}@aftersales>"


def resolve_recipients(channel: str, recipient: str) -> list[str]:
    """E-mail addresses for one outbox recipient: itself, or the members of ``group:<name>`` (none without resolver)."""
    if recipient.startswith(GROUP_PREFIX):
        if _group_resolver is None:
            return []
        return sorted(
            {address for address in _group_resolver(channel, recipient[len(GROUP_PREFIX) :]) if address}
        )
    return [recipient] if recipient else []


@dataclass(frozen=True, slots=True)
class ChannelContacts:
    """Who a channel's messages come from and which extra staff hear about cases (the shop's configuration)."""

    sender: str = ""
    """From address, e.g. 'Volt Support <support@volt.example>'; empty: Django's DEFAULT_FROM_EMAIL."""
    staff: tuple[str, ...] = ()
    """Extra recipients of staff messages (new case, SLA warnings), besides the escalation path's first tier."""
    escalation: tuple[str, ...] = ()
    """Extra recipients of escalations, besides the tier's own."""


_contacts_provider: Callable[[str], ChannelContacts] | None = None


def set_contacts_provider(provider: Callable[[str], ChannelContacts] | None) -> None:
    """Install where a channel's contacts come from (the Saleor adapter reads the plugin's configuration)."""
    global _contacts_provider
    _contacts_provider = provider


def channel_contacts(channel: str) -> ChannelContacts:
    return _contacts_provider(channel) if _contacts_provider is not None else ChannelContacts()


def delivery_problems() -> list[str]:
    """Why e-mail delivery cannot work in this process (empty when it can): checked when the plugin is saved.

    Saleor sets ``EMAIL_BACKEND`` from ``EMAIL_URL``; without it every message would wait in the outbox forever.
    """
    from django.utils.module_loading import import_string

    backend = str(getattr(settings, "EMAIL_BACKEND", "") or "")
    if not backend:
        return [
            "No mail backend is configured (Saleor: set EMAIL_URL, e.g. smtp://user:password@smtp.example.com:587/"
            "?tls=True, and restart the API and Celery workers); after-sales e-mails stay pending until then."
        ]
    try:
        import_string(backend)
    except ImportError as error:
        return [f"The mail backend {backend!r} cannot be loaded ({error}); after-sales e-mails stay pending."]
    return []


def send_email(
    message_id: object, addresses: list[str], rendered: RenderedMessage, *, sender: str = ""
) -> None:
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender or settings.DEFAULT_FROM_EMAIL,
        to=addresses,
        headers={"Message-ID": delivery_key(message_id), "X-Aftersales-Delivery-Id": str(message_id)},
    )
    email.attach_alternative(rendered.html, "text/html")
    email.send(fail_silently=False)


def send_notify(event: str, channel: str, payload: Mapping[str, Any]) -> bool:
    """Emit through the notify hook; False when none is installed."""
    if _notify_hook is None:
        return False
    _notify_hook(NOTIFY_EVENT_PREFIX + event, payload, channel)
    return True
