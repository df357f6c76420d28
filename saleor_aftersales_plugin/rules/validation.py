"""Validation of policy documents: every error at once, each with a JSON path, a stable code and a fix.

:func:`validate_policy` never raises, whatever it is given; :func:`parse_policy` turns source text or data
into a :class:`~saleor_aftersales_plugin.rules.document.Policy` or raises :class:`PolicyInvalid` with all the
errors. Errors come in document order: the keys of each mapping are checked in the order they were written;
a missing required key is reported at the start of the mapping that lacks it.
"""

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

import holidays
from babel.core import Locale, UnknownLocaleError
from babel.numbers import is_currency
from business_rules.fields import (
    FIELD_NO_INPUT,
    FIELD_NUMERIC,
    FIELD_SELECT,
    FIELD_SELECT_MULTIPLE,
    FIELD_TEXT,
)

from ..domain.facts import CaseKind, Resolution
from .actions import ACTIONS, ALL_FEES, RETURN_SHIPPING_FEE, ParamSpec
from .calendar import Anchor, DayKind
from .document import (
    MAX_ACTIONS_PER_RULE,
    MAX_CONDITION_DEPTH,
    MAX_CONDITIONS_PER_RULE,
    MAX_RULES,
    SCHEMA_VERSION,
    WEEKDAYS,
    Policy,
    SourceError,
    load_source,
)
from .fees import FeeKind
from .variables import VARIABLES

__all__ = [
    "ACTION_CONSTRAINTS",
    "ERROR_CODES",
    "PolicyError",
    "PolicyInvalid",
    "normalise_policy",
    "parse_policy",
    "validate_policy",
]

ERROR_CODES: dict[str, str] = {
    "syntax_error": "The text is neither valid JSON nor valid YAML; the message gives the line and column.",
    "wrong_type": "A value has the wrong type, e.g. text where a number is needed.",
    "required": "A required key or parameter is missing, or a list that must not be empty is empty.",
    "unknown_key": "A key the policy language does not know (typos get a suggestion).",
    "unsupported_version": "schema_version is not 1.",
    "unknown_currency": "defaults.currency is not an ISO 4217 currency code.",
    "unknown_country": "A country is not an ISO 3166 alpha-2 code, or has no public-holiday calendar.",
    "unknown_subdivision": "calendar.subdivision is not a subdivision of the holiday country.",
    "unknown_time_zone": "defaults.time_zone is not an IANA time zone name.",
    "unknown_language": "A language is no locale identifier, or texts uses one not in defaults.languages.",
    "invalid_choice": "A value is not one of the allowed options.",
    "duplicate_value": "A list holds the same value twice.",
    "invalid_date": "A holiday is not an ISO date (YYYY-MM-DD).",
    "invalid_time": "A working hour is not a time in HH:MM form.",
    "out_of_range": "A number (or time) is outside its allowed range.",
    "out_of_order": "Escalation tiers must not go back in time: after_hours never decreases along a path.",
    "invalid_recipient": "An escalation recipient is neither an email address nor 'group:<name>'.",
    "invalid_id": "A rule id breaks the pattern: lower-case letters, digits, '-' and '_'; at most 63 long.",
    "duplicate_id": "Two rules have the same id.",
    "too_many": "More rules, conditions or actions than the limits allow.",
    "too_deep": "Conditions nested deeper than the limit.",
    "unknown_variable": "A condition names a variable that does not exist.",
    "unknown_operator": "A condition's operator does not exist for its variable's type.",
    "unexpected_value": "A condition whose operator takes no value has one.",
    "invalid_regex": "A matches_regex value is not a valid regular expression.",
    "unknown_action": "An action name that does not exist.",
    "unknown_param": "An action parameter that the action does not take.",
    "unknown_escalation_path": "set_escalation_path names a path the escalation section does not define.",
    "unknown_fee": "waive_fee names a fee that no rule adds.",
    "missing_text": "A reason code has no customer-facing text in one of the policy's languages.",
    "internal_error": "The validator itself failed; please report it with the document.",
}

# Checks beyond each parameter's own type and range, per action (documented in docs/policy.md).
ACTION_CONSTRAINTS: dict[str, str] = {
    "allow": "When the policy has texts, the reason needs a text in every language of defaults.languages.",
    "deny": "When the policy has texts, the reason needs a text in every language of defaults.languages.",
    "add_fee": "A percent fee's amount is at most 100; the code '*' is reserved for waive_fee.",
    "waive_fee": "The code is '*' (every fee) or the code of a fee that some rule adds (or 'return_shipping').",
    "cap_fees": "Give amount, percent or both.",
    "set_sla": "Give first_response_hours, resolution_working_days or both.",
    "set_escalation_path": "The path must be defined in the policy's escalation section.",
}


@dataclass(frozen=True)
class PolicyError:
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] {self.message}"


class PolicyInvalid(ValueError):
    """The policy has errors; ``errors`` holds all of them, in document order."""

    def __init__(self, errors: Iterable[PolicyError]) -> None:
        self.errors: list[PolicyError] = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


# --- describing values in messages

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GROUP = re.compile(r"^group:[A-Za-z0-9][A-Za-z0-9._-]*$")
_MAX_SHOWN = 60
_MAX_LISTED = 12
_DOCS_HINT = "`python -m saleor_aftersales_plugin docs` lists them all"


def _show(value: Any) -> str:
    """A short, safe rendering of any value for a message (never huge, never recursive)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() < 128 else "a very large number"
    if isinstance(value, float | Decimal):
        text = str(value)
        return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…"
        return repr(text)
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list | tuple):
        return "[…]"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return f"a {type(value).__name__}"


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    return f"a {type(value).__name__}"


def _given(value: Any) -> str:
    if value is None:
        return "the value is empty (null)"
    return f"{_show(value)} is {_kind(value)}"


def _yaml_hint(value: Any, wants_text: bool) -> str:
    if wants_text and isinstance(value, bool):
        return " (YAML reads unquoted yes/no/on/off/NO as true/false: put the value in quotes)"
    return ""


def _names(options: Iterable[str]) -> str:
    return ", ".join(options)


def _suggest(word: Any, candidates: Iterable[str], *, what: str = "") -> str:
    """' Did you mean 'x'?' for the closest candidate; otherwise the list of candidates when it is short."""
    options = [c for c in candidates if isinstance(c, str)]
    if isinstance(word, str) and options:
        lowered = {option.lower(): option for option in options}
        match = difflib.get_close_matches(word.lower()[:200], list(lowered), n=1, cutoff=0.6)
        if match:
            return f" Did you mean '{lowered[match[0]]}'?"
    if not options:
        return ""
    if len(options) <= _MAX_LISTED:
        return f" Use one of: {_names(options)}."
    return f" There are {len(options)} {what or 'names'}; {_DOCS_HINT}."


def _child(path: str, key: Any) -> str:
    if isinstance(key, str) and _IDENTIFIER.match(key):
        return f"{path}.{key}"
    if isinstance(key, str):
        return f"{path}[{_show(key)}]"
    return f"{path}[{_show(key)}]"


def _item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _where(path: str) -> str:
    if path == "$":
        return "the policy"
    return path[2:] if path.startswith("$.") else path


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def _decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _is_whole(value: int | float | Decimal) -> bool:
    if isinstance(value, int):
        return True
    try:
        number = _decimal(value)
        return number == number.to_integral_value()
    except (InvalidOperation, ValueError, OverflowError):
        return False


# --- reference data

# babel knows these territory codes, but they are not countries a shop can be in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(code for code in territories if len(code) == 2 and code.isalpha()) - _NOT_COUNTRIES


@lru_cache(maxsize=1)
def _holiday_countries() -> dict[str, list[str]]:
    return dict(holidays.list_supported_countries())


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _is_locale(value: str) -> bool:
    try:
        Locale.parse(value.strip().replace("-", "_"))
        return bool(value.strip())
    except (ValueError, TypeError, UnknownLocaleError):
        return False


def _operators() -> dict[str, dict[str, str]]:
    """Variable type name -> operator name -> input type, as business-rules defines them."""
    types = {spec.field_type for spec in VARIABLES.values()}
    return {t.name: {op["name"]: op["input_type"] for op in t.get_all_operators()} for t in types}


OPERATORS: dict[str, dict[str, str]] = _operators()

_TYPE_NAMES = {
    "numeric": "a number",
    "string": "text",
    "boolean": "true/false",
    "select": "a choice",
    "select_multiple": "a list of text",
}


# --- the validator


@dataclass
class _Context:
    """What cross-references need, gathered before the walk from whatever parts are well formed."""

    languages: list[str] = field(default_factory=lambda: ["en"])
    texts: Mapping[Any, Any] | None = None
    escalation_paths: list[str] = field(default_factory=list)
    fee_codes: list[str] = field(default_factory=list)
    reasons_checked: set[str] = field(default_factory=set)
    rule_ids: dict[str, int] = field(default_factory=dict)
    holiday_country: str | None = None


def _gather(data: Mapping[Any, Any]) -> _Context:
    context = _Context()
    defaults = data.get("defaults")
    if isinstance(defaults, Mapping):
        languages = defaults.get("languages")
        if isinstance(languages, list) and languages:
            context.languages = [lang for lang in languages if isinstance(lang, str)]
    texts = data.get("texts")
    if isinstance(texts, Mapping):
        context.texts = texts
    escalation = data.get("escalation")
    if isinstance(escalation, Mapping):
        context.escalation_paths = [name for name in escalation if isinstance(name, str)]
    codes = {RETURN_SHIPPING_FEE: None}
    rules = data.get("rules")
    if isinstance(rules, list):
        for rule in rules:
            actions = rule.get("actions") if isinstance(rule, Mapping) else None
            for action in actions if isinstance(actions, list) else ():
                if isinstance(action, Mapping) and action.get("name") == "add_fee":
                    params = action.get("params")
                    code = params.get("code") if isinstance(params, Mapping) else None
                    if isinstance(code, str) and code.strip():
                        codes[code] = None
    context.fee_codes = list(codes)
    return context


FieldCheck = Callable[[str, Any], None]


class _Validator:
    def __init__(self, data: Mapping[Any, Any]) -> None:
        self.data = data
        self.errors: list[PolicyError] = []
        self.context = _gather(data)

    def error(self, path: str, code: str, message: str) -> None:
        self.errors.append(PolicyError(path, code, message))

    # --- generic checks: each returns whether the value is usable ---

    def mapping(
        self,
        path: str,
        value: Any,
        fields: Mapping[str, FieldCheck],
        *,
        required: Iterable[str] = (),
        what: str = "",
        example: str = "",
    ) -> bool:
        if not isinstance(value, Mapping):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but {what or _where(path)} needs a mapping of keys to values"
                + (f", e.g. {example}" if example else "")
                + ".",
            )
            return False
        for key in required:
            if key not in value:
                self.error(_child(path, key), "required", f"{what or _where(path)} needs '{key}'.")
        for key, item in value.items():
            check = fields.get(key) if isinstance(key, str) else None
            if check is None:
                self.unknown_key(path, key, fields)
            else:
                check(_child(path, key), item)
        return True

    def unknown_key(self, path: str, key: Any, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        if not isinstance(key, str):
            self.error(
                _child(path, key),
                "unknown_key",
                f"Keys must be text, but {_given(key)}." + _suggest(None, allowed),
            )
            return
        self.error(
            _child(path, key),
            "unknown_key",
            f"Unknown key '{_show(key)[1:-1]}' in {_where(path)}." + _suggest(key, allowed),
        )

    def number(
        self,
        path: str,
        value: Any,
        *,
        minimum: Decimal | int | None = None,
        maximum: Decimal | int | None = None,
        integer: bool = False,
        what: str = "",
        example: Any = None,
        unit: str = "",
    ) -> bool:
        where = what or _where(path)
        needs = "a number"
        if example is None:
            example = minimum if minimum is not None and minimum > 0 else 7 if integer else 15
        if not _is_number(value):
            if isinstance(value, float | Decimal):  # NaN or infinity
                self.error(
                    path, "wrong_type", f"{_show(value)} is not a finite number; {where} needs {needs}."
                )
            else:
                self.error(path, "wrong_type", f"{_given(value)} but {where} needs {needs}, e.g. {example}.")
            return False
        if integer and not _is_whole(value):
            self.error(
                path,
                "wrong_type",
                f"{_show(value)} is not a whole number; {where} needs a whole number, e.g. {example}.",
            )
            return False
        number = _decimal(value)
        low = None if minimum is None else Decimal(minimum)
        high = None if maximum is None else Decimal(maximum)
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                bounds = f"between {low} and {high}"
            elif low is not None:
                bounds = f"at least {low}"
            else:
                bounds = f"at most {high}"
            self.error(path, "out_of_range", f"{where} is {_show(value)}{unit}; it must be {bounds}{unit}.")
            return False
        return True

    def text(
        self, path: str, value: Any, *, what: str = "", example: str = "", allow_empty: bool = False
    ) -> bool:
        where = what or _where(path)
        if not isinstance(value, str):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but {where} needs text"
                + (f", e.g. '{example}'" if example else "")
                + "."
                + _yaml_hint(value, True),
            )
            return False
        if not allow_empty and not value.strip():
            self.error(
                path,
                "required",
                f"{where} is empty; write " + (f"e.g. '{example}'." if example else "some text."),
            )
            return False
        return True

    def boolean(self, path: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.error(path, "wrong_type", f"{_given(value)} but {_where(path)} needs true or false.")
            return False
        return True

    def choice(self, path: str, value: Any, options: Iterable[str], *, what: str = "") -> bool:
        options = list(options)
        where = what or _where(path)
        if not isinstance(value, str):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but {where} needs one of: {_names(options)}." + _yaml_hint(value, True),
            )
            return False
        if value not in options:
            self.error(
                path,
                "invalid_choice",
                f"{_show(value)} is not a valid {where}."
                + _suggest(value, options)
                + _full_list(value, options),
            )
            return False
        return True

    def choices(
        self, path: str, value: Any, options: Iterable[str], *, what: str = "", unique: bool = True
    ) -> bool:
        options = list(options)
        where = what or _where(path)
        if not isinstance(value, list):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but {where} needs a list of one or more of: {_names(options)}, "
                f"e.g. [{options[0]}].",
            )
            return False
        if not value:
            self.error(path, "required", f"{where} is empty; list one or more of: {_names(options)}.")
            return False
        ok = True
        seen: set[str] = set()
        for index, item in enumerate(value):
            if not self.choice(_item(path, index), item, options, what=where):
                ok = False
            elif unique and item in seen:
                self.error(
                    _item(path, index), "duplicate_value", f"'{item}' appears twice in {where}; remove one."
                )
                ok = False
            elif isinstance(item, str):
                seen.add(item)
        return ok

    def text_list(self, path: str, value: Any, *, what: str = "", example: str = "x") -> bool:
        where = what or _where(path)
        if not isinstance(value, list):
            self.error(
                path, "wrong_type", f"{_given(value)} but {where} needs a list of text, e.g. ['{example}']."
            )
            return False
        if not value:
            self.error(path, "required", f"{where} is empty; give at least one value, e.g. ['{example}'].")
            return False
        ok = True
        for index, item in enumerate(value):
            ok = self.text(_item(path, index), item, what=f"each item of {where}", allow_empty=True) and ok
        return ok

    # --- the document ---

    def document(self) -> None:
        fields: dict[str, FieldCheck] = {
            "schema_version": self.schema_version,
            "name": lambda p, v: self.text(p, v, example="My shop", allow_empty=True),
            "defaults": self.defaults,
            "calendar": self.calendar,
            "rules": self.rules,
            "sla": self.sla,
            "escalation": self.escalation,
            "texts": self.texts,
        }
        self.mapping("$", self.data, fields, required=("schema_version", "defaults"), what="The policy")
        self.holiday_country_of_defaults()

    def schema_version(self, path: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(
                path, "wrong_type", f"{_given(value)} but schema_version needs the number {SCHEMA_VERSION}."
            )
        elif value != SCHEMA_VERSION:
            self.error(
                path,
                "unsupported_version",
                f"schema_version {_show(value)} is not supported; this plugin reads schema_version "
                f"{SCHEMA_VERSION}.",
            )

    def defaults(self, path: str, value: Any) -> None:
        percent = {"minimum": 0, "maximum": 100, "unit": " %"}
        fields: dict[str, FieldCheck] = {
            "currency": self.currency,
            "country": self.country,
            "time_zone": self.time_zone,
            "languages": self.languages,
            "eligible": self.boolean,
            "window": self.window,
            "resolutions": lambda p, v: self.choices(p, v, [r.value for r in Resolution]),
            "review": lambda p, v: self.choice(p, v, ["required", "auto"]),
            "photos_required": lambda p, v: self.number(p, v, minimum=0, maximum=20, integer=True, example=1),
            "warranty_months": lambda p, v: self.number(
                p, v, minimum=0, maximum=240, integer=True, example=24
            ),
            "store_credit_bonus": lambda p, v: self.number(p, v, example=10, **percent),
            "prior_returns_days": lambda p, v: self.number(
                p, v, minimum=1, maximum=3650, integer=True, example=90
            ),
            "customer_favourable": self.boolean,
        }
        self.mapping(
            path,
            value,
            fields,
            required=("currency", "country", "time_zone"),
            example="{currency: EUR, country: DE, time_zone: Europe/Berlin}",
        )

    def currency(self, path: str, value: Any) -> None:
        if not self.text(path, value, example="EUR"):
            return
        if not is_currency(value.strip().upper()) or value != value.strip():
            self.error(
                path,
                "unknown_currency",
                f"{_show(value)} is not an ISO 4217 currency code; use a code such as 'EUR', 'USD' or 'CNY'.",
            )

    def country(self, path: str, value: Any) -> None:
        if not self.text(path, value, example="DE"):
            return
        if value.upper() not in _countries():
            self.error(
                path,
                "unknown_country",
                f"{_show(value)} is not an ISO 3166 alpha-2 country code; use a code such as 'DE', 'CN' or "
                "'US'." + _suggest(value.upper(), sorted(_countries()), what="countries"),
            )

    def holiday_country_of_defaults(self) -> None:
        """The business calendar falls back to defaults.country, which then needs a holiday calendar."""
        defaults = self.data.get("defaults")
        calendar = self.data.get("calendar")
        if not isinstance(defaults, Mapping) or (
            isinstance(calendar, Mapping) and "holidays_country" in calendar
        ):
            return
        country = defaults.get("country")
        if isinstance(country, str) and country.upper() in _countries():
            if country.upper() not in _holiday_countries():
                self.error(
                    "$.defaults.country",
                    "unknown_country",
                    f"The holidays package has no public holidays for '{country.upper()}', and the business "
                    "calendar "
                    "uses defaults.country unless calendar.holidays_country says otherwise: set "
                    "calendar.holidays_country to a supported country, or to null for no public holidays.",
                )

    def time_zone(self, path: str, value: Any) -> None:
        if not self.text(path, value, example="Europe/Berlin"):
            return
        if value not in _time_zones():
            self.error(
                path,
                "unknown_time_zone",
                f"{_show(value)} is not an IANA time zone name such as 'Europe/Berlin', 'Asia/Shanghai' or "
                "'UTC'." + _suggest(value, sorted(_time_zones()), what="time zones"),
            )

    def languages(self, path: str, value: Any) -> None:
        if not self.text_list(path, value, example="en"):
            return
        seen: set[str] = set()
        for index, item in enumerate(value):
            item_path = _item(path, index)
            if not isinstance(item, str):
                continue
            if not _is_locale(item):
                self.error(
                    item_path,
                    "unknown_language",
                    f"{_show(item)} is not a locale identifier; use one such as 'en', 'de', 'zh_Hans' or "
                    "'pt_BR'.",
                )
            elif item in seen:
                self.error(
                    item_path, "duplicate_value", f"'{item}' appears twice in defaults.languages; remove one."
                )
            seen.add(item)

    def window(self, path: str, value: Any) -> None:
        fields: dict[str, FieldCheck] = {
            "days": lambda p, v: self.number(p, v, minimum=0, maximum=3650, integer=True, example=14),
            "anchor": lambda p, v: self.choice(p, v, [a.value for a in Anchor]),
            "day_kind": lambda p, v: self.choice(p, v, [k.value for k in DayKind]),
        }
        self.mapping(path, value, fields, example="{days: 14, anchor: delivery, day_kind: calendar}")

    # --- calendar ---

    def calendar(self, path: str, value: Any) -> None:
        if value is None:
            return
        fields: dict[str, FieldCheck] = {
            "working_days": lambda p, v: self.choices(p, v, WEEKDAYS),
            "holidays_country": self.holidays_country,
            "subdivision": self.subdivision,
            "extra_holidays": self.extra_holidays,
            "working_hours": self.working_hours,
        }
        self.mapping(path, value, fields, example="{working_days: [mon, tue, wed, thu, fri]}")

    def _effective_holiday_country(self) -> str | None:
        calendar = self.data.get("calendar")
        if isinstance(calendar, Mapping) and "holidays_country" in calendar:
            country = calendar.get("holidays_country")
        else:
            defaults = self.data.get("defaults")
            country = defaults.get("country") if isinstance(defaults, Mapping) else None
        return country.upper() if isinstance(country, str) else None

    def holidays_country(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not self.text(path, value, example="DE"):
            return
        supported = _holiday_countries()
        if value.upper() not in supported:
            self.error(
                path,
                "unknown_country",
                f"The holidays package has no public holidays for {_show(value)}; use an ISO 3166 alpha-2 "
                "code "
                "it supports, such as 'DE', 'CN' or 'US', or null for no public holidays."
                + _suggest(value.upper(), sorted(supported), what="countries"),
            )

    def subdivision(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not self.text(path, value, example="BE"):
            return
        country = self._effective_holiday_country()
        if country is None:
            self.error(
                path,
                "unknown_subdivision",
                "A subdivision needs a holiday country, but calendar.holidays_country is null: "
                "set holidays_country or remove subdivision.",
            )
            return
        subdivisions = _holiday_countries().get(country)
        if subdivisions is None:
            return  # the country itself is reported
        if value not in subdivisions:
            message = f"{_show(value)} is not a subdivision of {country} that the holidays package knows."
            if subdivisions:
                message += _suggest(value, subdivisions, what="subdivisions")
                if len(subdivisions) > _MAX_LISTED:
                    message += f" They are: {_names(subdivisions)}."
            else:
                message += f" {country} has no subdivisions there: remove subdivision."
            self.error(path, "unknown_subdivision", message)

    def extra_holidays(self, path: str, value: Any) -> None:
        if not isinstance(value, list):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but calendar.extra_holidays needs a list of dates, e.g. ['2026-12-24'].",
            )
            return
        for index, item in enumerate(value):
            if isinstance(item, datetime) or not isinstance(item, str | date):
                self.error(
                    _item(path, index),
                    "invalid_date",
                    f"{_given(item)} but each extra holiday must be a date written YYYY-MM-DD, e.g. "
                    "'2026-12-24'.",
                )
                continue
            if isinstance(item, str):
                try:
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
                        raise ValueError(item)
                    date.fromisoformat(item)
                except ValueError:
                    self.error(
                        _item(path, index),
                        "invalid_date",
                        f"{_show(item)} is not a date; write it YYYY-MM-DD, e.g. '2026-12-24'.",
                    )

    def working_hours(self, path: str, value: Any) -> None:
        times: dict[str, time] = {}

        def check_time(key: str) -> FieldCheck:
            def check(p: str, v: Any) -> None:
                if isinstance(v, int) and not isinstance(v, bool):
                    # YAML 1.1 reads an unquoted 17:00 as the sexagesimal number 1020.
                    hint = (
                        f" YAML reads an unquoted {v // 60:02d}:{v % 60:02d} as the number {v}: write it in "
                        "quotes."
                        if 0 <= v < 1440
                        else ""
                    )
                    self.error(p, "invalid_time", f'{_given(v)} but {_where(p)} needs a time "HH:MM".{hint}')
                    return
                if not isinstance(v, str):
                    self.error(
                        p, "invalid_time", f'{_given(v)} but {_where(p)} needs a time "HH:MM", e.g. "09:00".'
                    )
                    return
                try:
                    if not _TIME.match(v):
                        raise ValueError(v)
                    times[key] = time.fromisoformat(v)
                except ValueError:
                    self.error(
                        p, "invalid_time", f'{_show(v)} is not a time; write it "HH:MM", e.g. "09:00".'
                    )

            return check

        if not self.mapping(
            path,
            value,
            {"start": check_time("start"), "end": check_time("end")},
            required=("start", "end"),
            example='{start: "09:00", end: "17:00"}',
        ):
            return
        if "start" in times and "end" in times and times["start"] >= times["end"]:
            self.error(
                _child(path, "end"),
                "out_of_range",
                f"working_hours end {value['end']} is not after start {value['start']}; the shop must open "
                "before "
                "it closes on the same day.",
            )

    # --- rules ---

    def rules(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.error(path, "wrong_type", f"{_given(value)} but rules needs a list of rules.")
            return
        if len(value) > MAX_RULES:
            self.error(
                path, "too_many", f"The policy has {len(value)} rules; at most {MAX_RULES} are allowed."
            )
        for index, rule in enumerate(value):
            self.rule(_item(path, index), rule, index)

    def rule(self, path: str, value: Any, index: int) -> None:
        fields: dict[str, FieldCheck] = {
            "id": lambda p, v: self.rule_id(p, v, index),
            "description": lambda p, v: self.text(p, v, allow_empty=True),
            "priority": lambda p, v: self.number(p, v, minimum=-1000, maximum=1000, integer=True, example=10),
            "conditions": self.conditions,
            "actions": self.actions,
        }
        self.mapping(
            path,
            value,
            fields,
            required=("id", "conditions", "actions"),
            what=f"rule {index}",
            example="{id: final-sale, conditions: {all: [...]}, actions: [...]}",
        )

    def rule_id(self, path: str, value: Any, index: int) -> None:
        if not self.text(path, value, example="final-sale"):
            return
        if not _RULE_ID.match(value):
            slug = re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-_")[:63] or "my-rule"
            self.error(
                path,
                "invalid_id",
                f"Rule id {_show(value)} may use only lower-case letters, digits, '-' and '_', start with a "
                "letter "
                f"or digit and be at most 63 characters long, e.g. '{slug}'.",
            )
            return
        first = self.context.rule_ids.setdefault(value, index)
        if first != index:
            self.error(
                path,
                "duplicate_id",
                f"Rule id '{value}' is already used by rules[{first}]; every rule needs its own id.",
            )

    def conditions(self, path: str, value: Any) -> None:
        if isinstance(value, Mapping) and not ("all" in value or "any" in value):
            self.error(
                path,
                "wrong_type",
                "conditions must start with 'all' or 'any', e.g. {all: [{name: reason, operator: equal_to, "
                "value: defective}]}.",
            )
            return
        leaves = [0]
        self.condition(path, value, 1, leaves)
        if leaves[0] > MAX_CONDITIONS_PER_RULE:
            self.error(
                path,
                "too_many",
                f"This rule has {leaves[0]} conditions; at most {MAX_CONDITIONS_PER_RULE} are allowed: "
                "split it "
                "into several rules.",
            )

    def condition(self, path: str, value: Any, depth: int, leaves: list[int]) -> None:
        if not isinstance(value, Mapping):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but a condition is a mapping: {{all: [...]}}, {{any: [...]}} or "
                "{name, operator, value}.",
            )
            return
        group = next((key for key in value if key in ("all", "any")), None)
        if group is None:
            leaves[0] += 1
            self.leaf(path, value)
            return
        if depth > MAX_CONDITION_DEPTH:
            self.error(
                path,
                "too_deep",
                f"Conditions are nested more than {MAX_CONDITION_DEPTH} levels deep: flatten them or split "
                "the rule.",
            )
            return
        for key, item in value.items():
            key_path = _child(path, key)
            if key == group:
                if not isinstance(item, list):
                    self.error(
                        key_path, "wrong_type", f"{_given(item)} but '{group}' needs a list of conditions."
                    )
                elif not item:
                    self.error(key_path, "required", f"'{group}' is empty; give it at least one condition.")
                else:
                    for index, child in enumerate(item):
                        self.condition(_item(key_path, index), child, depth + 1, leaves)
            elif key in ("all", "any"):
                self.error(
                    key_path,
                    "unknown_key",
                    f"A condition has either 'all' or 'any', not both: nest one inside the other, "
                    f"e.g. {{{group}: [..., {{{key}: [...]}}]}}.",
                )
            else:
                self.error(
                    key_path,
                    "unknown_key",
                    f"A condition with '{group}' holds nothing else, but it also has {_show(key)}: move "
                    "that into "
                    f"the '{group}' list as its own condition.",
                )

    def leaf(self, path: str, value: Mapping[Any, Any]) -> None:
        for key in ("name", "operator"):
            if key not in value:
                self.error(
                    _child(path, key),
                    "required",
                    f"A condition needs '{key}', e.g. "
                    "{name: days_since_delivery, operator: less_than_or_equal_to, value: 14}.",
                )
        name = value.get("name")
        spec = VARIABLES.get(name) if isinstance(name, str) else None
        type_name = spec.type_name if spec is not None else None
        operator = value.get("operator")
        input_type = OPERATORS[type_name].get(operator) if type_name and isinstance(operator, str) else None
        for key, item in value.items():
            key_path = _child(path, key)
            if key == "name":
                if not isinstance(item, str):
                    self.error(
                        key_path,
                        "wrong_type",
                        f"{_given(item)} but a condition's name needs a variable name.",
                    )
                elif spec is None:
                    self.error(
                        key_path,
                        "unknown_variable",
                        f"Unknown variable {_show(item)}."
                        + _suggest(item, sorted(VARIABLES), what="variables"),
                    )
            elif key == "operator":
                self.operator(key_path, item, name if spec is not None else None, type_name)
            elif key == "value":
                if input_type is not None:
                    self.condition_value(key_path, item, name, operator, input_type)
            else:
                self.unknown_key(path, key, ("name", "operator", "value"))
        if input_type is not None and input_type != FIELD_NO_INPUT and "value" not in value:
            self.error(
                _child(path, "value"),
                "required",
                f"{name} {operator} needs a value, e.g. {_example_value(name, input_type)}.",
            )

    def operator(self, path: str, value: Any, variable: str | None, type_name: str | None) -> None:
        if not isinstance(value, str):
            self.error(
                path, "wrong_type", f"{_given(value)} but a condition's operator needs an operator name."
            )
            return
        if type_name is None:
            every = sorted({op for ops in OPERATORS.values() for op in ops})
            if value not in every:
                self.error(
                    path, "unknown_operator", f"Unknown operator {_show(value)}." + _suggest(value, every)
                )
            return
        valid = sorted(OPERATORS[type_name])
        if value in valid:
            return
        other_types = [t for t, ops in OPERATORS.items() if value in ops]
        if other_types:
            message = (
                f"'{value}' is an operator for {_TYPE_NAMES.get(other_types[0], other_types[0])}, but "
                f"{variable} is "
                f"{_TYPE_NAMES.get(type_name, type_name)}: use one of {_names(valid)}."
            )
        else:
            message = f"Unknown operator {_show(value)} for {variable}." + _suggest(value, valid)
            if "Did you mean" in message:
                message += f" {variable} takes: {_names(valid)}."
        self.error(path, "unknown_operator", message)

    def condition_value(self, path: str, value: Any, name: str, operator: str, input_type: str) -> None:
        where = f"{name} {operator}"
        example = _example_value(name, input_type)
        if input_type == FIELD_NO_INPUT:
            if value is not None:
                self.error(
                    path,
                    "unexpected_value",
                    f"{where} takes no value, but {_given(value)}: remove value"
                    + (
                        " (use is_false to test for false)."
                        if operator == "is_true" and value is False
                        else "."
                    ),
                )
        elif input_type == FIELD_NUMERIC:
            self.number(path, value, what=where, example=example)
        elif input_type == FIELD_TEXT:
            if self.text(path, value, what=where, example=str(example).strip("'"), allow_empty=True):
                if operator == "matches_regex":
                    try:
                        re.compile(value)
                    except (re.error, RecursionError, OverflowError) as exc:
                        self.error(
                            path, "invalid_regex", f"{_show(value)} is not a valid regular expression: {exc}."
                        )
        elif input_type == FIELD_SELECT:
            self.text(path, value, what=where, allow_empty=True)
        elif input_type == FIELD_SELECT_MULTIPLE:
            self.text_list(path, value, what=where, example=str(example).strip("[]'"))

    def actions(self, path: str, value: Any) -> None:
        if not isinstance(value, list):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but actions needs a list, e.g. "
                "[{name: set_window, params: {days: 30}}].",
            )
            return
        if not value:
            self.error(
                path,
                "required",
                "actions is empty; a rule needs at least one action, e.g. "
                "{name: set_window, params: {days: 30}}.",
            )
            return
        if len(value) > MAX_ACTIONS_PER_RULE:
            self.error(
                path,
                "too_many",
                f"This rule has {len(value)} actions; at most {MAX_ACTIONS_PER_RULE} are allowed.",
            )
        for index, action in enumerate(value):
            self.action(_item(path, index), action)

    def action(self, path: str, value: Any) -> None:
        if not isinstance(value, Mapping):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but an action is a mapping such as "
                "{name: set_window, params: {days: 30}}.",
            )
            return
        if "name" not in value:
            self.error(_child(path, "name"), "required", "An action needs a name, e.g. set_window.")
        name = value.get("name")
        spec = ACTIONS.get(name) if isinstance(name, str) else None
        for key, item in value.items():
            key_path = _child(path, key)
            if key == "name":
                if not isinstance(item, str):
                    self.error(
                        key_path, "wrong_type", f"{_given(item)} but an action's name needs an action name."
                    )
                elif spec is None:
                    self.error(
                        key_path,
                        "unknown_action",
                        f"Unknown action {_show(item)}." + _suggest(item, sorted(ACTIONS), what="actions"),
                    )
            elif key == "params":
                if item is not None and not isinstance(item, Mapping):
                    self.error(
                        key_path,
                        "wrong_type",
                        f"{_given(item)} but params needs a mapping of parameter "
                        "names to values, e.g. {days: 30}.",
                    )
                elif spec is not None:
                    self.params(key_path, item or {}, spec.name)
            else:
                self.unknown_key(path, key, ("name", "params"))
        if spec is not None and "params" not in value:
            self.params(_child(path, "params"), {}, spec.name)

    def params(self, path: str, params: Mapping[Any, Any], action: str) -> None:
        spec = ACTIONS[action]
        names = [param.name for param in spec.params]
        for param in spec.params:
            if param.required and params.get(param.name) is None:
                self.error(
                    _child(path, param.name),
                    "required",
                    f"{action} needs {param.name}: {param.description}",
                )
        valid: dict[str, Any] = {}
        for key, item in params.items():
            param = spec.param(key) if isinstance(key, str) else None
            key_path = _child(path, key)
            if param is None:
                if names:
                    hint = _suggest(key, names)
                    if "Did you mean" in hint:
                        hint += f" {action} takes: {_names(names)}."
                else:
                    hint = f" {action} takes no parameters."
                self.error(key_path, "unknown_param", f"{action} has no parameter {_show(key)}." + hint)
            elif item is not None and self.param(key_path, item, action, param):
                valid[key] = item
        self.action_rules(path, action, params, valid)

    def param(self, path: str, value: Any, action: str, param: ParamSpec) -> bool:
        what = f"{action}.{param.name}"
        if param.field_type == FIELD_NUMERIC:
            example = param.default or (param.minimum if param.minimum and param.minimum > 0 else None)
            if example is None:
                example = 7 if param.integer else 15
            return self.number(
                path,
                value,
                minimum=param.minimum,
                maximum=param.maximum,
                integer=param.integer,
                what=what,
                example=example,
            )
        if param.field_type == FIELD_SELECT:
            return self.choice(path, value, param.options, what=what)
        if param.field_type == FIELD_SELECT_MULTIPLE:
            return self.choices(path, value, param.options, what=what)
        return self.text(path, value, what=what, example=_TEXT_EXAMPLES.get(param.name, ""))

    def action_rules(
        self, path: str, action: str, params: Mapping[Any, Any], valid: Mapping[str, Any]
    ) -> None:
        """Rules between parameters and cross-references to other parts of the policy."""
        if action == "add_fee":
            code, kind, amount = valid.get("code"), valid.get("kind"), valid.get("amount")
            if code == ALL_FEES:
                self.error(
                    _child(path, "code"),
                    "invalid_choice",
                    "'*' is reserved for waive_fee (all fees); name the fee, e.g. 'restocking'.",
                )
            if kind == FeeKind.PERCENT.value and amount is not None and _decimal(amount) > 100:
                self.error(
                    _child(path, "amount"),
                    "out_of_range",
                    f"add_fee.amount is {_show(amount)} %, but a percent fee must be between 0 and 100 %.",
                )
        elif action in ("cap_fees", "set_sla"):
            names = [param.name for param in ACTIONS[action].params]
            if all(params.get(name) is None for name in names):
                self.error(path, "required", f"{action} needs {' or '.join(names)} (or both).")
        elif action == "waive_fee":
            code = valid.get("code")
            if code is not None and code != ALL_FEES and code not in self.context.fee_codes:
                self.error(
                    _child(path, "code"),
                    "unknown_fee",
                    f"No rule adds a fee '{code}', so there is nothing to waive."
                    + _suggest(code, self.context.fee_codes)
                    + " Use '*' to waive every fee.",
                )
        elif action == "set_escalation_path":
            name = valid.get("path")
            paths = self.context.escalation_paths
            if name is not None and name not in paths:
                if paths:
                    hint = _suggest(name, paths)
                    if "Did you mean" in hint:
                        hint += f" The policy defines: {_names(paths)}."
                    message = f"There is no escalation path '{name}'." + hint
                else:
                    message = (
                        f"There is no escalation path '{name}': this policy has no escalation section. Add "
                        "one, "
                        f"e.g. escalation: {{{name}: [{{name: agent, after_hours: 0, notify: [...]}}]}}."
                    )
                self.error(_child(path, "path"), "unknown_escalation_path", message)
        if action in ("allow", "deny"):
            reason = valid.get("reason")
            if isinstance(reason, str):
                self.reason_texts(_child(path, "reason"), reason)

    def reason_texts(self, path: str, reason: str) -> None:
        texts = self.context.texts
        if texts is None or reason in self.context.reasons_checked:
            return
        self.context.reasons_checked.add(reason)
        for language in self.context.languages:
            by_code = texts.get(language)
            if not isinstance(by_code, Mapping) or reason not in by_code:
                self.error(
                    path,
                    "missing_text",
                    f"Reason '{reason}' has no text in {language}: add texts.{language}.{reason} with the "
                    "sentence "
                    "customers see.",
                )

    # --- service targets, escalation, texts ---

    def sla(self, path: str, value: Any) -> None:
        if value is None:
            return

        def targets(p: str, v: Any) -> None:
            if v is None:
                return
            self.mapping(
                p,
                v,
                {
                    "first_response_hours": lambda q, w: self.number(q, w, minimum=0, example=24),
                    "resolution_working_days": lambda q, w: self.number(q, w, minimum=0, example=7),
                },
                example="{first_response_hours: 24, resolution_working_days: 7}",
            )

        self.mapping(path, value, {kind.value: targets for kind in CaseKind}, example="{complaint: {...}}")

    def escalation(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but escalation needs a mapping of path names to tiers, "
                "e.g. {default: [{name: agent, after_hours: 0, notify: [support@shop.example]}]}.",
            )
            return
        for name, tiers in value.items():
            tiers_path = _child(path, name)
            if not isinstance(name, str) or not name.strip():
                self.error(
                    tiers_path, "wrong_type", f"An escalation path's name must be text, but {_given(name)}."
                )
                continue
            if not isinstance(tiers, list):
                self.error(
                    tiers_path,
                    "wrong_type",
                    f"{_given(tiers)} but escalation path '{name}' needs a list of tiers.",
                )
                continue
            if not tiers:
                self.error(
                    tiers_path, "required", f"Escalation path '{name}' is empty; give it at least one tier."
                )
                continue
            previous: Decimal | None = None
            names: set[str] = set()
            for index, tier in enumerate(tiers):
                tier_path = _item(tiers_path, index)
                after = self.tier(tier_path, tier)
                if isinstance(tier, Mapping):
                    tier_name = tier.get("name")
                    if isinstance(tier_name, str):
                        if tier_name in names:
                            self.error(
                                _child(tier_path, "name"),
                                "duplicate_value",
                                f"Tier '{tier_name}' appears twice in escalation path '{name}'.",
                            )
                        names.add(tier_name)
                if after is not None:
                    if previous is not None and after < previous:
                        self.error(
                            _child(tier_path, "after_hours"),
                            "out_of_order",
                            f"after_hours {after} comes after a tier at {previous} hours; tiers are listed "
                            "in the "
                            "order they are reached, so after_hours never decreases along a path.",
                        )
                    previous = max(after, previous) if previous is not None else after

    def tier(self, path: str, value: Any) -> Decimal | None:
        hours: list[Decimal] = []

        def after_hours(p: str, v: Any) -> None:
            if self.number(p, v, minimum=0, example=24):
                hours.append(_decimal(v))

        ok = self.mapping(
            path,
            value,
            {
                "name": lambda p, v: self.text(p, v, example="supervisor"),
                "after_hours": after_hours,
                "notify": self.recipients,
            },
            required=("name",),
            example="{name: supervisor, after_hours: 24, notify: ['group:supervisors']}",
        )
        if not ok:
            return None
        if "after_hours" not in value:
            return Decimal(0)
        return hours[0] if hours else None

    def recipients(self, path: str, value: Any) -> None:
        if not isinstance(value, list):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but notify needs a list of email addresses or 'group:<name>' entries.",
            )
            return
        for index, item in enumerate(value):
            item_path = _item(path, index)
            if not self.text(item_path, item, what="each notify entry", example="support@shop.example"):
                continue
            if not (_EMAIL.match(item) or _GROUP.match(item)):
                self.error(
                    item_path,
                    "invalid_recipient",
                    f"{_show(item)} is neither an email address nor 'group:<name>'; write e.g. "
                    "'support@shop.example' or 'group:supervisors'.",
                )

    def texts(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.error(
                path,
                "wrong_type",
                f"{_given(value)} but texts needs a mapping of languages to texts, "
                "e.g. {en: {final_sale: 'Final-sale items cannot be returned.'}}.",
            )
            return
        languages = self.context.languages
        for language, by_code in value.items():
            language_path = _child(path, language)
            if not isinstance(language, str):
                self.error(
                    language_path, "unknown_language", f"A language must be text, but {_given(language)}."
                )
                continue
            if language not in languages:
                self.error(
                    language_path,
                    "unknown_language",
                    f"texts has '{language}', but defaults.languages is [{_names(languages)}]: add "
                    f"'{language}' "
                    "there or remove these texts." + _suggest(language, languages),
                )
            if not isinstance(by_code, Mapping):
                self.error(
                    language_path,
                    "wrong_type",
                    f"{_given(by_code)} but texts.{language} needs a mapping of reason codes to texts.",
                )
                continue
            for code, text in by_code.items():
                code_path = _child(language_path, code)
                if not isinstance(code, str):
                    self.error(code_path, "wrong_type", f"A reason code must be text, but {_given(code)}.")
                    continue
                self.text(
                    code_path,
                    text,
                    what=f"texts.{language}.{code}",
                    example="Final-sale items cannot be returned.",
                )


_TEXT_EXAMPLES = {"reason": "final_sale", "code": "restocking", "path": "default"}


def _example_value(name: str, input_type: str) -> str:
    spec = VARIABLES.get(name)
    example = spec.example if spec is not None else None
    if input_type == FIELD_NUMERIC:
        return str(example if isinstance(example, int | Decimal) else 7)
    if input_type == FIELD_SELECT_MULTIPLE:
        first = example[0] if isinstance(example, list) and example else "x"
        return f"['{first}']"
    return f"'{example}'" if isinstance(example, str) else "'x'"


def _full_list(value: str, options: list[str]) -> str:
    """After a 'Did you mean', still list short option lists in full."""
    hint = _suggest(value, options)
    if "Did you mean" in hint and len(options) <= _MAX_LISTED:
        return f" Valid: {_names(options)}."
    return ""


# --- public API


def validate_policy(data: Any) -> list[PolicyError]:
    """Every error of a policy document, in document order; an empty list when it is valid. Never raises."""
    if not isinstance(data, Mapping):
        return [
            PolicyError(
                "$",
                "wrong_type",
                f"{_given(data)} but a policy is a mapping with schema_version, defaults and rules, e.g. "
                "{schema_version: 1, defaults: {currency: EUR, country: DE, time_zone: Europe/Berlin}, "
                "rules: []}.",
            )
        ]
    validator = _Validator(data)
    try:
        validator.document()
    except RecursionError:
        validator.error("$", "too_deep", "The document is nested too deeply to read.")
    except Exception as exc:  # the contract is to report, never to raise
        validator.error(
            "$", "internal_error", f"The validator failed ({type(exc).__name__}); please report this."
        )
    return validator.errors


def _canonical_number(value: int | float | Decimal) -> int | Decimal:
    number = _decimal(value)
    if number == number.to_integral_value():
        return int(number)
    return number.normalize()


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return _canonical_number(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def _fill_leaf_values(node: dict[str, Any]) -> dict[str, Any]:
    for group in ("all", "any"):
        if group in node:
            return {group: [_fill_leaf_values(child) for child in node[group]]}
    return {"name": node["name"], "operator": node["operator"], "value": node.get("value")}


def _normalise_valid(data: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _canonical(data)
    defaults = result["defaults"]
    defaults["currency"] = defaults["currency"].upper()
    defaults["country"] = defaults["country"].upper()
    calendar = result.get("calendar")
    if isinstance(calendar, dict) and isinstance(calendar.get("holidays_country"), str):
        calendar["holidays_country"] = calendar["holidays_country"].upper()
    for rule in result.get("rules") or ():
        rule["conditions"] = _fill_leaf_values(rule["conditions"])
        rule["actions"] = [
            {"name": action["name"], "params": dict(action.get("params") or {})} for action in rule["actions"]
        ]
    return result


def normalise_policy(data: Any) -> dict[str, Any]:
    """The canonical form of a valid document: what is hashed and published.

    Numbers become ``int`` when whole and ``Decimal`` otherwise (YAML floats and JSON decimals alike), dates
    ISO strings, codes upper case, every condition leaf carries ``value`` (null where the operator takes none,
    as business-rules reads it) and every action carries ``params``. Raises :class:`PolicyInvalid` if invalid.
    """
    errors = validate_policy(data)
    if errors:
        raise PolicyInvalid(errors)
    return _normalise_valid(data)


def parse_policy(source: str | Mapping[str, Any]) -> Policy:
    """Policy text (JSON or YAML) or data -> :class:`Policy`, or :class:`PolicyInvalid` with all errors."""
    if isinstance(source, str):
        try:
            data, _format = load_source(source)
        except SourceError as exc:
            where = ""
            if exc.line is not None:
                where = (
                    f" (line {exc.line}" + (f", column {exc.column}" if exc.column is not None else "") + ")"
                )
            raise PolicyInvalid([PolicyError("$", "syntax_error", f"{exc}{where}")]) from None
    elif isinstance(source, Mapping):
        data = source
    else:
        raise PolicyInvalid(
            [
                PolicyError(
                    "$", "wrong_type", f"{_given(source)} but a policy is JSON or YAML text, or a mapping."
                )
            ]
        )
    return Policy.from_dict(normalise_policy(data))
