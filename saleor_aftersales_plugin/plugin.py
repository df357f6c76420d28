"""The Saleor plugin: per-channel configuration, hooks that hand order events to a task, and the HTTP endpoint.

Hooks hand the event to the ``record_saleor_orders`` task (:mod:`.saleor.tasks`) and never raise into Saleor. With
a broker (``CELERY_BROKER_URL``) that is all a hook does on Saleor's request path: it notes the event, and the
request's events go to the broker in one publish when the request ends (:mod:`.saleor.recording`); no query, no
transaction. Saleor without a broker runs Celery tasks eagerly, and then the task runs inside the hook: it reads the
order, may publish the channel's configured policy (when the channel has none yet) and records the order in its own
transaction; a failure is logged, and the order is recorded again on its next event.

The configuration is checked and its policy published by :mod:`.saleor.configuration`; the endpoint
``/plugins/channel/<channel-slug>/saleor.aftersales/`` (``graphql/`` and ``policy/``) and the Dashboard app's files
(``/plugins/saleor.aftersales/app/``) are served by :mod:`.saleor.endpoint`.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from saleor.order import FulfillmentStatus
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField

from . import constants as setting
from .config import DEFAULT_CONFIGURATION
from .saleor import configuration, endpoint, recording
from .saleor.tasks import register_periodic_tasks
from .services.eligibility import ChannelVersions

logger = logging.getLogger(__name__)

__all__ = ["AfterSalesPlugin"]

CONFIG_STRUCTURE: dict[str, dict[str, Any]] = {
    setting.POLICY: {
        "type": ConfigurationTypeField.MULTILINE,
        "label": "After-sales policy (YAML or JSON)",
        "help_text": (
            "The rules customers' requests are decided by: return windows, fees, which items can be returned, "
            "repairs and warranty. Every save that changes it publishes a new version; orders keep the version "
            "in force when they were placed. Leave out currency and country to use the channel's."
        ),
    },
    setting.LANGUAGES: {
        "type": ConfigurationTypeField.STRING,
        "label": "Languages",
        "help_text": (
            "Languages customers are answered in, comma-separated, first is the default (e.g. en, de, zh_Hans); "
            "used when the policy does not list its own languages."
        ),
    },
    setting.STAFF_NOTIFICATION_EMAILS: {
        "type": ConfigurationTypeField.STRING,
        "label": "Staff notification addresses",
        "help_text": "Comma-separated email addresses told about new requests and escalations.",
    },
    setting.SENDER_NAME: {
        "type": ConfigurationTypeField.STRING,
        "label": "Sender name",
        "help_text": "The name customers see on after-sales emails, e.g. 'Volt Customer Care'.",
    },
    setting.SENDER_ADDRESS: {
        "type": ConfigurationTypeField.STRING,
        "label": "Sender address",
        "help_text": "The email address after-sales emails come from; empty uses the shop's default sender.",
    },
    setting.ESCALATION_CONTACTS: {
        "type": ConfigurationTypeField.STRING,
        "label": "Escalation contacts",
        "help_text": (
            "Comma-separated addresses or group:<name> entries that the policy's escalation tiers can notify "
            "besides those named in the policy."
        ),
    },
    setting.CUSTOMER_FAVOURABLE: {
        "type": ConfigurationTypeField.BOOLEAN,
        "label": "Customer-favourable mode",
        "help_text": (
            "When on, every order is judged by the more generous of the policy in force when it was placed and "
            "the current one (the same as customer_favourable: true in the policy's defaults; the published "
            "policy says so)."
        ),
    },
    setting.STATUTORY_MINIMUMS: {
        "type": ConfigurationTypeField.STRING,
        "label": "Statutory minimums",
        "help_text": (
            "What a save does when the policy offers less than the law's minimum no-reason withdrawal period in "
            "a country it serves (EU/EEA and UK 14 days, mainland China 7 days): 'warn' (default) publishes it "
            "and `policy check` warns; 'refuse' refuses the save and names every shortfall."
        ),
    },
    setting.DELIVERY_STATUS: {
        "type": ConfigurationTypeField.OUTPUT,
        "label": "Message delivery",
        "help_text": (
            "Whether after-sales e-mails can be delivered, checked on every save; messages that fail are listed "
            "with their reason by the afterSalesOutbox query."
        ),
    },
    setting.REFUND_REASON_REFERENCE: {
        "type": ConfigurationTypeField.STRING,
        "label": "Refund reason reference",
        "help_text": (
            "When the shop's refund settings require a reason reference, the slug (or id) of the page of that "
            "type that the plugin's refunds carry; without it such refunds are refused before any money moves."
        ),
    },
    setting.TEMPLATE_OVERRIDES: {
        "type": ConfigurationTypeField.MULTILINE,
        "label": "Email template overrides (JSON)",
        "help_text": (
            'Optional JSON object replacing email templates by "<language>/<event>.<part>" (part: subject, txt '
            'or html), e.g. {"en/approved.subject": "Return {{ case_number }} approved"}; empty keeps the built-in '
            "texts. Every template is test-rendered when you save."
        ),
    },
}
"""The Dashboard's fields; names are camelCase because Saleor camelCases the field of a validation error, so the
Dashboard can match it."""


def _order_event_hook(event: str) -> Callable[..., Any]:
    """A hook of Saleor's that notes ``event`` of the order it is given and hands Saleor back its value."""

    def hook(self: "OrderEventHooks", order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self.note_order_event(event, order.pk)
        return previous_value

    return hook


class OrderEventHooks:
    """Saleor's order hooks, each noting its event as the recording task names it (:data:`.saleor.events.ORDER_EVENTS`)
    and handing Saleor back its value. Every path that fulfils lines in Saleor fires fulfillment_created (and
    fulfillment_approved when approval was pending) before order_fulfilled, so those two record fulfilments."""

    def note_order_event(self, event: str, order_id: Any) -> None:
        recording.record_later(event, order_id)

    order_created = _order_event_hook("created")
    order_confirmed = _order_event_hook("confirmed")
    order_paid = order_fully_paid = _order_event_hook("paid")
    order_cancelled = _order_event_hook("cancelled")
    order_refunded = order_fully_refunded = _order_event_hook("refunded")

    def fulfillment_created(self, fulfillment: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        # A fulfilment waiting for approval has not left the warehouse yet.
        if fulfillment.status == FulfillmentStatus.FULFILLED:
            self.note_order_event("fulfilled", fulfillment.order_id)
        return previous_value

    fulfillment_approved = fulfillment_created


class AfterSalesPlugin(OrderEventHooks, BasePlugin):
    PLUGIN_ID = setting.PLUGIN_ID
    PLUGIN_NAME = "After-sales"
    PLUGIN_DESCRIPTION = (
        "Returns, exchanges, repairs, warranty claims and complaints, decided by the channel's published "
        "after-sales policy; refunds, return fulfilments, gift cards and replacement orders go through Saleor."
    )
    CONFIGURATION_PER_CHANNEL = True
    DEFAULT_ACTIVE = False
    CONFIG_STRUCTURE = CONFIG_STRUCTURE
    DEFAULT_CONFIGURATION = DEFAULT_CONFIGURATION

    # --- configuration

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration: Any, **kwargs: Any) -> None:
        configuration.validate_configuration(plugin_configuration)

    @classmethod
    def pre_save_plugin_configuration(cls, plugin_configuration: Any) -> None:
        if plugin_configuration.channel is not None:
            configuration.publish_saved_configuration(plugin_configuration)
            register_periodic_tasks()

    def ensure_policy(self) -> ChannelVersions | None:
        """Publish the configured policy if the channel has none yet; the channel's versions as read for that (Saleor
        builds the plugin per request, so this costs one indexed query per request, which the request's decisions
        reuse). None when the plugin serves no channel or the policy could not be published."""
        if self.channel is None:
            return None
        if getattr(self, "_policy_versions", None) is None:
            self._policy_versions = configuration.ensure_policy(self.channel, self.configuration)
        return self._policy_versions

    # --- HTTP

    def webhook(self, request: Any, path: str, previous_value: Any) -> HttpResponse:
        route = (path or "").strip("/")
        if route == "app" or route.startswith("app/"):
            # The Dashboard app's public files: served whether or not this channel has the plugin on.
            return endpoint.dashboard_app(request, route[len("app/") :])
        if not self.active or self.channel is None:
            return endpoint.json_error(
                404, "The after-sales service is not enabled in this channel.", "NOT_FOUND"
            )
        if not request.path.startswith(f"/plugins/channel/{self.channel.slug}/"):
            return endpoint.json_error(
                404,
                f"Use the channel's endpoint: /plugins/channel/<channel-slug>/{setting.PLUGIN_ID}/graphql/.",
                "NOT_FOUND",
            )
        if route == "graphql":
            return endpoint.graphql(self, request)
        if route == "policy" or route.startswith("policy/"):
            return endpoint.policy(self, request)
        return endpoint.json_error(404, f"Unknown path {route!r}; use graphql/ or policy/.", "NOT_FOUND")
