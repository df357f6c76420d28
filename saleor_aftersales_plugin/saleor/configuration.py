"""A channel's plugin configuration inside Saleor: checked on save, its policy published through the services.

The policy is published when a configuration save passes (Saleor calls ``pre_save_plugin_configuration`` right after
``validate_plugin_configuration`` accepted it, with the row naming the channel), when a channel has none yet (a
configuration never saved through the API), and from the Dashboard app (through Saleor's own configuration save, so
the configuration page shows what the app published).
"""

import logging
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.order.models import Order
from saleor.plugins.error_codes import PluginErrorCode
from saleor.plugins.manager import get_plugins_manager
from saleor.plugins.models import PluginConfiguration

from ..config import (
    ChannelConfig,
    ConfigurationErrors,
    complete_policy,
    configuration_errors,
    delivery_status,
    parse_configuration,
    read_policy,
)
from ..constants import DELIVERY_STATUS, PLUGIN_ID, POLICY
from ..models import PolicyVersion
from ..notifications.senders import delivery_problems
from ..rules.validation import normalise_policy
from ..services import ServiceError
from ..services.eligibility import ChannelVersions, channel_versions
from ..services.policies import current_policy, publish_policy, read_policy_text
from .facts import channel_info

logger = logging.getLogger(__name__)

publisher: ContextVar[str] = ContextVar("aftersales_published_by", default="dashboard")
"""Who the policy published by the configuration save in progress is credited to (the Dashboard, unless the app)."""


def dashboard_errors(by_field: dict[str, list[str]]) -> ValidationError:
    """One message per field (all its problems, one per line) with the code the Dashboard shows on the field."""
    return ValidationError(
        {
            field: ValidationError("\n".join(messages), code=PluginErrorCode.INVALID.value)
            for field, messages in by_field.items()
        }
    )


def validate_configuration(plugin_configuration: Any) -> None:
    """Refuse a save with every problem on its field (see :func:`..config.configuration_errors`)."""
    channel = plugin_configuration.channel
    config = parse_configuration(plugin_configuration.configuration)
    errors = configuration_errors(config, channel_info(channel) if channel is not None else None)
    if errors:
        raise dashboard_errors(errors)


def publish_saved_configuration(plugin_configuration: Any) -> None:
    """Publish the policy of a channel's configuration being saved and show whether e-mails can be delivered."""
    channel = plugin_configuration.channel
    try:
        publish_configured_policy(
            channel, parse_configuration(plugin_configuration.configuration), created_by=publisher.get()
        )
    except ConfigurationErrors as error:
        raise dashboard_errors(error.by_field) from None
    show_delivery_status(plugin_configuration)


def show_delivery_status(plugin_configuration: Any) -> None:
    """Write the delivery check into the read-only *Message delivery* field of the saved configuration."""
    status = delivery_status(delivery_problems())
    if status.startswith("Warning"):
        logger.warning("After-sales in channel %s: %s", plugin_configuration.channel, status)
    items = [item for item in plugin_configuration.configuration if item.get("name") != DELIVERY_STATUS]
    plugin_configuration.configuration = [*items, {"name": DELIVERY_STATUS, "value": status}]


def publish_configured_policy(channel: Any, config: ChannelConfig, *, created_by: str) -> None:
    """Publish the configuration's policy as the channel's new version (nothing when it is the current one already);
    raises :class:`ConfigurationErrors` on the policy field."""
    data, source_format = read_policy(config, channel_info(channel))
    try:
        publish_policy(channel.slug, normalise_policy(data), config.policy, source_format, created_by)
    except ServiceError as error:
        raise ConfigurationErrors({POLICY: [error.message]}) from None


def ensure_policy(channel: Any, configuration: list[dict[str, Any]]) -> ChannelVersions | None:
    """Publish the configured policy if the channel has none yet; the channel's versions as read then (one query
    when it has a policy), or None when it has none and publishing failed.

    Never raises into Saleor: a failure is logged and the next request tries again.
    """
    try:
        versions = channel_versions(channel.slug)
        if versions.versions:  # every request but the first: no savepoint
            return versions
        with transaction.atomic():
            if not PolicyVersion.objects.filter(channel=channel.slug).exists():
                publish_configured_policy(channel, parse_configuration(configuration), created_by="plugin")
        return channel_versions(channel.slug)
    except Exception:
        logger.exception("After-sales: could not publish the configured policy of %s", channel)
        return None


def ensure_channel_policy(order_id: str) -> None:
    """Publish the configured policy of the order's channel if the channel has none yet, so the order is recorded
    with a policy pinned (channels whose plugin is inactive are left alone)."""
    channel_slug = Order.objects.filter(pk=order_id).values_list("channel__slug", flat=True).first()
    if channel_slug is not None:
        ensure_policy_of_channel(channel_slug)


def ensure_policy_of_channel(channel_slug: str) -> None:
    """:func:`ensure_channel_policy` for a channel already known."""
    if PolicyVersion.objects.filter(channel=channel_slug).exists():
        return
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_slug=channel_slug)
    if plugin is not None and plugin.active:
        ensure_policy(plugin.channel, plugin.configuration)


class ConfigurationPolicyHost:
    """Publishing from the Dashboard app inside Saleor: the policy text is saved into the channel's plugin
    configuration through Saleor's own ``save_plugin_configuration`` (validate, pre-save publish, save), exactly
    as ``pluginUpdate`` does."""

    def __init__(self, plugin: Any) -> None:
        self.plugin = plugin

    def complete(self, data: dict[str, Any]) -> dict[str, Any]:
        return complete_policy(
            data, parse_configuration(self.plugin.configuration), channel_info(self.plugin.channel)
        )

    def publish(self, text: str, published_by: str) -> tuple[Any, bool]:
        channel = self.plugin.channel
        read_policy_text(text, self.complete)  # every error with its path before Saleor flattens them
        before = current_policy(channel.slug)
        row, _created = PluginConfiguration.objects.get_or_create(
            identifier=PLUGIN_ID,
            channel=channel,
            defaults={"configuration": self.plugin.configuration, "active": self.plugin.active},
        )
        token = publisher.set(published_by)
        try:
            with transaction.atomic():
                type(self.plugin).save_plugin_configuration(
                    row, {"configuration": [{"name": POLICY, "value": text}]}
                )
        except ValidationError as error:
            # The policy passed; another saved setting of the channel no longer does.
            messages = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise ServiceError(
                f"The channel's plugin settings cannot be saved: {messages}", field="policy"
            ) from None
        finally:
            publisher.reset(token)
        after = current_policy(channel.slug)
        return after, before is None or after.pk != before.pk
