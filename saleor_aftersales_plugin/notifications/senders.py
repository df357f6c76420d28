"""Senders: Django's mail backend (Saleor's EMAIL_URL inside Saleor) and the host's own notification channel.

The host (see :class:`~..domain.host.NotificationHost`) is handed in: inside Saleor it passes every message to
``manager.notify`` as an event named ``aftersales_<event>`` (apps with NOTIFY_USER webhooks receive it) and turns
``group:<name>`` recipients into the e-mail addresses of that staff group.

Every message carries its outbox row id as its delivery key: the e-mail's ``Message-ID`` is ``<row id@aftersales>``
(also in the ``X-Aftersales-Delivery-Id`` header) and the notify payload has ``delivery_id``. A receiver that
deduplicates on that key sees each message exactly once even if a worker died between sending and recording it.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string

from ..constants import GROUP_PREFIX
from ..domain.host import NotificationHost
from .rendering import RenderedMessage

__all__ = [
    "NOTIFY_EVENT_PREFIX",
    "delivery_key",
    "delivery_problems",
    "resolve_recipients",
    "send_email",
    "send_notify",
]

NOTIFY_EVENT_PREFIX = "aftersales_"


def delivery_key(message_id: object) -> str:
    return f"<{message_id}@aftersales>"


def resolve_recipients(host: NotificationHost, channel: str, recipient: str) -> list[str]:
    """E-mail addresses for one outbox recipient: itself, or the members of the host's staff group ``group:<name>``."""
    if recipient.startswith(GROUP_PREFIX):
        members = host.staff_group_emails(channel, recipient[len(GROUP_PREFIX) :])
        return sorted({address for address in members if address})
    return [recipient] if recipient else []


def delivery_problems() -> list[str]:
    """Why e-mail delivery cannot work in this process (empty when it can): checked when the plugin is saved.

    Saleor sets ``EMAIL_BACKEND`` from ``EMAIL_URL``; without it every message would wait in the outbox forever.
    """
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


def send_notify(host: NotificationHost, event: str, channel: str, payload: Mapping[str, Any]) -> None:
    """Emit the message through the host's notification channel as ``aftersales_<event>``."""
    host.notify(NOTIFY_EVENT_PREFIX + event, payload, channel)
