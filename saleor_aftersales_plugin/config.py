"""A channel's plugin configuration: parsed once into :class:`ChannelConfig`, checked field by field.

No Saleor here: plugin.py hands Saleor's configuration list in and shows the errors on the Dashboard's fields, so CI
tests every rule and message. :func:`parse_configuration` never raises (a value it cannot use is recorded in
``ChannelConfig.errors`` and read as empty); :func:`configuration_errors` is the whole check a save must pass.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.resources import files
from typing import Any

from .constants import (
    CUSTOMER_FAVOURABLE,
    DELIVERY_STATUS,
    ESCALATION_CONTACTS,
    GROUP_PREFIX,
    LANGUAGES,
    POLICY,
    REFUND_REASON_REFERENCE,
    SENDER_ADDRESS,
    SENDER_NAME,
    STAFF_NOTIFICATION_EMAILS,
    STATUTORY_MINIMUMS,
    TEMPLATE_OVERRIDES,
)
from .domain.host import ChannelContacts
from .i18n import normalise_language
from .notifications import validate_overrides
from .rules.document import Policy, SourceError, load_source
from .rules.statutory import Shortfall, shortfalls
from .rules.validation import parse_policy, validate_policy

DEFAULT_POLICY = (files(__package__) / "default_policy.yaml").read_text(encoding="utf-8")
"""The policy a channel starts with (``default_policy.yaml``, shipped with the package)."""

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class StatutoryMode(StrEnum):
    WARN = "warn"
    """Publish, and list the shortfalls in `policy check` and the policy validation."""
    REFUSE = "refuse"
    """Refuse the save, naming every shortfall."""


DEFAULT_CONFIGURATION: list[dict[str, Any]] = [
    {"name": POLICY, "value": DEFAULT_POLICY},
    {"name": LANGUAGES, "value": "en"},
    {"name": STAFF_NOTIFICATION_EMAILS, "value": ""},
    {"name": SENDER_NAME, "value": ""},
    {"name": SENDER_ADDRESS, "value": ""},
    {"name": ESCALATION_CONTACTS, "value": ""},
    {"name": CUSTOMER_FAVOURABLE, "value": False},
    {"name": STATUTORY_MINIMUMS, "value": StatutoryMode.WARN.value},
    {"name": REFUND_REASON_REFERENCE, "value": ""},
    {"name": TEMPLATE_OVERRIDES, "value": ""},
    {"name": DELIVERY_STATUS, "value": ""},
]
"""Saleor's ``DEFAULT_CONFIGURATION`` of the plugin: what a channel's configuration holds before any save."""


class SettingInvalid(ValueError):
    """A setting's value is not one it accepts; the message says which values are."""


class ConfigurationErrors(Exception):
    """The configuration cannot be saved; ``by_field`` holds every problem, per field, in the order found."""

    def __init__(self, by_field: Mapping[str, list[str]]) -> None:
        super().__init__(dict(by_field))
        self.by_field = dict(by_field)


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What the configuration check needs of the host's channel."""

    slug: str
    currency: str
    country: str = ""


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One channel's settings, parsed (defaults for the fields it does not hold)."""

    policy: str = ""
    """The policy text as the merchant wrote it (YAML or JSON); empty when the field holds no text."""
    languages: tuple[str, ...] = ()
    staff_emails: tuple[str, ...] = ()
    sender_name: str = ""
    sender_address: str = ""
    escalation_contacts: tuple[str, ...] = ()
    """E-mail addresses and ``group:<name>`` entries."""
    customer_favourable: bool = False
    statutory_minimums: StatutoryMode = StatutoryMode.WARN
    refund_reason_reference: str = ""
    """The slug (or Page global id) of the page refunds carry as their reason reference."""
    template_overrides: Mapping[str, Any] = field(default_factory=dict)
    """The overrides as JSON data; empty when unset or unreadable (then ``errors`` says why)."""
    errors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Problems found while parsing, by field: the values above fell back to their defaults."""

    @property
    def sender(self) -> str:
        """The From header: 'Name <address>', the bare address, or empty (the shop's default sender)."""
        if not self.sender_address:
            return ""
        return f"{self.sender_name} <{self.sender_address}>" if self.sender_name else self.sender_address

    @property
    def contacts(self) -> ChannelContacts:
        return ChannelContacts(self.sender, self.staff_emails, self.escalation_contacts)


def split_list(value: Any) -> tuple[str, ...]:
    """A comma-separated setting as its non-empty, stripped entries."""
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def switched_on(value: Any) -> bool:
    """Saleor stores Boolean configuration values as booleans or as the text 'true'/'false'."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def parse_statutory_mode(value: Any) -> StatutoryMode:
    """The setting's text (empty: warn), case and surrounding spaces ignored."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return StatutoryMode.WARN
    try:
        return StatutoryMode(text)
    except ValueError:
        raise SettingInvalid(
            f"{str(value).strip()!r} is not a choice: write 'warn' (publish and warn) or 'refuse' (refuse a "
            "policy that offers less than the law's minimum withdrawal period in a country it serves)."
        ) from None


def _read_languages(codes: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """The language tags in their canonical form (``zh-Hans`` -> ``zh_Hans``), and a problem per unknown tag."""
    languages, problems = [], []
    for code in codes:
        try:
            languages.append(normalise_language(code))
        except ValueError as error:
            problems.append(str(error))
    return tuple(languages), problems


def _address_problems(
    entries: Iterable[str], *, groups: bool, example: str = "name@example.com"
) -> list[str]:
    return [
        f"{entry!r} is not an email address ({example})."
        for entry in entries
        if not EMAIL.match(entry) and not (groups and entry.startswith(GROUP_PREFIX))
    ]


def _read_overrides(text: str) -> tuple[dict[str, Any], list[str]]:
    if not text:
        return {}, []
    try:
        data = json.loads(text)
    except ValueError as error:
        return {}, [f"Template overrides must be JSON: {error}."]
    if not isinstance(data, dict):
        return {}, [
            'Template overrides must be a JSON object such as {"en/approved.subject": "Return {{ case_number }} '
            'approved"}.'
        ]
    return data, []


def parse_configuration(configuration: Iterable[Mapping[str, Any]] | None) -> ChannelConfig:
    """Saleor's configuration list (``[{"name": ..., "value": ...}]``) as a :class:`ChannelConfig`.

    A field the list does not hold has its :data:`DEFAULT_CONFIGURATION` value. Never raises.
    """
    values = {item["name"]: item.get("value") for item in DEFAULT_CONFIGURATION}
    values.update({item.get("name"): item.get("value") for item in configuration or ()})
    errors: dict[str, list[str]] = {}
    mode = StatutoryMode.WARN
    try:
        mode = parse_statutory_mode(values.get(STATUTORY_MINIMUMS))
    except SettingInvalid as error:
        errors[STATUTORY_MINIMUMS] = [str(error)]
    languages, language_problems = _read_languages(split_list(values.get(LANGUAGES)))
    staff = split_list(values.get(STAFF_NOTIFICATION_EMAILS))
    escalation = split_list(values.get(ESCALATION_CONTACTS))
    sender = str(values.get(SENDER_ADDRESS) or "").strip()
    overrides, override_problems = _read_overrides(str(values.get(TEMPLATE_OVERRIDES) or "").strip())
    for name, problems in (
        (LANGUAGES, language_problems),
        (STAFF_NOTIFICATION_EMAILS, _address_problems(staff, groups=False)),
        (ESCALATION_CONTACTS, _address_problems(escalation, groups=True)),
        (
            SENDER_ADDRESS,
            _address_problems([sender] if sender else [], groups=False, example="shop@example.com"),
        ),
        (TEMPLATE_OVERRIDES, override_problems),
    ):
        if problems:
            errors[name] = problems
    policy = values.get(POLICY)
    return ChannelConfig(
        policy=policy if isinstance(policy, str) else "",
        languages=languages,
        staff_emails=staff,
        sender_name=str(values.get(SENDER_NAME) or "").strip(),
        sender_address=sender,
        escalation_contacts=escalation,
        customer_favourable=switched_on(values.get(CUSTOMER_FAVOURABLE)),
        statutory_minimums=mode,
        refund_reason_reference=str(values.get(REFUND_REASON_REFERENCE) or "").strip(),
        template_overrides=overrides,
        errors={name: tuple(problems) for name, problems in errors.items()},
    )


def complete_policy(
    data: dict[str, Any], config: ChannelConfig, channel: ChannelInfo | None
) -> dict[str, Any]:
    """Fill the currency, country and time zone the merchant left out from the channel (time zone: UTC) and the
    languages from the Languages setting; the Dashboard's customer-favourable switch turns that mode on."""
    defaults = data.get("defaults")
    if not isinstance(defaults, dict):
        return data
    filled = dict(defaults)
    if config.languages:
        filled.setdefault("languages", list(config.languages))
    if config.customer_favourable:
        filled["customer_favourable"] = True
    if channel is not None:
        filled.setdefault("currency", channel.currency)
        if channel.country:
            filled.setdefault("country", channel.country)
    filled.setdefault("time_zone", "UTC")
    return {**data, "defaults": filled}


def read_policy(config: ChannelConfig, channel: ChannelInfo | None) -> tuple[dict[str, Any], str]:
    """The configured policy as data, completed from the channel and the other settings (exactly what will be
    published), and its format; raises :class:`ConfigurationErrors` with every problem on the policy field."""
    source = config.policy
    if not source.strip():
        raise ConfigurationErrors({POLICY: ["Enter a policy; the default one is a good start."]})
    try:
        data, source_format = load_source(source)
    except SourceError as error:
        where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
        raise ConfigurationErrors({POLICY: [f"{error}{where}"]}) from None
    if isinstance(data, dict):
        data = complete_policy(data, config, channel)
    lines = [f"{error.path}: {error.message}" for error in validate_policy(data)]
    currency = data.get("defaults", {}).get("currency") if isinstance(data, dict) else None
    if channel is not None and isinstance(currency, str) and currency.upper() != channel.currency:
        # Orders of the channel are in its currency: every fixed amount must have one there (never converted).
        lines.append(
            f"$.defaults.currency: defaults.currency is {currency.upper()}, but channel '{channel.slug}' sells in "
            f"{channel.currency}: set currency: {channel.currency} (or leave it out to use the channel's) "
            f"and give every fixed amount a {channel.currency} value."
        )
    if lines:
        raise ConfigurationErrors({POLICY: [f"The policy has {len(lines)} error(s):\n" + "\n".join(lines)]})
    return data, source_format


def statutory_refusal(policy: Policy, mode: StatutoryMode) -> list[Shortfall]:
    """The shortfalls that make a save fail: all of them in refuse mode, none in warn mode."""
    if mode is not StatutoryMode.REFUSE:
        return []
    return shortfalls(policy)


def refusal_message(found: list[Shortfall]) -> str:
    """The text the Dashboard shows on the policy field."""
    lines = [f"{item.path}: [{item.code}] {item.message}" for item in found]
    return (
        f"The channel refuses policies below the statutory minimums ({STATUTORY_MINIMUMS}: refuse); "
        f"{len(found)} problem(s):\n" + "\n".join(lines)
    )


def configuration_errors(config: ChannelConfig, channel: ChannelInfo | None) -> dict[str, list[str]]:
    """Every reason the configuration cannot be saved, by field (empty when it can): the statutory mode, the policy
    (read, validated, checked against the channel and the statutory minimums), then the other settings, the
    template overrides test-rendered."""
    errors: dict[str, list[str]] = {}
    if STATUTORY_MINIMUMS in config.errors:
        errors[STATUTORY_MINIMUMS] = list(config.errors[STATUTORY_MINIMUMS])
    try:
        data, _format = read_policy(config, channel)
    except ConfigurationErrors as error:
        errors.update(error.by_field)
    else:
        refused = statutory_refusal(parse_policy(data), config.statutory_minimums)
        if refused:
            errors[POLICY] = [refusal_message(refused)]
    for name, problems in config.errors.items():
        if name != STATUTORY_MINIMUMS:
            errors[name] = list(problems)
    if config.template_overrides and TEMPLATE_OVERRIDES not in errors:
        problems = [str(problem) for problem in validate_overrides(config.template_overrides)]
        if problems:
            errors[TEMPLATE_OVERRIDES] = problems
    return errors


def delivery_status(problems: list[str]) -> str:
    """The text the Dashboard shows in *Message delivery*: OK, or a warning with what stops e-mails."""
    return (
        "Warning: " + " ".join(problems)
        if problems
        else "OK: e-mails are delivered through Saleor's mail backend."
    )
