"""The policy document, defined once: pydantic models from which validation, defaults, docs and the JSON Schema derive.

Every value has a type that validates it with a stable error code and a message written for merchants (with a
"did you mean" where a name is close); every number has a documented range; every text is bounded and free of control
characters and unpaired surrogates. Cross-references (texts for reasons, fees to waive, escalation paths, holiday
subdivisions) are checked against a :class:`SchemaContext` gathered from the raw document before validation, so all
errors come out in one pass. :mod:`.validation` turns pydantic's errors into :class:`~.validation.PolicyError` s in
document order; :mod:`.reference` renders docs/policy.md and :func:`policy_json_schema` the published JSON Schema
from these same models.
"""

import json
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, Union
from zoneinfo import available_timezones

import holidays
from babel.core import Locale
from babel.numbers import is_currency
from business_rules.fields import (
    FIELD_NO_INPUT,
    FIELD_NUMERIC,
    FIELD_SELECT,
    FIELD_SELECT_MULTIPLE,
    FIELD_TEXT,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import PydanticJsonSchemaWarning
from pydantic_core import PydanticCustomError

from ..domain.facts import CaseKind, Resolution
from ..domain.money import ROUNDING_MODES, Prices, currency_precision, has_currency_precision, quantize
from ..domain.wording import full_list, given, names, show, suggest, yaml_hint
from ..i18n import is_language
from .calendar import Anchor, DayKind
from .fees import FeeKind, FeeScope
from .reasons import DEFAULT_REASONS, NO_REASON, REASON_ALIASES
from .thresholds import FIELD_MONEY, amount_text, threshold_amounts
from .variables import MONEY_VARIABLES, VARIABLES, compile_pattern, condition_leaves
from .zero_refund import DEFAULT_ZERO_REFUND, ZERO_REFUND_CHOICES

SCHEMA_VERSION = "1.1"
READ_VERSIONS = ("1", "1.1")
"""Versions this plugin reads. A 1 document is read as 1.1 unless it has a bare amount, which 1.1 refuses with the
way to write it (``amount_without_currency``): a bare amount once meant "in the order currency"."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RETURN_SHIPPING_FEE = "return_shipping"
ALL_FEES = "*"

# Limits that keep evaluation, publishing and the editor fast; validation reports breaches with the limit.
MAX_RULES = 500
MAX_CONDITION_DEPTH = 8
MAX_CONDITIONS_PER_RULE = 100
MAX_ACTIONS_PER_RULE = 20
MAX_NAME_LENGTH = 100
MAX_TEXT_LENGTH = 2_000
MAX_LIST_ITEMS = 200
MAX_DECIMAL_PLACES = 4
MAX_CONDITION_NUMBER = Decimal(10) ** 12
MAX_HOURS = Decimal(8_760)
"""A year: the bound of every duration in hours."""
MAX_MONEY = Decimal(10) ** 9

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


# --- errors


def fail(code: str, message: str, at: tuple[Any, ...] = ()) -> PydanticCustomError:
    """A validation error with a stable code; ``{where}`` in the message becomes the value's place, ``at`` extends
    the error's location below the value being validated."""
    return PydanticCustomError(code, "{message}", {"message": message, "at": at})


# --- the context cross-references need, gathered from whatever parts of the raw document are well formed


@dataclass
class SchemaContext:
    languages: list[str] = field(default_factory=lambda: ["en"])
    currency: str | None = None
    """defaults.currency when well formed: the currency orders are in, which every fixed amount must have."""
    currencies: set[str] = field(default_factory=set)
    """Every currency the document names (defaults.currency and the currencies of its amounts and thresholds): a
    bare number in a condition is an amount only when this is one currency."""
    stored: bool = False
    """Reading a stored (published) version: its thresholds keep the numbers the language then allowed."""
    texts: Mapping[Any, Any] | None = None
    escalation_paths: list[str] = field(default_factory=list)
    fee_codes: list[str] = field(default_factory=list)
    holiday_country: str | None = None
    calendar_names_holiday_country: bool = False
    rule_ids: dict[str, int] = field(default_factory=dict)
    rule_ids_seen: set[str] = field(default_factory=set)
    reasons_checked: set[str] = field(default_factory=set)
    reason_codes: list[str] = field(default_factory=lambda: [spec.code for spec in DEFAULT_REASONS])
    """The catalogue's codes (the policy's own, or the default catalogue): what the ``reason`` variable can be."""
    models: dict[int, type["StrictModel"]] = field(default_factory=dict)
    """id() of each raw mapping -> the model that read it (to suggest keys for an unknown one)."""


def gather_context(data: Mapping[Any, Any]) -> SchemaContext:
    context = SchemaContext()
    defaults = data.get("defaults")
    if isinstance(defaults, Mapping):
        languages = defaults.get("languages")
        if isinstance(languages, list) and languages:
            context.languages = [lang for lang in languages if isinstance(lang, str)]
        currency = defaults.get("currency")
        if isinstance(currency, str) and is_currency(currency.strip().upper()):
            context.currency = currency.strip().upper()
            context.currencies.add(context.currency)
    texts = data.get("texts")
    if isinstance(texts, Mapping):
        context.texts = texts
    catalogue = data.get("reasons")
    if isinstance(catalogue, list) and catalogue:
        context.reason_codes = [
            item["code"]
            for item in catalogue
            if isinstance(item, Mapping)
            and isinstance(item.get("code"), str)
            and item["code"] not in REASON_ALIASES
        ]
    escalation = data.get("escalation")
    if isinstance(escalation, Mapping):
        context.escalation_paths = [name for name in escalation if isinstance(name, str)]
    calendar = data.get("calendar")
    if isinstance(calendar, Mapping) and "holidays_country" in calendar:
        context.calendar_names_holiday_country = True
        country = calendar.get("holidays_country")
    else:
        country = defaults.get("country") if isinstance(defaults, Mapping) else None
    context.holiday_country = country.upper() if isinstance(country, str) else None
    codes = {RETURN_SHIPPING_FEE: None}
    rules = data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else ()):
        if not isinstance(rule, Mapping):
            continue
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            context.rule_ids.setdefault(rule_id, index)
        actions = rule.get("actions")
        for action in actions if isinstance(actions, list) else ():
            if not isinstance(action, Mapping):
                continue
            params = action.get("params")
            params = params if isinstance(params, Mapping) else {}
            if action.get("name") == "add_fee":
                code = params.get("code")
                if isinstance(code, str) and code.strip():
                    codes[code] = None
            for name in money_params(str(action.get("name")), params):
                context.currencies.update(_currencies_named(params.get(name)))
        conditions = rule.get("conditions")
        if isinstance(conditions, Mapping):
            for _path, leaf in condition_leaves(conditions):
                if _is_money_leaf(leaf):
                    context.currencies.update(_currencies_named(leaf.get("value")))
    context.fee_codes = list(codes)
    return context


def _is_money_leaf(node: Mapping[Any, Any]) -> bool:
    """Whether a condition of a raw document tests a money variable (its name may be anything)."""
    name = node.get("name")
    return isinstance(name, str) and name in MONEY_VARIABLES


def _currencies_named(amount: Any) -> set[str]:
    """The currencies an amount names (``{amount, currency}`` or ``{CUR: amount}``), those that are codes."""
    if not isinstance(amount, Mapping):
        return set()
    named = [amount.get("currency")] if "currency" in amount or "amount" in amount else list(amount)
    return {code for code in named if isinstance(code, str) and is_currency(code)}


def _context(info: ValidationInfo | None) -> SchemaContext:
    context = info.context if info is not None else None
    return context if isinstance(context, SchemaContext) else SchemaContext()


# --- documentation metadata attached to types


@dataclass(frozen=True)
class Doc:
    """How docs/policy.md names a type and states its range."""

    type_name: str
    range: str = ""


def Checked(  # noqa: N802 - a type factory, used like a type
    validator: Any,
    json_schema: dict[str, Any] | None = None,
    doc: str = "text",
    range_: str = "",
    python_type: Any = str,
) -> Any:
    """A value read by ``validator`` (which raises :func:`fail` errors), with the JSON Schema editors get (plain text
    unless given) and how docs/policy.md names its type and range."""
    return Annotated[
        python_type,
        PlainValidator(validator),
        WithJsonSchema(json_schema or {"type": "string"}),
        Doc(doc, range_),
    ]


# --- numbers


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return number


def _bounds(minimum: Decimal | None, maximum: Decimal | None, unit: str = "") -> str:
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}{unit}"
    if minimum is not None:
        return f"at least {minimum}{unit}"
    return f"at most {maximum}{unit}"


_STORED_NUMBER = re.compile(r"^-?\d{1,20}(\.\d{1,20})?$")


def stored_number(value: Any, info: ValidationInfo | None) -> Any:
    """``value`` as a number when a stored (published) version is read and it holds a number's text: publishing
    stores a non-whole number (12.5) as text, exactly, as Django's JSON encoder writes a Decimal. A new document's
    text stays text (and is refused where a number is needed)."""
    if isinstance(value, str) and _context(info).stored and _STORED_NUMBER.match(value):
        return Decimal(value)
    return value


def canonical_number(number: Decimal) -> int | Decimal:
    """Whole numbers as int, others as normalized Decimal (YAML floats and JSON decimals alike)."""
    if number == number.to_integral_value():
        return int(number)
    return number.normalize()


def check_number(
    value: Any,
    *,
    minimum: Decimal | None,
    maximum: Decimal | None,
    integer: bool,
    example: Any,
    unit: str = "",
    places: int = MAX_DECIMAL_PLACES,
) -> int | Decimal:
    number = _as_decimal(value)
    if number is None:
        raise fail("wrong_type", f"{given(value)} but {{where}} needs a number, e.g. {example}.")
    if not number.is_finite():
        raise fail("wrong_type", f"{show(value)} is not a finite number; {{where}} needs a number.")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise fail(
            "out_of_range", f"{{where}} is {show(value)}{unit}; it must be {_bounds(minimum, maximum, unit)}."
        )
    if integer and number != number.to_integral_value():
        raise fail(
            "wrong_type",
            f"{show(value)} is not a whole number; {{where}} needs a whole number, e.g. {example}.",
        )
    if not integer and -number.normalize().as_tuple().exponent > places:  # type: ignore[operator]
        raise fail("out_of_range", f"{show(value)} has more than {places} decimal places; round it.")
    return canonical_number(number)


def Number(  # noqa: N802 - a type factory, used like a type
    minimum: int | Decimal | None = 0,
    maximum: int | Decimal | None = None,
    *,
    integer: bool = False,
    example: Any = None,
    unit: str = "",
) -> Any:
    low = None if minimum is None else Decimal(minimum)
    high = None if maximum is None else Decimal(maximum)
    if example is None:
        example = minimum if minimum is not None and minimum > 0 else 7 if integer else 15

    def validate(value: Any, info: ValidationInfo) -> int | Decimal:
        return check_number(
            stored_number(value, info), minimum=low, maximum=high, integer=integer, example=example, unit=unit
        )

    schema: dict[str, Any] = {"type": "integer" if integer else "number"}
    if low is not None:
        schema["minimum"] = canonical_number(low)
    if high is not None:
        schema["maximum"] = canonical_number(high)
    range_text = f"{canonical_number(low) if low is not None else '…'}..{canonical_number(high) if high is not None else '…'}"
    return Checked(
        validate, schema, "whole number" if integer else "number", range_text + unit, int | Decimal
    )


# --- texts

_FORBIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_characters(value: str) -> None:
    bad = _FORBIDDEN_CHARACTERS.search(value)
    if bad is not None:
        char = bad.group()
        what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
        raise fail(
            "invalid_text",
            f"{{where}} holds {what} (U+{ord(char):04X}) at position {bad.start()}; remove it.",
        )


def check_text(
    value: Any, *, example: str = "", allow_empty: bool = False, max_length: int = MAX_NAME_LENGTH
) -> str:
    if not isinstance(value, str):
        raise fail(
            "wrong_type",
            f"{given(value)} but {{where}} needs text"
            + (f", e.g. '{example}'" if example else "")
            + "."
            + yaml_hint(value),
        )
    if len(value) > max_length:
        raise fail(
            "too_long", f"{{where}} is {len(value)} characters long; at most {max_length} are allowed."
        )
    check_characters(value)
    if not allow_empty and not value.strip():
        raise fail(
            "required", "{where} is empty; write " + (f"e.g. '{example}'." if example else "some text.")
        )
    return value


def Text(  # noqa: N802
    *, example: str = "", allow_empty: bool = False, max_length: int = MAX_NAME_LENGTH
) -> Any:
    def validate(value: Any) -> str:
        return check_text(value, example=example, allow_empty=allow_empty, max_length=max_length)

    schema: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if not allow_empty:
        schema["minLength"] = 1
    return Checked(validate, schema, "text", f"at most {max_length} characters")


def check_choice(value: Any, options: list[str], *, what: str = "{where}") -> str:
    if not isinstance(value, str):
        raise fail(
            "wrong_type", f"{given(value)} but {what} needs one of: {names(options)}." + yaml_hint(value)
        )
    if value not in options:
        raise fail(
            "invalid_choice",
            f"{show(value)} is not a valid {what}." + suggest(value, options) + full_list(value, options),
        )
    return value


def Choice(options: tuple[str, ...] | list[str]) -> Any:  # noqa: N802
    listed = list(options)

    def validate(value: Any) -> str:
        return check_choice(value, listed)

    return Checked(
        validate, {"type": "string", "enum": listed}, "choice", ", ".join(f"`{o}`" for o in listed)
    )


def check_choices(value: Any, options: list[str], *, what: str = "{where}") -> list[str]:
    if not isinstance(value, list):
        raise fail(
            "wrong_type",
            f"{given(value)} but {what} needs a list of one or more of: {names(options)}, e.g. [{options[0]}].",
        )
    if not value:
        raise fail("required", f"{what} is empty; list one or more of: {names(options)}.")
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise fail(
                "wrong_type",
                f"{given(item)} but {what} needs one of: {names(options)}." + yaml_hint(item),
                (index,),
            )
        if item not in options:
            raise fail(
                "invalid_choice",
                f"{show(item)} is not a valid {what}." + suggest(item, options) + full_list(item, options),
                (index,),
            )
        if item in seen:
            raise fail("duplicate_value", f"'{item}' appears twice in {what}; remove one.", (index,))
        seen.add(item)
    return value


def Choices(options: tuple[str, ...] | list[str]) -> Any:  # noqa: N802
    listed = list(options)

    def validate(value: Any) -> list[str]:
        return check_choices(value, listed)

    return Checked(
        validate,
        {"type": "array", "items": {"type": "string", "enum": listed}, "minItems": 1, "uniqueItems": True},
        "list",
        "a non-empty subset of " + ", ".join(f"`{o}`" for o in listed),
        list[str],
    )


def check_list(
    value: Any, *, owner: str, needs: str, noun: str = "items", limit: int = MAX_LIST_ITEMS
) -> list[Any]:
    """``value`` as a list of at most ``limit`` items; ``owner needs <needs>`` says what a wrong value should be."""
    if not isinstance(value, list):
        raise fail("wrong_type", f"{given(value)} but {owner} needs {needs}.")
    if len(value) > limit:
        raise fail("too_many", f"{owner} has {len(value)} {noun}; at most {limit} are allowed.")
    return value


def check_text_list(value: Any, *, what: str = "{where}", example: str = "x") -> list[str]:
    check_list(value, owner=what, needs=f"a list of text, e.g. ['{example}']")
    if not value:
        raise fail("required", f"{what} is empty; give at least one value, e.g. ['{example}'].")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise fail(
                "wrong_type", f"{given(item)} but each item of {what} needs text." + yaml_hint(item), (index,)
            )
        if len(item) > MAX_NAME_LENGTH:
            raise fail(
                "too_long",
                f"An item of {what} is {len(item)} characters long; at most {MAX_NAME_LENGTH}.",
                (index,),
            )
        try:
            check_characters(item)
        except PydanticCustomError as exc:
            raise fail(exc.type, str(exc).replace("{where}", f"each item of {what}"), (index,)) from None
    return value


def check_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail("wrong_type", f"{given(value)} but {{where}} needs true or false.")
    return value


Boolean = Checked(check_boolean, {"type": "boolean"}, "true/false", python_type=bool)


# --- money: every fixed amount names its currency

_AMOUNT_TEXT = re.compile(r"^\d{1,10}(\.\d{1,10})?$")


def _money_example(value: Any, currency: str) -> str:
    number = _as_decimal(value)
    if number is None and isinstance(value, str) and _AMOUNT_TEXT.match(value.strip()):
        number = Decimal(value.strip())
    if number is None or not number.is_finite() or number < 0:
        number = Decimal(5)
    return str(quantize(number, currency))


def _amount_in(value: Any, currency: str, at: tuple[Any, ...]) -> Decimal:
    """One amount of ``currency``: a number or a decimal text, 0..10^9, no more decimals than the currency has."""
    if isinstance(value, str) and _AMOUNT_TEXT.match(value.strip()):
        number: Decimal | None = Decimal(value.strip())
    else:
        number = _as_decimal(value)
    if number is None or not number.is_finite():
        raise fail(
            "wrong_type",
            f"{given(value)} but the {currency} amount of {{where}} needs a number such as "
            f"'{_money_example(5, currency)}'.",
            at,
        )
    if number < 0 or number > MAX_MONEY:
        raise fail(
            "out_of_range",
            f"The {currency} amount of {{where}} is {show(value)}; it must be between 0 and {MAX_MONEY}.",
            at,
        )
    if not has_currency_precision(number, currency):
        places = currency_precision(currency)
        raise fail(
            "too_many_decimals",
            f"{currency} {show(value)[1:-1] if isinstance(value, str) else value} has more decimals than {currency} "
            f"allows ({places}); write an amount {currency} can be paid in, e.g. "
            f"'{quantize(number, currency)}'.",
            at,
        )
    return quantize(number, currency)


def _currency_code(value: Any, at: tuple[Any, ...]) -> str:
    if not isinstance(value, str) or not is_currency(value):
        hint = ""
        if isinstance(value, str) and is_currency(value.strip().upper()):
            hint = f" Write it in capitals: '{value.strip().upper()}'."
        raise fail(
            "unknown_currency",
            f"{show(value)} in {{where}} is not an ISO 4217 currency code such as 'EUR', 'USD' or 'JPY'."
            + hint,
            at,
        )
    return value


AmountReader = Callable[[Any, str, tuple[Any, ...]], Decimal]


def _amounts_by_currency(value: Mapping[Any, Any], currency: str, read: AmountReader) -> dict[str, Decimal]:
    """The two written forms of money, ``{amount, currency}`` or ``{CUR: amount, ...}``, each amount read by
    ``read`` in its currency; ``currency`` is the one examples name."""
    if "amount" in value or "currency" in value:
        extra = [key for key in value if key not in ("amount", "currency")]
        if extra:
            raise fail(
                "unknown_key",
                f"Unknown key {show(extra[0])} in {{where}}: an amount is {{amount, currency}} or a map of "
                "amounts per currency, not both.",
                (extra[0],),
            )
        if "currency" not in value:
            raise fail(
                "required",
                f"{{where}} has an amount but no currency: add currency, e.g. currency: {currency}.",
            )
        if "amount" not in value:
            raise fail("required", "{where} has a currency but no amount: add amount, e.g. amount: '5.00'.")
        code = _currency_code(value["currency"], ("currency",))
        return {code: read(value["amount"], code, ("amount",))}
    if not value:
        raise fail(
            "required",
            f"{{where}} is empty; give an amount per currency, e.g. {{{currency}: '{_money_example(5, currency)}'}}.",
        )
    if len(value) > MAX_LIST_ITEMS:
        raise fail(
            "too_many", f"{{where}} has {len(value)} currencies; at most {MAX_LIST_ITEMS} are allowed."
        )
    amounts: dict[str, Decimal] = {}
    for key, amount in value.items():
        code = _currency_code(key, (key,))
        amounts[code] = read(amount, code, (key,))
    return amounts


def _is_bare_amount(value: Any) -> bool:
    return _as_decimal(value) is not None or (
        isinstance(value, str) and bool(_AMOUNT_TEXT.match(value.strip()))
    )


def check_money(value: Any, info: ValidationInfo | None = None) -> Prices:
    """``{amount: '5.00', currency: USD}`` or ``{USD: '5.00', JPY: '500'}`` -> :class:`Prices`.

    A bare number is refused: since schema_version 1.1 an amount never silently means "in the order currency".
    """
    shop_currency = _context(info).currency
    currency = shop_currency or "EUR"
    if not isinstance(value, Mapping):
        if _is_bare_amount(value):
            example = _money_example(value, currency)
            raise fail(
                "amount_without_currency",
                f"{{where}} is the bare amount {show(value)}; since schema_version 1.1 every fixed amount names its "
                f"currency: write {{amount: '{example}', currency: {currency}}}, or one amount per currency the "
                f"shop sells in, e.g. {{{currency}: '{example}'}}.",
            )
        raise fail(
            "wrong_type",
            f"{given(value)} but {{where}} needs an amount with its currency, e.g. "
            f"{{amount: '{_money_example(5, currency)}', currency: {currency}}}.",
        )
    prices = Prices(_amounts_by_currency(value, currency, _amount_in))
    _has_shop_currency(prices, shop_currency)
    return prices


def _stored_threshold_amount(value: Any, currency: str, at: tuple[Any, ...]) -> Decimal:
    """A threshold of a stored version, kept as published: a number of the range and decimals conditions then
    allowed (a new text gets :func:`_amount_in`'s check)."""
    number = Decimal(value.strip()) if isinstance(value, str) and _AMOUNT_TEXT.match(value.strip()) else value
    try:
        checked = check_number(
            number, minimum=-MAX_CONDITION_NUMBER, maximum=MAX_CONDITION_NUMBER, integer=False, example=100
        )
    except PydanticCustomError as exc:
        raise fail(exc.type, str(exc), at) from None
    return Decimal(checked)


def check_threshold(value: Any, info: ValidationInfo | None = None) -> dict[str, Decimal]:
    """A money condition's threshold: ``{amount, currency}`` or ``{CUR: amount, ...}``, or a bare number where the
    policy names one currency (then it is an amount of that currency). Amounts need no more decimals than their
    currency has. A threshold without defaults.currency is valid (``policy check`` warns): for orders in that
    currency the condition does not match."""
    context = _context(info)
    currency = context.currency or "EUR"
    read = _stored_threshold_amount if context.stored else _amount_in
    if isinstance(value, Mapping):
        return _amounts_by_currency(value, currency, read)
    if _as_decimal(value) is None:
        raise fail(
            "wrong_type",
            f"{given(value)} but {{where}} needs an amount with its currency, e.g. "
            f"{{amount: '{_money_example(100, currency)}', currency: {currency}}}.",
        )
    if context.currency is None:
        return {}  # defaults.currency is reported
    if len(context.currencies) > 1:
        example = _money_example(value, currency)
        others = sorted(context.currencies - {currency})
        per_currency = ", ".join([f"{currency}: '{example}'", *(f"{code}: ..." for code in others)])
        raise fail(
            "amount_without_currency",
            f"{{where}} is the bare amount {show(value)}, but this policy names amounts in "
            f"{names(sorted(context.currencies))}, so a bare number could be any of them: write "
            f"{{amount: '{example}', currency: {currency}}}, or a threshold per currency, e.g. {{{per_currency}}}.",
        )
    return {currency: read(value, currency, ())}


def _has_shop_currency(prices: Prices, shop_currency: str | None) -> None:
    """Orders of the channel are in defaults.currency (the channel's currency when published): an amount without
    it could only be converted or guessed, so it is refused."""
    if shop_currency is None or shop_currency in prices:
        return
    written = ", ".join(f"{code}: '{amount}'" for code, amount in prices.items())
    raise fail(
        "missing_currency",
        f"{{where}} gives {', '.join(prices)} but not {shop_currency}, the currency of defaults.currency that this "
        f"channel's orders are in; amounts are never converted: add one, e.g. {{{written}, {shop_currency}: "
        f"'{_money_example(next(iter(prices.values())), shop_currency)}'}}.",
    )


_AMOUNT_SCHEMA: dict[str, Any] = {
    "anyOf": [{"type": "string", "pattern": "^\\d{1,10}(\\.\\d{1,10})?$"}, {"type": "number", "minimum": 0}]
}
MONEY_JSON_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"amount": _AMOUNT_SCHEMA, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            "required": ["amount", "currency"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "patternProperties": {"^[A-Z]{3}$": _AMOUNT_SCHEMA},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}


def _money_field(value: Any, info: ValidationInfo) -> Prices:
    return check_money(value, info)


Money = Checked(
    _money_field,
    MONEY_JSON_SCHEMA,
    "money",
    "`{amount, currency}` or `{CUR: amount, ...}`; 0..10^9 in the currency's decimals",
    Prices,
)


THRESHOLD_JSON_SCHEMA: dict[str, Any] = {
    "oneOf": [
        *MONEY_JSON_SCHEMA["oneOf"],
        {
            "type": "number",
            "minimum": 0,
            "description": "Only where the policy names one currency (defaults.currency): an amount of it.",
        },
    ]
}


def stored_rule_numbers(data: Mapping[str, Any], document: Any) -> Mapping[str, Any]:
    """A stored version's rules with the numbers it keeps as text (see :func:`stored_number`) as the numbers
    ``document`` (the validated model of ``data``) read: an action's parameter or a condition's value that the
    model holds as a number, where ``data`` holds text. Rules keep their plain form, so this is where they get
    the numbers a freshly published document has."""

    def number_of(raw: Any, validated: Any) -> Any:
        if isinstance(raw, str) and isinstance(validated, int | Decimal) and not isinstance(validated, bool):
            return validated
        return raw

    def condition(raw: Any, model: Any) -> Any:
        if not isinstance(raw, Mapping):
            return raw
        for group in ("all", "any"):
            if group in raw and isinstance(raw[group], list):
                children = getattr(model, group, None) or []
                return {**raw, group: [condition(r, m) for r, m in zip(raw[group], children, strict=False)]}
        if "value" in raw:
            return {**raw, "value": number_of(raw["value"], getattr(model, "value", None))}
        return raw

    def action(raw: Any, model: Any) -> Any:
        params = raw.get("params") if isinstance(raw, Mapping) else None
        if not isinstance(params, Mapping):
            return raw
        validated = getattr(model, "params", None)
        return {
            **raw,
            "params": {key: number_of(value, getattr(validated, key, None)) for key, value in params.items()},
        }

    rules = data.get("rules")
    if not isinstance(rules, list) or not document.rules:
        return data
    restored = []
    for raw, model in zip(rules, document.rules, strict=False):
        if not isinstance(raw, Mapping):
            restored.append(raw)
            continue
        actions = raw.get("actions")
        restored.append(
            {
                **raw,
                "conditions": condition(raw.get("conditions"), model.conditions),
                "actions": [action(a, m) for a, m in zip(actions, model.actions, strict=False)]
                if isinstance(actions, list)
                else actions,
            }
        )
    return {**data, "rules": restored}


def upgrade_stored_amounts(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A stored (published) version with its bare amounts named in its own ``defaults.currency``, which publishing
    always filled in with the channel's currency: lossless, because a published version only ever judged orders in
    that currency.

    - schema_version 1: fixed amounts (fees, caps, return shipping) were bare numbers "in the order currency";
    - any version published before thresholds had currencies: a money condition's value was a bare number, also
      "in the order currency".

    Only stored versions are upgraded this way; in a new text a bare fixed amount is refused
    (``amount_without_currency``), and a bare threshold is read only where the policy names one currency.
    """
    defaults = data.get("defaults")
    currency = defaults.get("currency") if isinstance(defaults, Mapping) else None
    if not isinstance(currency, str) or not isinstance(data.get("rules"), list):
        return data
    version_1 = str(data.get("schema_version")) in ("1", "1.0")

    def named(amount: Any) -> Any:
        return {currency: str(amount)} if _is_bare(amount) else amount

    rules = []
    for rule in data["rules"]:
        if not isinstance(rule, Mapping):
            rules.append(rule)
            continue
        rule = dict(rule)
        if isinstance(rule.get("conditions"), Mapping):
            rule["conditions"] = _named_thresholds(rule["conditions"], currency)
        actions = rule.get("actions")
        if version_1 and isinstance(actions, list):
            rule["actions"] = [_named_amounts(action, named) for action in actions]
        rules.append(rule)
    return {**data, "rules": rules}


def _is_bare(amount: Any) -> bool:
    return isinstance(amount, int | float | Decimal | str) and not isinstance(amount, bool)


def _named_amounts(action: Any, named: Callable[[Any], Any]) -> Any:
    params = action.get("params") if isinstance(action, Mapping) else None
    name = action.get("name") if isinstance(action, Mapping) else None
    if not isinstance(params, Mapping) or name not in MONEY_PARAMS:
        return action
    params = dict(params)
    for key in money_params(name, params):
        if key in params:
            params[key] = named(params[key])
    return {**action, "params": params}


def _named_thresholds(node: Mapping[str, Any], currency: str) -> Mapping[str, Any]:
    """A condition tree with each bare money threshold named in ``currency`` (the number kept as it is)."""
    for group in ("all", "any"):
        if isinstance(node.get(group), list):
            children = [
                _named_thresholds(child, currency) if isinstance(child, Mapping) else child
                for child in node[group]
            ]
            return {**node, group: children}
    value = node.get("value")
    if _is_money_leaf(node) and _is_bare(value) and not isinstance(value, str):
        return {**node, "value": {currency: value}}
    return node


def canonical_conditions(node: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The published form of a valid condition tree: every leaf carries ``value`` (null where the operator takes
    none, as business-rules reads it) and a money threshold is a map of currency to decimal text, a bare number
    named in ``currency`` (the policy's one currency)."""
    for group in ("all", "any"):
        if group in node:
            return {group: [canonical_conditions(child, currency) for child in node[group]]}
    value = node.get("value")
    if node["name"] in MONEY_VARIABLES and value is not None:
        if not isinstance(value, Mapping):
            value = {currency: value}
        value = {code: amount_text(amount, code) for code, amount in sorted(threshold_amounts(value).items())}
    return {"name": node["name"], "operator": node["operator"], "value": value}


def money_document_value(value: Any) -> dict[str, str]:
    """The canonical (published) form of a valid amount: one entry per currency, amount as decimal text in the
    currency's decimals, e.g. ``{"JPY": "500", "USD": "5.00"}``."""
    prices = value if isinstance(value, Prices) else check_money(value)
    return {currency: str(amount) for currency, amount in sorted(prices.items())}


MONEY_PARAMS: dict[str, tuple[str, ...]] = {
    "add_fee": ("cap",),
    "charge_return_shipping": ("amount",),
    "cap_fees": ("amount",),
}
"""Action -> its parameters that are money (add_fee's amount is money when its kind is fixed)."""


def money_params(action: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    names_ = MONEY_PARAMS.get(action, ())
    if action == "add_fee" and params.get("kind") == FeeKind.FIXED.value:
        names_ = ("amount", *names_)
    return names_


# --- reference data

# babel knows these territory codes, but they are not countries a shop can be in.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(code for code in territories if len(code) == 2 and code.isalpha()) - _NOT_COUNTRIES


@lru_cache(maxsize=1)
def holiday_countries() -> dict[str, list[str]]:
    return dict(holidays.list_supported_countries())


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _currency(value: Any) -> str:
    check_text(value, example="EUR", max_length=3 + 10)
    if not is_currency(value.strip().upper()) or value != value.strip():
        raise fail(
            "unknown_currency",
            f"{show(value)} is not an ISO 4217 currency code; use a code such as 'EUR', 'USD' or 'CNY'.",
        )
    return value.upper()


def _country(value: Any, info: ValidationInfo) -> str:
    check_text(value, example="DE", max_length=10)
    if value.upper() not in countries():
        raise fail(
            "unknown_country",
            f"{show(value)} is not an ISO 3166 alpha-2 country code; use a code such as 'DE', 'CN' or 'US'."
            + suggest(value.upper(), sorted(countries()), what="countries"),
        )
    if not _context(info).calendar_names_holiday_country and value.upper() not in holiday_countries():
        raise fail(
            "unknown_country",
            f"The holidays package has no public holidays for '{value.upper()}', and the business calendar uses "
            "defaults.country unless calendar.holidays_country says otherwise: set calendar.holidays_country to a "
            "supported country, or to null for no public holidays.",
        )
    return value.upper()


def _time_zone(value: Any) -> str:
    check_text(value, example="Europe/Berlin")
    if value not in time_zones():
        raise fail(
            "unknown_time_zone",
            f"{show(value)} is not an IANA time zone name such as 'Europe/Berlin', 'Asia/Shanghai' or 'UTC'."
            + suggest(value, sorted(time_zones()), what="time zones"),
        )
    return value


def _languages(value: Any) -> list[str]:
    check_text_list(value, example="en")
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not is_language(item):
            raise fail(
                "unknown_language",
                f"{show(item)} is not a locale identifier; use one such as 'en', 'de', 'zh_Hans' or 'pt_BR'.",
                (index,),
            )
        if item in seen:
            raise fail(
                "duplicate_value", f"'{item}' appears twice in defaults.languages; remove one.", (index,)
            )
        seen.add(item)
    return value


def _holidays_country(value: Any) -> str | None:
    if value is None:
        return None
    check_text(value, example="DE", max_length=10)
    supported = holiday_countries()
    if value.upper() not in supported:
        raise fail(
            "unknown_country",
            f"The holidays package has no public holidays for {show(value)}; use an ISO 3166 alpha-2 code it "
            "supports, such as 'DE', 'CN' or 'US', or null for no public holidays."
            + suggest(value.upper(), sorted(supported), what="countries"),
        )
    return value.upper()


def _subdivision(value: Any, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    check_text(value, example="BE", max_length=20)
    country = _context(info).holiday_country
    if country is None:
        raise fail(
            "unknown_subdivision",
            "A subdivision needs a holiday country, but calendar.holidays_country is null: set holidays_country or "
            "remove subdivision.",
        )
    subdivisions = holiday_countries().get(country)
    if subdivisions is None:
        return value  # the country itself is reported
    if value not in subdivisions:
        message = f"{show(value)} is not a subdivision of {country} that the holidays package knows."
        if subdivisions:
            message += suggest(value, subdivisions, what="subdivisions")
            if len(subdivisions) > 12:
                message += f" They are: {names(subdivisions)}."
        else:
            message += f" {country} has no subdivisions there: remove subdivision."
        raise fail("unknown_subdivision", message)
    return value


def _extra_holidays(value: Any) -> list[date]:
    check_list(
        value,
        owner="calendar.extra_holidays",
        needs="a list of dates, e.g. ['2026-12-24']",
        noun="dates",
        limit=1_000,
    )
    days: list[date] = []
    for index, item in enumerate(value):
        if isinstance(item, datetime) or not isinstance(item, str | date):
            raise fail(
                "invalid_date",
                f"{given(item)} but each extra holiday must be a date written YYYY-MM-DD, e.g. '2026-12-24'.",
                (index,),
            )
        if isinstance(item, str):
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
                    raise ValueError(item)
                item = date.fromisoformat(item)
            except ValueError:
                raise fail(
                    "invalid_date",
                    f"{show(item)} is not a date; write it YYYY-MM-DD, e.g. '2026-12-24'.",
                    (index,),
                ) from None
        if not 1900 <= item.year <= 2200:
            raise fail("out_of_range", f"{item.isoformat()} is not between 1900 and 2200.", (index,))
        days.append(item)
    return days


_TIME = re.compile(r"^\d{2}:\d{2}$")


def _time_of_day(value: Any) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 17:00 as the sexagesimal number 1020.
        hint = (
            f" YAML reads an unquoted {value // 60:02d}:{value % 60:02d} as the number {value}: write it in quotes."
            if 0 <= value < 1440
            else ""
        )
        raise fail("invalid_time", f'{given(value)} but {{where}} needs a time "HH:MM".{hint}')
    if not isinstance(value, str):
        raise fail("invalid_time", f'{given(value)} but {{where}} needs a time "HH:MM", e.g. "09:00".')
    try:
        if not _TIME.match(value):
            raise ValueError(value)
        return time.fromisoformat(value)
    except ValueError:
        raise fail("invalid_time", f'{show(value)} is not a time; write it "HH:MM", e.g. "09:00".') from None


TimeOfDay = Checked(_time_of_day, {"type": "string", "pattern": "^\\d{2}:\\d{2}$"}, "time", '"HH:MM"', time)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GROUP = re.compile(r"^group:[A-Za-z0-9][A-Za-z0-9._-]*$")


def _recipients(value: Any) -> list[str]:
    check_list(
        value,
        owner="notify",
        needs="a list of email addresses or 'group:<name>' entries",
        noun="recipients",
        limit=50,
    )
    for index, item in enumerate(value):
        try:
            check_text(item, example="support@shop.example", max_length=254)
        except PydanticCustomError as exc:
            raise fail(exc.type, str(exc).replace("{where}", "each notify entry"), (index,)) from None
        if not (_EMAIL.match(item) or _GROUP.match(item)):
            raise fail(
                "invalid_recipient",
                f"{show(item)} is neither an email address nor 'group:<name>'; write e.g. 'support@shop.example' or "
                "'group:supervisors'.",
                (index,),
            )
    return value


CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
"""Rule ids and reason codes: lower-case letters, digits, '-' and '_', at most 63."""
_CODE = re.compile(CODE_PATTERN)


def _rule_id(value: Any, info: ValidationInfo) -> str:
    check_text(value, example="final-sale")
    if not _CODE.match(value):
        slug = re.sub(r"[^a-z0-9_-]+", "-", value.lower()).strip("-_")[:63] or "my-rule"
        raise fail(
            "invalid_id",
            f"Rule id {show(value)} may use only lower-case letters, digits, '-' and '_', start with a letter or "
            f"digit and be at most 63 characters long, e.g. '{slug}'.",
        )
    context = _context(info)
    if value in context.rule_ids_seen:
        raise fail(
            "duplicate_id",
            f"Rule id '{value}' is already used by rules[{context.rule_ids.get(value, 0)}]; every rule needs its "
            "own id.",
        )
    context.rule_ids_seen.add(value)
    return value


# --- models


class StrictModel(BaseModel):
    """Unknown keys are errors; each raw mapping is remembered so an unknown key can get a suggestion."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    doc_example: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _remember(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, Mapping):
            _context(info).models[id(data)] = cls
        return data


class Window(StrictModel):
    doc_example: ClassVar[str] = "{days: 14, anchor: delivery, day_kind: calendar}"
    days: Number(0, 3650, integer=True, example=14) = Field(7, description="Length of the window.")
    anchor: Choice([a.value for a in Anchor]) = Field(
        Anchor.DELIVERY.value,
        description="What the window counts from; an unknown delivery falls back to fulfilment, then to the order.",
    )
    day_kind: Choice([k.value for k in DayKind]) = Field(
        DayKind.CALENDAR.value, description="Calendar days, or business days of the shop's calendar."
    )


DEFAULT_RESOLUTIONS = [Resolution.REFUND.value, Resolution.STORE_CREDIT.value, Resolution.EXCHANGE.value]


class Defaults(StrictModel):
    doc_example: ClassVar[str] = "{currency: EUR, country: DE, time_zone: Europe/Berlin}"
    currency: Checked(_currency, {"type": "string", "pattern": "^[A-Za-z]{3}$"}) = Field(
        description="ISO 4217 currency code, e.g. `EUR`, `CNY`."
    )
    country: Checked(_country, {"type": "string", "pattern": "^[A-Za-z]{2}$"}) = Field(
        description="ISO 3166 alpha-2 country code of the shop, e.g. `DE`."
    )
    time_zone: Checked(_time_zone) = Field(
        description="IANA time zone; days are counted on this local calendar."
    )
    languages: Checked(
        _languages,
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "list of text",
        "",
        list[str],
    ) = Field(
        default_factory=lambda: ["en"],
        description="Locale identifiers (babel), e.g. `en`, `zh_Hans`; texts must cover each of them.",
    )
    eligible: Boolean = Field(True, description="Whether lines may be returned.")
    window: Window = Field(default_factory=Window, description="The return window.")
    resolutions: Choices([r.value for r in Resolution]) = Field(
        default_factory=lambda: list(DEFAULT_RESOLUTIONS), description="What customers may choose."
    )
    review: Choice(["required", "auto"]) = Field(
        "required", description="`required` (staff approve) or `auto`."
    )
    photos_required: Number(0, 20, integer=True, example=1) = Field(0, description="Photos to attach.")
    warranty_months: Number(0, 240, integer=True, example=24) = Field(
        12, description="Warranty length in months."
    )
    store_credit_bonus: Number(0, 100, example=10, unit=" %") = Field(
        0, description="Extra store credit in percent of the refund."
    )
    prior_returns_days: Number(1, 3650, integer=True, example=90) = Field(
        90, description="Look-back period of the prior_returns_* variables, in days."
    )
    rounding: Choice(list(ROUNDING_MODES)) = Field(
        "half_up",
        description="How a computed amount (a percent fee, a store-credit bonus, a percent cap) is rounded to the "
        "currency's decimals, line by line: `half_up` (2.345 → 2.35), `half_even` (2.345 → 2.34, 2.355 → 2.36) "
        "or `down` (2.349 → 2.34, in the customer's favour for fees). The published policy states it with a "
        "worked example.",
    )
    customer_favourable: Boolean = Field(
        False,
        description="`true`: each order is judged by the more generous of the version in force when it was placed "
        "and the current one (the trace names the deciding version); `false`: by the version in force when it was "
        "placed.",
    )
    zero_refund: Choice(list(ZERO_REFUND_CHOICES)) = Field(
        DEFAULT_ZERO_REFUND,
        description="A return line whose refund would be 0.00 after fees (asking for money back): `review` (the "
        "customer is told why, with the fees, and staff review it: never approved automatically), `refuse` (not "
        "eligible; the rest of the case is decided without it) or `allow` (eligible, the customer is told why).",
    )


class WorkingHours(StrictModel):
    doc_example: ClassVar[str] = '{start: "09:00", end: "17:00"}'
    start: TimeOfDay = Field(description="Opening time.")
    end: TimeOfDay = Field(description="Closing time, after start.")

    @model_validator(mode="after")
    def _open_before_close(self) -> "WorkingHours":
        if self.start >= self.end:
            raise fail(
                "out_of_range",
                f"working_hours end {self.end:%H:%M} is not after start {self.start:%H:%M}; the shop must open "
                "before it closes on the same day.",
                ("end",),
            )
        return self


class Calendar(StrictModel):
    doc_example: ClassVar[str] = "{working_days: [mon, tue, wed, thu, fri]}"
    working_days: Choices(WEEKDAYS) = Field(
        default_factory=lambda: list(WEEKDAYS[:5]), description="The shop's working days."
    )
    holidays_country: Checked(
        _holidays_country, {"type": ["string", "null"]}, "text or null", "", str | None
    ) = Field(
        MISSING,
        description="Country whose public holidays are closing days (`holidays` package); `null` for none. "
        "Default: defaults.country.",
    )
    subdivision: Checked(_subdivision, {"type": ["string", "null"]}, python_type=str | None) = Field(
        None, description="A state or province the `holidays` package knows, e.g. `BE`."
    )
    extra_holidays: Checked(
        _extra_holidays,
        {"type": "array", "items": {"type": "string", "format": "date"}},
        "list of dates",
        "1900..2200, at most 1000",
        list[date],
    ) = Field(default_factory=list, description='The shop\'s own closing days, e.g. `["2026-12-24"]`.')
    follow_official_calendar: Boolean = Field(
        True,
        description="`true`: weekend days the holiday country officially declares working days (make-up days, "
        "e.g. China's 调休) are working days; `false`: only working_days count (minus holidays). The published "
        "policy says which.",
    )
    working_hours: WorkingHours | None = Field(
        None,
        description='Opening hours for SLA deadlines, e.g. `{start: "09:00", end: "17:00"}` (quote the times in '
        "YAML); none: whole days.",
    )


# --- conditions

ConditionValue = Any


def _operators() -> dict[str, dict[str, str]]:
    """Variable type name -> operator name -> input type, as business-rules defines them."""
    types = {spec.field_type for spec in VARIABLES.values()}
    return {t.name: {op["name"]: op["input_type"] for op in t.get_all_operators()} for t in types}


OPERATORS: dict[str, dict[str, str]] = _operators()
TYPE_NAMES = {
    "numeric": "a number",
    "string": "text",
    "boolean": "true/false",
    "select": "a choice",
    "select_multiple": "a list of text",
}


def example_value(name: str, input_type: str) -> str:
    spec = VARIABLES.get(name)
    example = spec.example if spec is not None else None
    if input_type == FIELD_NUMERIC:
        return str(example if isinstance(example, int | Decimal) else 7)
    if input_type == FIELD_MONEY:
        return "{amount: '100.00', currency: EUR}"
    if input_type == FIELD_SELECT_MULTIPLE:
        first = example[0] if isinstance(example, list) and example else "x"
        return f"['{first}']"
    return f"'{example}'" if isinstance(example, str) else "'x'"


def _variable_name(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("wrong_type", f"{given(value)} but a condition's name needs a variable name.")
    if value not in VARIABLES:
        raise fail(
            "unknown_variable",
            f"Unknown variable {show(value)}." + suggest(value, sorted(VARIABLES), what="variables"),
        )
    return value


class Leaf(StrictModel):
    model_config = ConfigDict(
        **StrictModel.model_config,
        json_schema_extra={
            # The value of a money variable is a threshold with its currency (editors check and complete it).
            "if": {"properties": {"name": {"enum": sorted(MONEY_VARIABLES)}}, "required": ["name"]},
            "then": {"properties": {"value": THRESHOLD_JSON_SCHEMA}},
        },
    )
    doc_example: ClassVar[str] = "{name: days_since_delivery, operator: less_than_or_equal_to, value: 14}"
    name: Checked(_variable_name, {"type": "string", "enum": sorted(VARIABLES)}) = Field(
        description="A variable."
    )
    operator: Annotated[str, WithJsonSchema({"type": "string"})] = Field(
        description="An operator of its type."
    )
    value: Annotated[ConditionValue, WithJsonSchema({})] = Field(MISSING, validate_default=True)

    @field_validator("operator", mode="plain")
    @classmethod
    def _operator(cls, value: Any, info: ValidationInfo) -> str:
        if not isinstance(value, str):
            raise fail("wrong_type", f"{given(value)} but a condition's operator needs an operator name.")
        variable = info.data.get("name")
        if variable is None:
            every = sorted({op for ops in OPERATORS.values() for op in ops})
            if value not in every:
                raise fail("unknown_operator", f"Unknown operator {show(value)}." + suggest(value, every))
            return value
        type_name = VARIABLES[variable].type_name
        valid = sorted(OPERATORS[type_name])
        if value in valid:
            return value
        other_types = [t for t, ops in OPERATORS.items() if value in ops]
        if other_types:
            message = (
                f"'{value}' is an operator for {TYPE_NAMES.get(other_types[0], other_types[0])}, but {variable} is "
                f"{TYPE_NAMES.get(type_name, type_name)}: use one of {names(valid)}."
            )
        else:
            message = f"Unknown operator {show(value)} for {variable}." + suggest(value, valid)
            if "Did you mean" in message:
                message += f" {variable} takes: {names(valid)}."
        raise fail("unknown_operator", message)

    @field_validator("value", mode="plain")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        name, operator = info.data.get("name"), info.data.get("operator")
        if name is None or operator is None:
            return None if value is MISSING else value  # the name or operator is reported
        spec = VARIABLES[name]
        input_type = OPERATORS[spec.type_name][operator]
        where = f"{name} {operator}"
        if value is MISSING:
            if input_type != FIELD_NO_INPUT:
                raise fail("required", f"{where} needs a value, e.g. {example_value(name, input_type)}.")
            return None
        if input_type == FIELD_NO_INPUT:
            if value is not None:
                raise fail(
                    "unexpected_value",
                    f"{where} takes no value, but {given(value)}: remove value"
                    + (
                        " (use is_false to test for false)."
                        if operator == "is_true" and value is False
                        else "."
                    ),
                )
            return None
        example = example_value(name, input_type)
        if input_type == FIELD_MONEY:
            return check_threshold(value, info)
        if input_type == FIELD_NUMERIC:
            return check_number(
                stored_number(value, info),
                minimum=-MAX_CONDITION_NUMBER,
                maximum=MAX_CONDITION_NUMBER,
                integer=False,
                example=example,
            )
        if input_type == FIELD_SELECT_MULTIPLE:
            return check_text_list(value, what=where, example=example.strip("[]'"))
        text = check_text(value, example=example.strip("'"), allow_empty=True, max_length=MAX_NAME_LENGTH * 2)
        if input_type == FIELD_TEXT and operator == "matches_regex":
            try:
                compile_pattern(text)  # the engine's own operator (RE2), so what validates also evaluates
            except ValueError as exc:
                raise fail("invalid_regex", f"{exc} Use RE2 syntax.") from None
        if (
            name == "reason"
            and operator in ("equal_to", "equal_to_case_insensitive")
            and text in REASON_ALIASES
        ):
            raise fail(
                "invalid_choice",
                f"'{text}' is the old name of '{REASON_ALIASES[text]}', the one no-reason code: write "
                f"'{REASON_ALIASES[text]}' (storefronts may still send '{text}'; it is read as "
                f"'{REASON_ALIASES[text]}').",
            )
        if spec.options and operator in ("equal_to", "equal_to_case_insensitive"):
            options = _context(info).reason_codes if name == "reason" else list(spec.options)
            folded = text.lower() if operator == "equal_to_case_insensitive" else text
            known = [o.lower() for o in options] if operator == "equal_to_case_insensitive" else options
            if folded not in known:
                raise fail(
                    "invalid_choice",
                    f"{show(text)} is not a value of {name}, so this condition never matches."
                    + suggest(text, options)
                    + full_list(text, options),
                )
        return text


class AllOf(StrictModel):
    all: list["Condition"] = Field(min_length=1, description="Every condition must hold.")


class AnyOf(StrictModel):
    any: list["Condition"] = Field(min_length=1, description="At least one condition must hold.")


def _condition_tag(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    for key in value:
        if key in ("all", "any"):
            return key
    return "leaf"


Condition = Annotated[
    Union[Annotated[AllOf, Tag("all")], Annotated[AnyOf, Tag("any")], Annotated[Leaf, Tag("leaf")]],  # noqa: UP007
    Discriminator(_condition_tag),
]


def _condition_tree_shape(value: Any) -> Any:
    """Depth and size of a condition tree, measured without recursion before anything descends into it."""
    if isinstance(value, Mapping) and not ("all" in value or "any" in value):
        raise fail(
            "wrong_type",
            "conditions must start with 'all' or 'any', e.g. {all: [{name: reason, operator: equal_to, value: "
            "defective}]}.",
        )
    leaves = 0
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 1, ())]
    while stack:
        node, depth, at = stack.pop()
        if not isinstance(node, Mapping):
            continue
        group = _condition_tag(node)
        if group == "leaf":
            leaves += 1
            continue
        if depth > MAX_CONDITION_DEPTH:
            raise fail(
                "too_deep",
                f"Conditions are nested more than {MAX_CONDITION_DEPTH} levels deep: flatten them or split the "
                "rule.",
                at,
            )
        children = node.get(group)
        if isinstance(children, list):
            for index in range(len(children) - 1, -1, -1):
                stack.append((children[index], depth + 1, (*at, group, index)))
    if leaves > MAX_CONDITIONS_PER_RULE:
        raise fail(
            "too_many",
            f"This rule has {leaves} conditions; at most {MAX_CONDITIONS_PER_RULE} are allowed: split it into "
            "several rules.",
        )
    return value


# --- actions


def _params_before(data: Any) -> Any:
    """``params: null`` is no parameters; a parameter written as null is not given."""
    if data is None:
        return {}
    return data


class Params(StrictModel):
    """Base of each action's parameters; a null parameter counts as not given."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, Mapping):
            _context(info).models[id(data)] = cls
            return {key: value for key, value in data.items() if value is not None}
        return data


def _reason_text(value: Any, info: ValidationInfo) -> str:
    check_text(value, example="final_sale")
    context = _context(info)
    if context.texts is not None and value not in context.reasons_checked:
        context.reasons_checked.add(value)
        for language in context.languages:
            by_code = context.texts.get(language)
            if not isinstance(by_code, Mapping) or value not in by_code:
                raise fail(
                    "missing_text",
                    f"Reason '{value}' has no text in {language}: add texts.{language}.{value} with the sentence "
                    "customers see.",
                )
    return value


ReasonCode = Checked(_reason_text)


class AllowParams(Params):
    reason: ReasonCode | None = Field(None, description="Optional reason code shown to the customer.")


class DenyParams(Params):
    reason: ReasonCode = Field(
        description="Customer-facing reason code, e.g. 'final_sale'; its text comes from the policy's texts."
    )


class SetWindowParams(Params):
    days: Number(0, 3650, integer=True) = Field(description="Length of the window.")
    anchor: Choice([a.value for a in Anchor]) = Field(
        Anchor.DELIVERY.value,
        description="What the window counts from; an unknown delivery falls back to fulfilment, then to the order.",
    )
    day_kind: Choice([k.value for k in DayKind]) = Field(
        DayKind.CALENDAR.value, description="Calendar days, or business days of the shop's calendar."
    )


def _fee_code(value: Any) -> str:
    check_text(value, example="restocking", max_length=63)
    if value == ALL_FEES:
        raise fail(
            "invalid_choice", "'*' is reserved for waive_fee (all fees); name the fee, e.g. 'restocking'."
        )
    return value


def _fee_amount(value: Any, info: ValidationInfo) -> int | Decimal | Prices:
    """A percent fee's amount is a percentage; a fixed fee's amount is money with its currency."""
    kind = info.data.get("kind")
    if kind == FeeKind.FIXED.value:
        return check_money(value, info)
    if kind == FeeKind.PERCENT.value and isinstance(value, Mapping):
        raise fail(
            "wrong_type",
            "A percent fee's amount is a plain percentage (15 = 15 %), not money; write amount: 15, or use "
            "kind: fixed for an amount of money.",
        )
    number = check_number(
        stored_number(value, info), minimum=Decimal(0), maximum=None, integer=False, example=15, unit=" %"
    )
    if number > 100:
        raise fail(
            "out_of_range", f"add_fee.amount is {number} %, but a percent fee must be between 0 and 100 %."
        )
    return number


class AddFeeParams(Params):
    code: Checked(_fee_code) = Field(
        description="Name of the fee, e.g. 'restocking'; waive_fee and texts refer to it."
    )
    kind: Choice([k.value for k in FeeKind]) = Field(description="percent or fixed.")
    amount: Checked(
        _fee_amount,
        {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, MONEY_JSON_SCHEMA]},
        "number or money",
        "percent: 0..100; fixed: money",
        int | Decimal | Prices,
    ) = Field(
        description="percent: the percentage (15 = 15 %); fixed: money with its currency, "
        "`{amount: '5.00', currency: USD}` or `{USD: '5.00', JPY: '500'}`."
    )
    scope: Choice([s.value for s in FeeScope]) = Field(
        FeeScope.LINE.value, description="Charged on each line or once per case."
    )
    cap: Money | None = Field(None, description="Upper bound of this fee: money with its currency.")


class ChargeReturnShippingParams(Params):
    amount: Money = Field(
        description="Money with its currency, e.g. `{amount: '4.95', currency: EUR}` or `{EUR: '4.95', JPY: '800'}`."
    )


def _waived_fee(value: Any, info: ValidationInfo) -> str:
    check_text(value, example="restocking", max_length=63)
    codes = _context(info).fee_codes
    if value != ALL_FEES and value not in codes:
        raise fail(
            "unknown_fee",
            f"No rule adds a fee '{value}', so there is nothing to waive."
            + suggest(value, codes)
            + " Use '*' to waive every fee.",
        )
    return value


class WaiveFeeParams(Params):
    code: Checked(_waived_fee) = Field(description="The fee's code, or '*' for all fees.")


class CapFeesParams(Params):
    amount: Money | None = Field(None, description="Cap as money with its currency.")
    percent: Number(0, 100, unit=" %") | None = Field(
        None, description="Cap as a percentage of the refundable amount."
    )

    @model_validator(mode="after")
    def _one_given(self) -> "CapFeesParams":
        if self.amount is None and self.percent is None:
            raise fail("required", "cap_fees needs amount or percent (or both).")
        return self


class SetResolutionsParams(Params):
    resolutions: Choices([r.value for r in Resolution]) = Field(description="One or more resolutions.")


class SetStoreCreditBonusParams(Params):
    percent: Number(0, 100, example=10) = Field(description="Bonus percentage, e.g. 10.")


class NoParams(Params):
    pass


class RequirePhotosParams(Params):
    count: Number(1, 20, integer=True) = Field(1, description="Minimum number of photos.")


class SetWarrantyParams(Params):
    months: Number(0, 240, integer=True, example=24) = Field(description="Warranty length in months.")


CLOCKS = ("calendar", "working")
"""How a first-response target counts: ``calendar`` hours (around the clock, weekends and holidays included) or
``working`` hours (only within calendar.working_hours on the calendar's working days)."""


class FirstResponse(StrictModel):
    doc_example: ClassVar[str] = "{hours: 48, clock: calendar}"
    hours: Number(0, MAX_HOURS, example=48) = Field(description="Hours to the first response.")
    clock: Choice(CLOCKS) = Field(
        description="`calendar`: hours around the clock, weekends and holidays included; `working`: only working "
        "hours on working days of the shop's calendar."
    )


def _one_first_response(model: Any, what: str) -> None:
    if model.first_response is not None and model.first_response_hours not in (None, MISSING):
        raise fail(
            "duplicate_value",
            f"{what} gives both first_response and first_response_hours; keep first_response: "
            "{hours: ..., clock: calendar|working}.",
            ("first_response_hours",),
        )


class SetSlaParams(Params):
    first_response: FirstResponse | None = Field(
        None,
        description="`{hours, clock}`: hours to the first response and whether they are calendar or working "
        "hours.",
    )
    first_response_hours: Number(0, MAX_HOURS, example=24) | None = Field(
        None,
        description="Working hours to the first response (the same as `first_response: {hours, clock: "
        "working}`).",
    )
    resolution_working_days: Number(0, 3650, example=7) | None = Field(
        None, description="Working days to a resolution."
    )

    @model_validator(mode="after")
    def _one_given(self) -> "SetSlaParams":
        if (
            self.first_response is None
            and self.first_response_hours is None
            and self.resolution_working_days is None
        ):
            raise fail("required", "set_sla needs first_response or resolution_working_days (or both).")
        _one_first_response(self, "set_sla")
        return self


def _escalation_path_name(value: Any, info: ValidationInfo) -> str:
    check_text(value, example="default")
    paths = _context(info).escalation_paths
    if value not in paths:
        if paths:
            hint = suggest(value, paths)
            if "Did you mean" in hint:
                hint += f" The policy defines: {names(paths)}."
            message = f"There is no escalation path '{value}'." + hint
        else:
            message = (
                f"There is no escalation path '{value}': this policy has no escalation section. Add one, "
                f"e.g. escalation: {{{value}: [{{name: agent, after_hours: 0, notify: [...]}}]}}."
            )
        raise fail("unknown_escalation_path", message)
    return value


class SetEscalationPathParams(Params):
    path: Checked(_escalation_path_name) = Field(
        description="Name of a path in the policy's 'escalation' section."
    )


ACTION_PARAMS: dict[str, type[Params]] = {
    "allow": AllowParams,
    "deny": DenyParams,
    "set_window": SetWindowParams,
    "add_fee": AddFeeParams,
    "charge_return_shipping": ChargeReturnShippingParams,
    "waive_fee": WaiveFeeParams,
    "cap_fees": CapFeesParams,
    "set_resolutions": SetResolutionsParams,
    "set_store_credit_bonus": SetStoreCreditBonusParams,
    "require_review": NoParams,
    "auto_approve": NoParams,
    "require_photos": RequirePhotosParams,
    "set_warranty": SetWarrantyParams,
    "set_sla": SetSlaParams,
    "set_escalation_path": SetEscalationPathParams,
}

_FIELD_TYPES = {
    "number": FIELD_NUMERIC,
    "money": FIELD_TEXT,
    "whole number": FIELD_NUMERIC,
    "choice": FIELD_SELECT,
    "list": FIELD_SELECT_MULTIPLE,
}


def field_doc(info: Any) -> Doc:
    """The :class:`Doc` of a model field (unwrapping ``X | None``)."""
    for item in info.metadata:
        if isinstance(item, Doc):
            return item
    for arg in getattr(info.annotation, "__args__", ()) or ():
        for item in getattr(arg, "__metadata__", ()):
            if isinstance(item, Doc):
                return item
    return Doc("text")


def action_param_types(action: str) -> dict[str, str]:
    """Parameter name -> business-rules field type of an action, from its parameter model."""
    model = ACTION_PARAMS[action]
    return {
        name: _FIELD_TYPES.get(field_doc(info).type_name, FIELD_TEXT)
        for name, info in model.model_fields.items()
    }


# Checks beyond each parameter's own type and range, per action (documented in docs/policy.md).
ACTION_CONSTRAINTS: dict[str, str] = {
    "allow": "When the policy has texts, the reason needs a text in every language of defaults.languages.",
    "deny": "When the policy has texts, the reason needs a text in every language of defaults.languages.",
    "add_fee": "A percent fee's amount is a number at most 100; a fixed fee's amount and every cap are money with "
    "its currency; the code '*' is reserved for waive_fee.",
    "waive_fee": "The code is '*' (every fee) or the code of a fee that some rule adds (or 'return_shipping').",
    "cap_fees": "Give amount, percent or both.",
    "set_sla": "Give first_response (or first_response_hours, which counts working hours), "
    "resolution_working_days or both; not first_response and first_response_hours together.",
    "set_escalation_path": "The path must be defined in the policy's escalation section.",
}


def _action_model(action: str, params: type[Params]) -> type[StrictModel]:
    class_name = "".join(part.title() for part in action.split("_")) + "Action"
    return type(
        class_name,
        (StrictModel,),
        {
            "__annotations__": {"name": Literal[action], "params": params},  # type: ignore[valid-type]
            "params": Field(default_factory=dict, validate_default=True),
            "_params_none": field_validator("params", mode="before")(
                classmethod(lambda cls, v: _params_before(v))
            ),
            "__module__": __name__,
        },
    )


ACTION_MODELS: dict[str, type[StrictModel]] = {
    name: _action_model(name, model) for name, model in ACTION_PARAMS.items()
}


def _action_tag(value: Any) -> str | None:
    if isinstance(value, Mapping):
        name = value.get("name")
        if isinstance(name, str):
            return name
    return None


Action = Annotated[
    Union[tuple(Annotated[model, Tag(name)] for name, model in ACTION_MODELS.items())],  # type: ignore[misc]  # noqa: UP007
    Discriminator(_action_tag),
]


class RuleModel(StrictModel):
    doc_example: ClassVar[str] = "{id: final-sale, conditions: {all: [...]}, actions: [...]}"
    id: Checked(_rule_id, {"type": "string", "pattern": CODE_PATTERN}) = Field(
        description="Unique id: lower-case letters, digits, '-' and '_'."
    )
    description: Text(allow_empty=True, max_length=MAX_TEXT_LENGTH) = Field(
        "", description="What the rule is for."
    )
    priority: Number(-1000, 1000, integer=True, example=10) = Field(0, description="Higher wins.")
    conditions: Condition = Field(description="{all: [...]} or {any: [...]}, nested.")
    actions: list[Action] = Field(
        min_length=1, max_length=MAX_ACTIONS_PER_RULE, description="What the rule does."
    )

    @field_validator("conditions", mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        return _condition_tree_shape(value)


class SlaTargets(StrictModel):
    doc_example: ClassVar[str] = "{first_response: {hours: 48, clock: calendar}, resolution_working_days: 7}"
    first_response: FirstResponse | None = Field(
        None,
        description="`{hours, clock}`: hours to the first response, counted as calendar or working hours.",
    )
    first_response_hours: Number(0, MAX_HOURS, example=24) = Field(
        MISSING,
        description="Working hours to the first response (the same as `first_response: {hours, clock: working}`).",
    )
    resolution_working_days: Number(0, 3650, example=7) = Field(
        MISSING, description="Working days to a resolution."
    )

    @model_validator(mode="after")
    def _one(self) -> "SlaTargets":
        _one_first_response(self, "This target")
        return self


DEFAULT_SLA: dict[str, dict[str, int]] = {
    CaseKind.RETURN.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.EXCHANGE.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.REPAIR.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.COMPLAINT.value: {"first_response_hours": 48, "resolution_working_days": 7},
}


class Sla(StrictModel):
    doc_example: ClassVar[str] = "{complaint: {first_response_hours: 48}}"
    return_: SlaTargets | None = Field(None, alias="return")
    exchange: SlaTargets | None = None
    repair: SlaTargets | None = None
    complaint: SlaTargets | None = None


class Tier(StrictModel):
    doc_example: ClassVar[str] = "{name: supervisor, after_hours: 24, notify: ['group:supervisors']}"
    name: Text(example="supervisor") = Field(description="The tier's name.")
    after_hours: Number(0, MAX_HOURS, example=24) = Field(
        0, description="Hours after which this tier is reached."
    )
    notify: Checked(
        _recipients, {"type": "array", "items": {"type": "string"}}, "list of text", "", list[str]
    ) = Field(default_factory=list, description="Email addresses or `group:<name>`.")


def _tiers_in_order(tiers: list[Tier]) -> list[Tier]:
    previous: Decimal | None = None
    seen: set[str] = set()
    for index, tier in enumerate(tiers):
        if tier.name in seen:
            raise fail("duplicate_value", f"Tier '{tier.name}' appears twice in {{where}}.", (index, "name"))
        seen.add(tier.name)
        after = Decimal(tier.after_hours)
        if previous is not None and after < previous:
            raise fail(
                "out_of_order",
                f"after_hours {after} comes after a tier at {previous} hours; tiers are listed in the order they are "
                "reached, so after_hours never decreases along a path.",
                (index, "after_hours"),
            )
        previous = after
    return tiers


def _path_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail("wrong_type", f"An escalation path's name must be text, but {given(value)}.")
    if len(value) > MAX_NAME_LENGTH:
        raise fail("too_long", f"An escalation path's name is longer than {MAX_NAME_LENGTH} characters.")
    check_characters(value)
    return value


def _language_key(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise fail("unknown_language", f"A language must be text, but {given(value)}.")
    languages = _context(info).languages
    if value not in languages:
        raise fail(
            "unknown_language",
            f"texts has '{show(value)[1:-1]}', but defaults.languages is [{names(languages)}]: add "
            f"'{show(value)[1:-1]}' there or remove these texts." + suggest(value, languages),
        )
    return value


def _code_key(value: Any) -> str:
    if not isinstance(value, str):
        raise fail("wrong_type", f"A reason code must be text, but {given(value)}.")
    if len(value) > 63:
        raise fail("too_long", f"Reason code {show(value)} is longer than 63 characters.")
    check_characters(value)
    return value


LanguageKey = Checked(_language_key)
CodeKey = Checked(_code_key)
CustomerText = Text(example="Final-sale items cannot be returned.", max_length=MAX_TEXT_LENGTH)
PathName = Checked(_path_name)


def _mapping_or_none(value: Any, needs: str) -> Any:
    """``value`` when it is a mapping or null; ``needs`` says which mapping (for the texts and escalation sections,
    whose keys are validated one by one)."""
    if value is not None and not isinstance(value, Mapping):
        raise fail("wrong_type", f"{given(value)} but {needs}.")
    return value


def _catalogue_code(value: Any) -> str:
    check_text(value, example="arrived_late", max_length=63)
    if value in REASON_ALIASES:
        raise fail(
            "invalid_choice",
            f"'{value}' is the old name of '{REASON_ALIASES[value]}'; the catalogue has one no-reason code: use "
            f"'{REASON_ALIASES[value]}' with no_reason: true.",
        )
    if not _CODE.match(value):
        raise fail(
            "invalid_id",
            f"Reason code {show(value)} may use only lower-case letters, digits, '-' and '_' (at most 63), e.g. "
            f"'{re.sub(r'[^a-z0-9_-]+', '_', value.lower()).strip('_-')[:63] or 'my_reason'}'.",
        )
    return value


def _labels(value: Any, info: ValidationInfo) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise fail(
            "wrong_type",
            f"{given(value)} but {{where}} needs a label per language, e.g. {{en: 'Arrived late', zh_Hans: '迟到'}}.",
        )
    languages = _context(info).languages
    for language, label in value.items():
        if language not in languages:
            raise fail(
                "unknown_language",
                f"{{where}} has a label in {show(language)}, but defaults.languages is [{names(languages)}]: add "
                "the language there or remove the label." + suggest(str(language), languages),
                (language,),
            )
        try:
            check_text(label, example="Arrived late", max_length=MAX_NAME_LENGTH)
        except PydanticCustomError as exc:
            raise fail(exc.type, str(exc), (language,)) from None
    missing = [language for language in languages if language not in value]
    if missing:
        raise fail(
            "missing_text",
            f"{{where}} has no label in {names(missing)}; customers choosing in that language need one: add "
            f"{missing[0]}: '...'.",
        )
    return dict(value)


class ReasonModel(StrictModel):
    doc_example: ClassVar[str] = (
        "{code: arrived_late, labels: {en: 'Arrived too late', zh_Hans: '到货太晚'}, parent: not_as_described}"
    )
    code: Checked(_catalogue_code, {"type": "string", "pattern": CODE_PATTERN}) = Field(
        description="What storefronts send and rules test (`reason`), e.g. `defective`."
    )
    labels: Checked(
        _labels,
        {"type": "object", "additionalProperties": {"type": "string"}},
        "mapping",
        "a label in every language of defaults.languages",
        dict[str, str],
    ) = Field(description="Language -> what the customer reads.")
    parent: Text(example="defective") | None = Field(
        None, description="Code of an earlier reason this one refines (nested reasons)."
    )
    counts_as_defect: Boolean = Field(False, description="Counted as a product defect in the KPIs.")
    photos_required: Boolean = Field(False, description="The customer attaches photos with this reason.")
    no_reason: Boolean = Field(False, description="The no-questions-asked return; only the code `no_reason`.")


def _catalogue(reasons: list[ReasonModel]) -> list[ReasonModel]:
    seen: set[str] = set()
    for index, reason in enumerate(reasons):
        if reason.code in seen:
            raise fail(
                "duplicate_id", f"Reason '{reason.code}' appears twice in the catalogue.", (index, "code")
            )
        if reason.parent is not None and reason.parent not in seen:
            raise fail(
                "unknown_reason",
                f"Parent '{reason.parent}' of reason '{reason.code}' is not a reason listed before it; list the "
                "parent first." + suggest(reason.parent, sorted(seen)),
                (index, "parent"),
            )
        if reason.no_reason != (reason.code == NO_REASON):
            raise fail(
                "invalid_choice",
                f"The one no-reason code is '{NO_REASON}': give it no_reason: true, and no other reason.",
                (index, "no_reason"),
            )
        seen.add(reason.code)
    return reasons


def _schema_version(value: Any) -> str:
    if isinstance(value, str) and value.strip() in READ_VERSIONS:
        return SCHEMA_VERSION
    number = _as_decimal(value)
    if number is not None and not number.is_finite():
        number = None  # NaN, sNaN and infinities are no version (and sNaN refuses to be compared)
        if not isinstance(value, str):
            raise fail("wrong_type", f"{given(value)} but schema_version needs the number {SCHEMA_VERSION}.")
    if number is None and not isinstance(value, str):
        raise fail("wrong_type", f"{given(value)} but schema_version needs the number {SCHEMA_VERSION}.")
    if number is None or str(canonical_number(number)) not in READ_VERSIONS:
        raise fail(
            "unsupported_version",
            f"schema_version {show(value)} is not supported; this plugin reads schema_version {SCHEMA_VERSION} "
            "(and 1 documents without bare amounts).",
        )
    return SCHEMA_VERSION


class PolicyDocument(StrictModel):
    """The whole policy document."""

    doc_example: ClassVar[str] = (
        "{schema_version: 1.1, defaults: {currency: EUR, country: DE, time_zone: Europe/Berlin}, rules: []}"
    )
    schema_version: Checked(
        _schema_version,
        {"enum": [1.1, "1.1", 1]},
        "number",
        "`1.1` (a `1` document is read as 1.1; its bare amounts are refused)",
    ) = Field(
        description=f"`{SCHEMA_VERSION}`. A schema_version 1 document is read as 1.1, except that a bare amount "
        '(which 1 read as "in the order currency") is refused with the way to write it: '
        "`{amount: '5.00', currency: EUR}` or `{EUR: '5.00', JPY: '800'}`."
    )
    name: Text(example="My shop", allow_empty=True) = Field(
        "", description="The shop's name, shown on the published policy."
    )
    defaults: Defaults = Field(description="What applies when no rule decides a setting.")
    calendar: Calendar | None = Field(None, description="The shop's business calendar.")
    rules: Annotated[list[RuleModel], Field(max_length=MAX_RULES)] | None = Field(
        None, description=f"The rules, at most {MAX_RULES}; see [Rules](#rules)."
    )
    sla: Sla | None = Field(None, description="Service targets per case kind.")
    escalation: dict[PathName, Annotated[list[Tier], Field(max_length=20)]] | None = Field(
        None,
        description="Path name -> ordered tiers `{name, after_hours, notify}`; after_hours never decreases along a "
        "path.",
    )
    reasons: Annotated[list[ReasonModel], Field(min_length=1, max_length=MAX_LIST_ITEMS)] | None = Field(
        None,
        description="The return reasons customers choose from and rules test, in the order storefronts show them; "
        "without it a default catalogue applies (no_reason, defective, damaged_in_transit, wrong_item, "
        "not_as_described, labelled in en and zh_Hans).",
    )
    texts: dict[LanguageKey, dict[CodeKey, CustomerText]] | None = Field(
        None,
        description="Language -> reason code -> customer-facing text. When present, every reason code used by allow "
        "and deny needs a text in every language of defaults.languages.",
    )

    @field_validator("texts", mode="before")
    @classmethod
    def _texts_shape(cls, value: Any) -> Any:
        return _mapping_or_none(
            value,
            "texts needs a mapping of languages to texts, e.g. {en: {final_sale: 'Final-sale items cannot be "
            "returned.'}}",
        )

    @field_validator("reasons", mode="after")
    @classmethod
    def _reasons_catalogue(cls, value: Any) -> Any:
        return None if value is None else _catalogue(value)

    @field_validator("escalation", mode="before")
    @classmethod
    def _escalation_shape(cls, value: Any) -> Any:
        value = _mapping_or_none(
            value,
            "escalation needs a mapping of path names to tiers, e.g. {default: [{name: agent, after_hours: 0, "
            "notify: [support@shop.example]}]}",
        )
        if isinstance(value, Mapping):
            for name, tiers in value.items():
                if isinstance(tiers, list) and not tiers:
                    raise fail(
                        "required",
                        f"Escalation path '{show(name)[1:-1]}' is empty; give it at least one tier.",
                        (name,),
                    )
        return value

    @field_validator("escalation", mode="after")
    @classmethod
    def _escalation_order(cls, value: Any) -> Any:
        for name, tiers in (value or {}).items():
            try:
                _tiers_in_order(tiers)
            except PydanticCustomError as exc:
                context = exc.context or {}
                raise fail(
                    exc.type,
                    str(exc).replace("{where}", f"escalation path '{name}'"),
                    (name, *context.get("at", ())),
                ) from None
        return value


__all__ = [
    "ACTION_CONSTRAINTS",
    "ACTION_MODELS",
    "ACTION_PARAMS",
    "ALL_FEES",
    "DEFAULT_RESOLUTIONS",
    "DEFAULT_SLA",
    "MAX_ACTIONS_PER_RULE",
    "MAX_CONDITIONS_PER_RULE",
    "MAX_CONDITION_DEPTH",
    "MAX_RULES",
    "MISSING",
    "RETURN_SHIPPING_FEE",
    "SCHEMA_VERSION",
    "WEEKDAYS",
    "Money",
    "check_money",
    "upgrade_stored_amounts",
    "money_document_value",
    "money_params",
    "Doc",
    "PolicyDocument",
    "SchemaContext",
    "gather_context",
]


SCHEMA_ID = (
    "https://github.com/saleor-aftersales-plugin/saleor-aftersales-plugin/blob/main/docs/policy.schema.json"
)


def policy_json_schema() -> str:
    """The published JSON Schema of the policy document (docs/policy.schema.json and the package's copy).

    Editors use it for completion and checks; the plugin's own validation (ranges, cross-references, suggestions)
    is stricter than what JSON Schema can say.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticJsonSchemaWarning)
        document = PolicyDocument.model_json_schema(by_alias=True, mode="validation")
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Saleor after-sales policy",
        **document,
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
