"""Names the plugin shares with Saleor, Celery and the merchant's configuration, in one place.

Pure data: no Django, no Saleor, so any module (the sandbox's Celery app included) can import it first.
"""

PLUGIN_ID = "saleor.aftersales"
"""The plugin's identifier in Saleor (``pluginUpdate(id: ...)``, ``/plugins/channel/<slug>/<PLUGIN_ID>/``)."""

# --- the channel configuration's fields (camelCase: Saleor camelCases a validation error's field, and the Dashboard
# matches it to the field)

POLICY = "policy"
LANGUAGES = "languages"
STAFF_NOTIFICATION_EMAILS = "staffNotificationEmails"
SENDER_NAME = "senderName"
SENDER_ADDRESS = "senderAddress"
ESCALATION_CONTACTS = "escalationContacts"
CUSTOMER_FAVOURABLE = "customerFavourable"
STATUTORY_MINIMUMS = "statutoryMinimums"
"""What a save does with a policy offering less than a statutory minimum."""
DELIVERY_STATUS = "deliveryStatus"
REFUND_REASON_REFERENCE = "refundReasonReference"
TEMPLATE_OVERRIDES = "templateOverrides"

GROUP_PREFIX = "group:"
"""A recipient ``group:<name>`` stands for the active staff of the host's permission group ``<name>``."""

# --- Celery task names (registered names: queued messages and beat rows refer to them)

DELIVER_OUTBOX = "saleor_aftersales_plugin.deliver_outbox"
SLA_SWEEP = "saleor_aftersales_plugin.sla_sweep"
POLICY_REMINDER = "saleor_aftersales_plugin.send_policy_reminder"
RECORD_SALEOR_ORDER = "saleor_aftersales_plugin.record_saleor_order"
RECONCILE_REFUNDS = "saleor_aftersales_plugin.reconcile_refunds"

PERIODIC_TASKS = {
    "after-sales: SLA sweep": (SLA_SWEEP, 5),
    "after-sales: deliver outbox": (DELIVER_OUTBOX, 1),
    "after-sales: reconcile pending refunds": (RECONCILE_REFUNDS, 5),
}
"""Periodic task name -> (task, every N minutes): the django-celery-beat rows written inside Saleor."""

# --- metadata the plugin writes on Saleor objects

CASE_TAG = "aftersales_case"
"""Metadata key on Saleor objects (return fulfilments, gift cards, replacement orders) naming the case that made them;
also the tag ``[aftersales_case:<id>]`` in the reason of a granted refund."""
REFUND_TAG = "aftersales_refund"
"""Metadata key on a return fulfilment: the refund already made for its case (legacy payment flow)."""
ORDER_TAG = "aftersales_order"
"""Metadata key on a gift card the plugin issued: the order whose lines it settles."""
LINES_TAG = "aftersales_lines"
"""Metadata key: the money per order line that a plugin gift card or legacy refund settles (the ledger reads it)."""
GRANTED_REFUND = "granted-refund:"
PAYMENT_REFUND = "payment-refund:"
"""Prefixes of refund references: a granted refund (Transactions flow) or a legacy payment refund transaction."""
