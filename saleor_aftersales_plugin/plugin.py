"""The Saleor plugin: per-channel configuration, hooks that record order facts, and the HTTP endpoint.

Hooks only enqueue the ``record_saleor_order`` task — one publish, no query, no transaction — and never raise into
Saleor. The task (off Saleor's request path) publishes the channel's configured policy if it has none yet
(:func:`ensure_channel_policy`), translates the Saleor order into facts (see :mod:`.saleor_adapter`) and calls the
services. The endpoint ``/plugins/channel/<channel-slug>/saleor.aftersales/`` serves ``graphql/`` and ``policy/``.

A valid policy is published as a new version in ``pre_save_plugin_configuration``: Saleor calls it right after
``validate_plugin_configuration`` accepted the save, and the configuration row it receives names the channel.
"""

import contextvars
import json
import logging
import re
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from saleor.core.utils import build_absolute_uri
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField
from saleor.plugins.error_codes import PluginErrorCode

from . import saleor_adapter as adapter
from .config import (
    STATUTORY_MINIMUMS,
    SettingInvalid,
    StatutoryMode,
    parse_statutory_mode,
    refusal_message,
    statutory_refusal,
)
from .dashboard_app import app_response, manifest
from .rules.document import SourceError, load_source
from .rules.validation import parse_policy, validate_policy

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_POLICY", "AfterSalesPlugin"]

PLUGIN_ID = adapter.PLUGIN_ID

# Saleor imports this module in its web and Celery processes (its Celery app discovers plugin packages), so both
# deliver messages through Saleor's notify pipeline, its staff groups and the channel's template overrides.
adapter.install_notification_hooks()

DEFAULT_POLICY = """\
# Returns and warranty for this channel. Currency and country come from the channel unless you set them under
# defaults (currency: EUR, country: DE); time_zone is UTC unless you set one (e.g. time_zone: Europe/Berlin);
# languages come from the Languages setting unless you list them here.
schema_version: 1.1
name: "Returns and warranty"
defaults:
  eligible: true
  window: {days: 7, anchor: delivery, day_kind: calendar}
  resolutions: [refund, store_credit, exchange]
  review: required
  warranty_months: 24
  store_credit_bonus: 0
  prior_returns_days: 90
rules:
  - id: defects-30-days
    description: "Defective items: 30 days from delivery, no fees; refund, exchange or repair."
    priority: 100
    conditions:
      all:
        - {name: reason, operator: equal_to, value: defective}
    actions:
      - {name: allow, params: {reason: defect_claim}}
      - {name: set_window, params: {days: 30}}
      - {name: waive_fee, params: {code: "*"}}
      - {name: set_resolutions, params: {resolutions: [refund, exchange, repair]}}
  - id: gift-cards
    description: "Gift cards cannot be returned."
    priority: 90
    conditions:
      all:
        - {name: is_gift_card, operator: is_true}
    actions:
      - {name: deny, params: {reason: gift_card}}
texts:
  en:
    defect_claim: "Faulty items can be returned within 30 days of delivery, free of charge."
    gift_card: "Gift cards cannot be returned."
    window_expired: "The 7-day return period for this item has ended."
"""

# Names are camelCase because Saleor camelCases the field of a validation error: the Dashboard can then match it.
CONFIG_STRUCTURE: dict[str, dict[str, Any]] = {
    "policy": {
        "type": ConfigurationTypeField.MULTILINE,
        "label": "After-sales policy (YAML or JSON)",
        "help_text": (
            "The rules customers' requests are decided by: return windows, fees, which items can be returned, "
            "repairs and warranty. Every save that changes it publishes a new version; orders keep the version "
            "in force when they were placed. Leave out currency and country to use the channel's."
        ),
    },
    "languages": {
        "type": ConfigurationTypeField.STRING,
        "label": "Languages",
        "help_text": (
            "Languages customers are answered in, comma-separated, first is the default (e.g. en, de, zh_Hans); "
            "used when the policy does not list its own languages."
        ),
    },
    "staffNotificationEmails": {
        "type": ConfigurationTypeField.STRING,
        "label": "Staff notification addresses",
        "help_text": "Comma-separated email addresses told about new requests and escalations.",
    },
    "senderName": {
        "type": ConfigurationTypeField.STRING,
        "label": "Sender name",
        "help_text": "The name customers see on after-sales emails, e.g. 'Volt Customer Care'.",
    },
    "senderAddress": {
        "type": ConfigurationTypeField.STRING,
        "label": "Sender address",
        "help_text": "The email address after-sales emails come from; empty uses the shop's default sender.",
    },
    "escalationContacts": {
        "type": ConfigurationTypeField.STRING,
        "label": "Escalation contacts",
        "help_text": (
            "Comma-separated addresses or group:<name> entries that the policy's escalation tiers can notify "
            "besides those named in the policy."
        ),
    },
    "customerFavourable": {
        "type": ConfigurationTypeField.BOOLEAN,
        "label": "Customer-favourable mode",
        "help_text": (
            "When on, every order is judged by the more generous of the policy in force when it was placed and "
            "the current one (the same as customer_favourable: true in the policy's defaults; the published "
            "policy says so)."
        ),
    },
    STATUTORY_MINIMUMS: {
        "type": ConfigurationTypeField.STRING,
        "label": "Statutory minimums",
        "help_text": (
            "What a save does when the policy offers less than the law's minimum no-reason withdrawal period in "
            "a country it serves (EU/EEA and UK 14 days, mainland China 7 days): 'warn' (default) publishes it "
            "and `policy check` warns; 'refuse' refuses the save and names every shortfall."
        ),
    },
    "deliveryStatus": {
        "type": ConfigurationTypeField.OUTPUT,
        "label": "Message delivery",
        "help_text": (
            "Whether after-sales e-mails can be delivered, checked on every save; messages that fail are listed "
            "with their reason by the afterSalesOutbox query."
        ),
    },
    "refundReasonReference": {
        "type": ConfigurationTypeField.STRING,
        "label": "Refund reason reference",
        "help_text": (
            "When the shop's refund settings require a reason reference, the slug (or id) of the page of that "
            "type that the plugin's refunds carry; without it such refunds are refused before any money moves."
        ),
    },
    "templateOverrides": {
        "type": ConfigurationTypeField.MULTILINE,
        "label": "Email template overrides (JSON)",
        "help_text": (
            'Optional JSON object replacing email templates by "<language>/<event>.<part>" (part: subject, txt '
            'or html), e.g. {"en/approved.subject": "Return {{ case_number }} approved"}; empty keeps the built-in '
            "texts. Every template is test-rendered when you save."
        ),
    },
}

DEFAULT_CONFIGURATION: list[dict[str, Any]] = [
    {"name": "policy", "value": DEFAULT_POLICY},
    {"name": "languages", "value": "en"},
    {"name": "staffNotificationEmails", "value": ""},
    {"name": "senderName", "value": ""},
    {"name": "senderAddress", "value": ""},
    {"name": "escalationContacts", "value": ""},
    {"name": "customerFavourable", "value": False},
    {"name": STATUTORY_MINIMUMS, "value": StatutoryMode.WARN.value},
    {"name": "refundReasonReference", "value": ""},
    {"name": "templateOverrides", "value": ""},
    {"name": "deliveryStatus", "value": ""},
]


class ConfigurationErrors(Exception):
    def __init__(self, by_field: dict[str, ValidationError]) -> None:
        super().__init__(by_field)
        self.by_field = by_field


def config_value(configuration: list[dict[str, Any]], name: str) -> Any:
    for item in configuration or ():
        if item.get("name") == name:
            return item.get("value")
    return next(item["value"] for item in DEFAULT_CONFIGURATION if item["name"] == name)


def complete_policy(
    data: dict[str, Any], channel: Any, *, customer_favourable: Any = False, languages: Any = None
) -> dict[str, Any]:
    """Fill the currency, country and time zone the merchant left out from the channel (time zone: UTC) and the
    languages from the Languages setting; the Dashboard's customer-favourable switch turns that mode on."""
    defaults = data.get("defaults")
    if not isinstance(defaults, dict):
        return data
    filled = dict(defaults)
    if _list(languages):
        filled.setdefault("languages", _list(languages))
    if _switched_on(customer_favourable):
        filled["customer_favourable"] = True
    if channel is not None:
        filled.setdefault("currency", channel.currency_code)
        if channel.default_country:
            filled.setdefault("country", channel.default_country.code)
    filled.setdefault("time_zone", "UTC")
    return {**data, "defaults": filled}


def read_policy(
    source: Any, channel: Any, *, customer_favourable: Any = False, languages: Any = None
) -> tuple[dict[str, Any], str]:
    """The policy text of the configuration as data, completed from the channel and the other settings (exactly
    what will be published); every error on the field."""
    if not isinstance(source, str) or not source.strip():
        raise ConfigurationErrors(
            {"policy": ValidationError("Enter a policy; the default one is a good start.")}
        )
    try:
        data, source_format = load_source(source)
    except SourceError as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        raise ConfigurationErrors({"policy": ValidationError(f"{error}{where}")}) from None
    if isinstance(data, dict):
        data = complete_policy(data, channel, customer_favourable=customer_favourable, languages=languages)
    errors = validate_policy(data)
    lines = [f"{error.path}: {error.message}" for error in errors]
    currency = data.get("defaults", {}).get("currency") if isinstance(data, dict) else None
    if channel is not None and isinstance(currency, str) and currency.upper() != channel.currency_code:
        # Orders of the channel are in its currency: every fixed amount must have one there (never converted).
        lines.append(
            f"$.defaults.currency: defaults.currency is {currency.upper()}, but channel '{channel.slug}' sells in "
            f"{channel.currency_code}: set currency: {channel.currency_code} (or leave it out to use the channel's) "
            f"and give every fixed amount a {channel.currency_code} value."
        )
    if lines:
        raise ConfigurationErrors(
            {"policy": ValidationError(f"The policy has {len(lines)} error(s):\n" + "\n".join(lines))}
        )
    return data, source_format


def _list(value: Any) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def validate_settings(values: dict[str, Any]) -> None:
    """Check every setting besides the policy; all problems at once, each on its field."""
    from babel.core import Locale, UnknownLocaleError

    email = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    errors: dict[str, list[str]] = {}
    for code in _list(values.get("languages")):
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            errors.setdefault("languages", []).append(
                f"{code!r} is not a language code; use codes such as en, de, fr or zh_Hans."
            )
    for name in ("staffNotificationEmails", "escalationContacts"):
        for entry in _list(values.get(name)):
            if not email.match(entry) and not (name == "escalationContacts" and entry.startswith("group:")):
                errors.setdefault(name, []).append(f"{entry!r} is not an email address (name@example.com).")
    sender = str(values.get("senderAddress") or "").strip()
    if sender and not email.match(sender):
        errors.setdefault("senderAddress", []).append(
            f"{sender!r} is not an email address (shop@example.com)."
        )
    overrides = str(values.get("templateOverrides") or "").strip()
    if overrides:
        problems = _template_override_problems(overrides)
        if problems:
            errors["templateOverrides"] = problems
    if errors:
        raise ConfigurationErrors({field: ValidationError(messages) for field, messages in errors.items()})


def _template_override_problems(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except ValueError as error:
        return [f"Template overrides must be JSON: {error}."]
    if not isinstance(data, dict):
        return ['Template overrides must be a JSON object such as {"case_approved": {"en": {...}}}.']
    try:
        from .notifications import validate_overrides
    except ImportError:
        return []
    return [str(problem) for problem in validate_overrides(data) or ()]


def _json(status: int, message: str, code: str) -> JsonResponse:
    from .graphql.api import error_answer, new_request_id

    request_id = new_request_id()
    response = JsonResponse(error_answer(code, message, request_id), status=status)
    response["X-Request-Id"] = request_id
    return response


_CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, Authorization-Bearer",
    "Access-Control-Max-Age": "86400",
}


class AfterSalesPlugin(BasePlugin):
    PLUGIN_ID = PLUGIN_ID
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
        errors: dict[str, ValidationError] = {}
        values = {item["name"]: item.get("value") for item in plugin_configuration.configuration}
        mode = StatutoryMode.WARN
        try:
            mode = parse_statutory_mode(values.get(STATUTORY_MINIMUMS))
        except SettingInvalid as error:
            errors[STATUTORY_MINIMUMS] = ValidationError(str(error))
        try:
            data, _format = read_policy(
                values.get("policy"),
                plugin_configuration.channel,
                customer_favourable=values.get("customerFavourable"),
                languages=values.get("languages"),
            )
        except ConfigurationErrors as error:
            errors.update(error.by_field)
        else:
            refused = statutory_refusal(parse_policy(data), mode)
            if refused:
                errors["policy"] = ValidationError(refusal_message(refused))
        try:
            validate_settings(values)
        except ConfigurationErrors as error:
            errors.update(error.by_field)
        if errors:
            raise _dashboard_errors(errors)

    @classmethod
    def pre_save_plugin_configuration(cls, plugin_configuration: Any) -> None:
        channel = plugin_configuration.channel
        if channel is None:
            return
        values = {item["name"]: item.get("value") for item in plugin_configuration.configuration}
        try:
            _publish(
                channel,
                values.get("policy"),
                created_by=_published_by.get(),
                customer_favourable=values.get("customerFavourable"),
                languages=values.get("languages"),
            )
        except ConfigurationErrors as error:
            raise _dashboard_errors(error.by_field) from None
        _show_delivery_status(plugin_configuration)
        _register_periodic_tasks()

    def _setting(self, name: str) -> Any:
        return config_value(self.configuration, name)

    def _ensure_policy(self) -> None:
        """Publish the configured policy if the channel has none yet (a configuration never saved through the API).

        Saleor builds the plugin per request, so this costs at most one indexed query per request.
        """
        from .models import PolicyVersion

        if self.channel is None or getattr(self, "_policy_checked", False):
            return
        if not PolicyVersion.objects.filter(channel=self.channel.slug).exists():
            _publish(
                self.channel,
                self._setting("policy"),
                created_by="plugin",
                customer_favourable=self._setting("customerFavourable"),
                languages=self._setting("languages"),
            )
        self._policy_checked = True

    # --- hooks: enqueue the recording, never raise into Saleor

    def _record_later(self, event: str, order_id: Any) -> None:
        """Hand the event to the record_saleor_order task: with a broker the hook costs one publish and nothing
        else (the task publishes a missing policy before it records the order)."""
        try:
            from .tasks import record_saleor_order

            record_saleor_order.delay(str(order_id), event, timezone.now().isoformat())
        except Exception:
            logger.exception(
                "After-sales: recording %s of order %s failed; Saleor's flow continues and the order is recorded "
                "again on its next event or when the API is first asked about it.",
                event,
                order_id,
            )

    def order_created(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("created", order.pk)
        return previous_value

    def order_confirmed(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("confirmed", order.pk)
        return previous_value

    def order_paid(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("paid", order.pk)
        return previous_value

    def order_fully_paid(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("paid", order.pk)
        return previous_value

    def _fulfilment(self, fulfillment: Any) -> None:
        from saleor.order import FulfillmentStatus

        # A fulfilment waiting for approval has not left the warehouse yet; fulfillment_approved follows.
        if fulfillment.status == FulfillmentStatus.FULFILLED:
            self._record_later("fulfilled", fulfillment.order_id)

    def fulfillment_created(self, fulfillment: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._fulfilment(fulfillment)
        return previous_value

    def fulfillment_approved(self, fulfillment: Any, previous_value: Any = None, **kwargs: Any) -> Any:
        self._fulfilment(fulfillment)
        return previous_value

    def order_fulfilled(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        # fulfillment_created/approved, which Saleor fires first, already recorded the fulfilment.
        return previous_value

    def order_cancelled(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("cancelled", order.pk)
        return previous_value

    def order_refunded(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("refunded", order.pk)
        return previous_value

    def order_fully_refunded(self, order: Any, previous_value: Any, **kwargs: Any) -> Any:
        self._record_later("refunded", order.pk)
        return previous_value

    # --- HTTP

    def webhook(self, request: Any, path: str, previous_value: Any) -> HttpResponse:
        route = (path or "").strip("/")
        if route == "app" or route.startswith("app/"):
            # The Dashboard app's public files: served whether or not this channel has the plugin on.
            return _dashboard_app(request, route[len("app/") :])
        if not self.active or self.channel is None:
            return _json(404, "The after-sales service is not enabled in this channel.", "NOT_FOUND")
        prefix = f"/plugins/channel/{self.channel.slug}/"
        if not request.path.startswith(prefix):
            return _json(
                404,
                f"Use the channel's endpoint: /plugins/channel/<channel-slug>/{PLUGIN_ID}/graphql/.",
                "NOT_FOUND",
            )
        if route == "graphql":
            return self._graphql(request)
        if route == "policy" or route.startswith("policy/"):
            return self._policy_page(request, route)
        return _json(404, f"Unknown path {route!r}; use graphql/ or policy/.", "NOT_FOUND")

    def _graphql(self, request: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            for name, value in _CORS_HEADERS.items():
                response[name] = value
            return response
        if request.method != "POST":
            response = _json(405, "Send GraphQL requests as POST with a JSON body.", "METHOD_NOT_ALLOWED")
            response["Allow"] = "POST, OPTIONS"
            return response
        from .graphql.api import RequestContext, answer_http, error_answer, json_bytes, new_request_id

        request_id = new_request_id()
        try:
            caller = adapter.identify(request)
        except adapter.AuthenticationFailed as error:
            status, data = 401, error_answer("UNAUTHENTICATED", str(error), request_id)
        else:
            self._ensure_policy_safely()
            context = RequestContext(
                channel=self.channel.slug,
                principal=caller.principal,
                host=adapter.SaleorHost(user=caller.user, app=caller.app),
                load_order=adapter.ensure_order_recorded,
                policy_host=ConfigurationPolicyHost(self),
            )
            status, data = answer_http(request.body, context, request_id)
        response = HttpResponse(json_bytes(data), status=status, content_type="application/json")
        response["X-Request-Id"] = request_id
        return response

    def _ensure_policy_safely(self) -> None:
        try:
            with transaction.atomic():
                self._ensure_policy()
        except Exception:
            logger.exception("After-sales: could not publish the configured policy of %s", self.channel)

    def _policy_page(self, request: Any, route: str) -> HttpResponse:
        from .publishing.page import policy_page

        if request.method not in ("GET", "HEAD"):
            response = _json(405, "The policy page is read with GET.", "METHOD_NOT_ALLOWED")
            response["Allow"] = "GET, HEAD"
            return response
        self._ensure_policy_safely()
        return policy_page(request, self.channel.slug)


APP_ROUTE = f"/plugins/{PLUGIN_ID}/app/"


def _plugin_version() -> str:
    try:
        return package_version("saleor-aftersales-plugin")
    except PackageNotFoundError:
        return "0.0.0"


def _dashboard_app(request: Any, tail: str) -> HttpResponse:
    """The app manifest (``app/manifest``), the token registration Saleor posts on install (``app/register``:
    acknowledged, not stored, because the app acts with the Dashboard's token) and the app's page and assets."""
    # Saleor's public URL (PUBLIC_URL or the site's domain), as Saleor builds its own links: the Host header of
    # Saleor's own manifest fetch loses the port (its hardened HTTP client sends the bare host name).
    app_url = build_absolute_uri(APP_ROUTE)
    if tail in ("manifest", "manifest.json"):
        return JsonResponse(manifest(app_url, _plugin_version()))
    if tail == "register":
        if request.method != "POST":
            return _json(
                405, "Saleor posts the app token here when it installs the app.", "METHOD_NOT_ALLOWED"
            )
        return JsonResponse({"success": True})
    config = {
        "host": "saleor",
        "graphqlPath": f"/plugins/channel/{{channel}}/{PLUGIN_ID}/graphql/",
        "policyPath": f"/plugins/channel/{{channel}}/{PLUGIN_ID}/policy/",
    }
    return app_response(request, tail, config)


_published_by: contextvars.ContextVar[str] = contextvars.ContextVar(
    "aftersales_published_by", default="dashboard"
)


class ConfigurationPolicyHost:
    """Publishing from the Dashboard app inside Saleor: the policy text is saved into the channel's plugin
    configuration through Saleor's own ``save_plugin_configuration`` (validate, pre-save publish, save), exactly
    as ``pluginUpdate`` does, so the configuration page shows what the app published."""

    def __init__(self, plugin: "AfterSalesPlugin") -> None:
        self.plugin = plugin

    def complete(self, data: dict[str, Any]) -> dict[str, Any]:
        return complete_policy(
            data,
            self.plugin.channel,
            customer_favourable=self.plugin._setting("customerFavourable"),
            languages=self.plugin._setting("languages"),
        )

    def publish(self, text: str, published_by: str) -> tuple[Any, bool]:
        from saleor.plugins.models import PluginConfiguration

        from .services import ServiceError
        from .services.policies import current_policy, read_policy_text

        read_policy_text(text, self.complete)  # every error with its path before Saleor flattens them
        before = current_policy(self.plugin.channel.slug)
        row, _created = PluginConfiguration.objects.get_or_create(
            identifier=PLUGIN_ID,
            channel=self.plugin.channel,
            defaults={"configuration": self.plugin.configuration, "active": self.plugin.active},
        )
        token = _published_by.set(published_by)
        try:
            with transaction.atomic():
                type(self.plugin).save_plugin_configuration(
                    row, {"configuration": [{"name": "policy", "value": text}]}
                )
        except ValidationError as error:
            # The policy passed; another saved setting of the channel no longer does.
            messages = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise ServiceError(
                f"The channel's plugin settings cannot be saved: {messages}", field="policy"
            ) from None
        finally:
            _published_by.reset(token)
        after = current_policy(self.plugin.channel.slug)
        return after, before is None or after.pk != before.pk


def ensure_channel_policy(order_id: str) -> None:
    """Publish the configured policy of the order's channel if the channel has none yet (a configuration never
    saved through the API), so the order is recorded with a policy pinned. Run by the record_saleor_order task."""
    from saleor.order.models import Order
    from saleor.plugins.manager import get_plugins_manager

    from .models import PolicyVersion

    channel_slug = Order.objects.filter(pk=order_id).values_list("channel__slug", flat=True).first()
    if channel_slug is None or PolicyVersion.objects.filter(channel=channel_slug).exists():
        return
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_slug=channel_slug)
    if isinstance(plugin, AfterSalesPlugin) and plugin.active:
        plugin._ensure_policy_safely()


def _dashboard_errors(by_field: dict[str, ValidationError]) -> ValidationError:
    """One message per field (all its problems, one per line) with the code the Dashboard shows on the field."""
    return ValidationError(
        {
            field: ValidationError("\n".join(error.messages), code=PluginErrorCode.INVALID.value)
            for field, error in by_field.items()
        }
    )


def _switched_on(value: Any) -> bool:
    """Saleor stores Boolean configuration values as booleans or as the text 'true'/'false'."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _publish(
    channel: Any, source: Any, *, created_by: str, customer_favourable: Any = False, languages: Any = None
) -> None:
    from .rules.validation import normalise_policy
    from .services import ServiceError
    from .services.policies import publish_policy

    data, source_format = read_policy(
        source, channel, customer_favourable=customer_favourable, languages=languages
    )
    try:
        publish_policy(
            channel.slug,
            normalise_policy(data),
            str(source),
            source_format,
            created_by,
        )
    except ServiceError as error:
        raise ConfigurationErrors({"policy": ValidationError(error.message)}) from None


def delivery_status() -> str:
    """The warning the Dashboard shows in *Message delivery* (OK when e-mails can be delivered)."""
    from .notifications.senders import delivery_problems

    problems = delivery_problems()
    return (
        "Warning: " + " ".join(problems)
        if problems
        else "OK: e-mails are delivered through Saleor's mail backend."
    )


def _show_delivery_status(plugin_configuration: Any) -> None:
    """Write the delivery check into the read-only *Message delivery* field of the saved configuration."""
    status = delivery_status()
    if status.startswith("Warning"):
        logger.warning("After-sales in channel %s: %s", plugin_configuration.channel, status)
    items = [item for item in plugin_configuration.configuration if item.get("name") != "deliveryStatus"]
    plugin_configuration.configuration = [*items, {"name": "deliveryStatus", "value": status}]


def _register_periodic_tasks() -> None:
    """Register the SLA sweeps and reminders with Saleor's beat (database scheduler) once the plugin is configured."""
    try:
        from .tasks import register_periodic_tasks
    except ImportError:
        return
    try:
        register_periodic_tasks()
    except Exception:
        logger.exception("After-sales: could not register the periodic tasks with Celery beat")
