"""Languages, and the values people read in them: the one place every message, page and answer of the plugin takes
its language rules and its formatting from. Pure (babel and the standard library only).

**Language tags.** Merchants, browsers and storefronts write BCP 47 (``zh-Hans``, ``en-GB``) or CLDR (``zh_Hans``,
``en_GB``) tags in any letter case. :func:`normalise_language` turns each into one canonical CLDR form (``zh_Hans``,
``en_GB``, ``zh_CN``) and refuses what babel does not know with a ``ValueError`` that names the tag.

**Matching: the one rule.** A reader's tag is served by an available language with the same language and script,
scripts filled in from CLDR's likely subtags (``zh``, ``zh-CN`` and ``zh-SG`` are Simplified, ``zh-TW`` and
``zh-HK`` Traditional, ``en-GB`` Latin): the same tag first, then one without a region or of the reader's region,
then one of another region. Several preferences (an Accept-Language header, whose q-values order it, or tags in
order) are tried most preferred first; ``*`` takes the shop's default unless the header refused it (``q=0``).
**When nothing matches, the answer is the caller's default, else the first available language: the shop's default
language.** A malformed header or tag simply matches nothing.

**Values.** Money at the currency's precision (CLDR: JPY 0, EUR 2, KWD 3 decimals, rounded half up), numbers, dates,
instants on a time zone's wall clock (one format, :func:`format_instant`), lists, country names, codes as words
(:func:`humanise`) and the customer-facing text of a reason code (:func:`reason_text`).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import Locale, UnknownLocaleError, get_global, parse_locale
from babel.dates import format_date as babel_format_date
from babel.dates import get_timezone_location
from babel.lists import format_list as babel_format_list
from babel.numbers import format_currency, format_decimal

__all__ = [
    "DEFAULT_LANGUAGE",
    "REASON_TEXTS",
    "accepted_languages",
    "country_name",
    "format_date",
    "format_instant",
    "format_list",
    "format_money",
    "format_number",
    "html_lang",
    "humanise",
    "is_language",
    "languages_of",
    "locale_of",
    "match_language",
    "negotiate_language",
    "normalise_language",
    "reason_text",
    "zone_city",
]

DEFAULT_LANGUAGE = "en"
"""The language of the built-in texts every other language falls back to."""

_TAG = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")
_NOT_LANGUAGES = frozenset({"und", "root"})
_ACCEPTED_FORMS = "use a BCP 47 or CLDR language tag such as 'en', 'en-GB', 'zh-Hans' or 'zh_Hans'"
_Q_VALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu", "UCT"})

# --- language tags -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _parse(tag: str) -> tuple[str, Locale]:
    """The canonical CLDR form of ``tag`` (as written, letter case fixed) and its babel locale."""
    text = tag.strip()
    if not _TAG.match(text):
        raise ValueError(text)
    language, territory, script, variant = parse_locale(text.replace("-", "_"))[:4]
    if language in _NOT_LANGUAGES:
        raise ValueError(text)
    locale = Locale.parse(text.replace("-", "_"))
    return "_".join(part for part in (language, script, territory, variant) if part), locale


def normalise_language(tag: str) -> str:
    """The canonical CLDR form of a language tag: ``zh-Hans``, ``zh_hans`` and ``ZH-hans`` are ``zh_Hans``; ``en-gb``
    is ``en_GB``; ``zh-CN`` is ``zh_CN``. A tag babel does not know raises a ``ValueError`` naming it."""
    try:
        if not isinstance(tag, str):
            raise TypeError(tag)
        return _parse(tag)[0]
    except (ValueError, TypeError, UnknownLocaleError):
        raise ValueError(f"{tag!r} is not a known language tag: {_ACCEPTED_FORMS}.") from None


def is_language(tag: object) -> bool:
    """Whether :func:`normalise_language` accepts ``tag``."""
    try:
        normalise_language(tag)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


def locale_of(language: str) -> Locale:
    """The babel locale that formats values for ``language`` (any tag :func:`normalise_language` accepts)."""
    normalise_language(language)
    return _parse(language)[1]


def html_lang(language: str) -> str:
    """The BCP 47 form for HTML's ``lang`` attribute: ``zh_Hans`` -> ``zh-Hans``."""
    return normalise_language(language).replace("_", "-")


def languages_of(directory: Path) -> tuple[str, ...]:
    """The languages that have a directory under ``directory`` (one per language: adding one is adding a
    directory), sorted; directories whose names are not language tags (``__pycache__``) are not languages."""
    return tuple(
        sorted(path.name for path in directory.iterdir() if path.is_dir() and is_language(path.name))
    )


# --- matching ------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _subtags(tag: str) -> tuple[str, str, str | None, str] | None:
    """(language, script, region as written, canonical tag), the script filled in from CLDR's likely subtags."""
    try:
        canonical, locale = _parse(tag)
    except (ValueError, UnknownLocaleError):
        return None
    likely = get_global("likely_subtags")
    written_region = parse_locale(canonical)[1]
    script = locale.script
    for key in (f"{locale.language}_{written_region}", locale.language):
        if script is None and key in likely:
            script = parse_locale(likely[key])[2]
    return locale.language, script or "", written_region, canonical.lower()


def _closeness(
    requested: tuple[str, str, str | None, str], offered: tuple[str, str, str | None, str]
) -> int | None:
    """0 for the same tag, 1 for the same language and script without a region or in the reader's, 2 for another
    region; None when an offered language does not serve the reader."""
    if requested[3] == offered[3]:
        return 0
    if requested[:2] != offered[:2]:
        return None
    return 1 if offered[2] in (None, requested[2]) else 2


def match_language(tag: str | None, available: Iterable[str]) -> str | None:
    """The entry of ``available`` (as written there) that serves a reader of ``tag`` by the matching rule, or None
    (also for an empty or malformed tag)."""
    requested = _subtags(tag.strip()) if isinstance(tag, str) and tag.strip() else None
    if requested is None:
        return None
    best: tuple[int, str] | None = None
    for option in available:
        offered = _subtags(option) if isinstance(option, str) else None
        closeness = _closeness(requested, offered) if offered is not None else None
        if closeness is not None and (best is None or closeness < best[0]):
            best = (closeness, option)
    return best[1] if best else None


def _accept_language(header: object) -> tuple[list[str], list[str]]:
    """The tags of an Accept-Language header, most preferred first (equal q-values keep their order), and the tags
    it refuses (``q=0``). Entries with a malformed q-value are left out."""
    if not isinstance(header, str):
        return [], []
    weighted: list[tuple[Decimal, str]] = []
    refused: list[str] = []
    for entry in header.split(","):
        tag, *params = (part.strip() for part in entry.split(";"))
        if not tag:
            continue
        quality = Decimal(1)
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                quality = Decimal(value) if _Q_VALUE.match(value) else Decimal(-1)
        if quality == 0:
            refused.append(tag)
        elif quality > 0:
            weighted.append((quality, tag))
    weighted.sort(key=lambda item: item[0], reverse=True)
    return [tag for _quality, tag in weighted], refused


def accepted_languages(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most preferred first: ``"fr;q=0.1, zh-CN;q=0.9, en;q=0.5"`` is
    ``["zh-CN", "en", "fr"]``. Refused (``q=0``) and malformed entries are left out; ``*`` stays."""
    return _accept_language(header)[0]


def negotiate_language(
    preferences: str | Iterable[str | None] | None, available: Sequence[str], default: str | None = None
) -> str:
    """The language of ``available`` to answer in, by the matching rule.

    ``preferences`` is an Accept-Language header (a single tag is one too), or tags most preferred first (empty and
    malformed ones are skipped). Nothing matching gives ``default``, else ``available[0]``; never an exception for
    what a reader sent.
    """
    if not available:
        raise ValueError("negotiate_language needs at least one available language.")
    fallback = default if default is not None else available[0]
    if isinstance(preferences, str):
        tags, refused = _accept_language(preferences)
    else:
        tags, refused = [tag for tag in preferences or () if isinstance(tag, str)], []
    for tag in tags:
        if tag.strip() == "*":
            for option in (fallback, *available):
                if not any(match_language(no, (option,)) for no in refused):
                    return option
            continue
        found = match_language(tag, available)
        if found is not None:
            return found
    return fallback


# --- values --------------------------------------------------------------------------------------------------------


def format_money(amount: Decimal | int | str, currency: str, language: str) -> str:
    """``amount`` at the currency's precision, rounded half up, in the language's currency format:
    ``€424.15``, ``¥1,235`` for JPY, ``KWD 1.235`` in English; ``¥199.00`` for CNY in Chinese."""
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        return format_currency(Decimal(str(amount)), currency, locale=locale_of(language))


def format_number(value: Decimal | int, language: str, *, exact: bool = False) -> str:
    """``value`` with the language's separators; ``exact`` shows every decimal it has (to show what is rounded)."""
    if exact:
        return format_decimal(
            Decimal(value).normalize(), locale=locale_of(language), decimal_quantization=False
        )
    return format_decimal(value, locale=locale_of(language))


def format_date(day: date, language: str) -> str:
    """A calendar day in the language's long form: ``December 1, 2026``, ``2026年12月1日``."""
    return babel_format_date(day, format="long", locale=locale_of(language))


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"{time_zone!r} is not an IANA time zone name such as 'Europe/Berlin', 'Asia/Shanghai' or 'UTC'."
        ) from None


def zone_city(time_zone: str, language: str) -> str:
    """The place whose clock ``time_zone`` is, in the language: ``New York``, ``纽约``; ``UTC`` for UTC."""
    if time_zone in _UTC_ZONES:
        return "UTC"
    return get_timezone_location(_zone(time_zone), locale=locale_of(language), return_city=True)


def format_instant(instant: datetime, language: str, time_zone: str) -> str:
    """An instant on ``time_zone``'s wall clock, the one format for instants: the long date, the 24-hour time and
    the zone named by its city, arranged as CLDR does for the language:
    ``December 1, 2026, 11:30 New York Time``, ``2026年12月2日 上海时间 00:30``, ``December 1, 2026, 16:30 UTC``."""
    if instant.tzinfo is None:
        raise ValueError(f"The instant {instant.isoformat()} has no time zone; pass an aware datetime.")
    locale = locale_of(language)
    local = instant.astimezone(_zone(time_zone))
    city = zone_city(time_zone, language)
    zone = city if city == "UTC" else locale.zone_formats["region"] % city
    clock = f"{local:%H:%M}"
    zone_first = locale.time_formats["full"].pattern.startswith("z")
    time_text = f"{zone} {clock}" if zone_first else f"{clock} {zone}"
    return str(locale.datetime_formats["medium"]).format(time_text, format_date(local.date(), language))


def format_list(items: Iterable[str], language: str, *, style: Literal["and", "or"] = "and") -> str:
    """``a, b, and c`` / ``a, b, or c`` in the language; empty items are left out, no items give ``""``."""
    present = [item for item in items if item]
    if not present:
        return ""
    return babel_format_list(
        present, style="standard" if style == "and" else "or", locale=locale_of(language)
    )


def country_name(code: str, language: str) -> str:
    """A country's name in the language (``DE`` -> ``Germany``, ``德国``); the code itself if CLDR has none."""
    code = code.upper()
    return locale_of(language).territories.get(code, code)


def humanise(code: str) -> str:
    """A code as words, for codes that have no text of their own: ``final-sale`` and ``final_sale`` -> ``final sale``."""
    return str(code).replace("_", " ").replace("-", " ").strip()


# --- reason texts --------------------------------------------------------------------------------------------------

REASON_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "no_amount_in_currency": "The shop's policy sets no amount in this order's currency for a fee that "
        "applies, so it cannot be decided automatically; please contact the shop.",
        "window_expired": "The return window for this item has ended.",
        "not_fulfilled": "This item has not been shipped yet.",
        "quantity_not_available": "More units were requested than were delivered and not yet returned.",
        "resolution_not_offered": "The requested resolution is not offered for this item.",
        "not_eligible": "This item cannot be returned under the shop's policy.",
        "already_refunded": "Already refunded.",
        "already_returned": "Already returned.",
        "in_open_case": "Units of this item are already in an open after-sales case.",
        "refund_zero_after_fees": "After fees, the refund for this item would be 0.00.",
    },
    "zh_Hans": {
        "no_amount_in_currency": "店铺政策未规定此订单币种下适用费用的金额，无法自动处理，请联系店铺。",
        "window_expired": "该商品的退货期限已过。",
        "not_fulfilled": "该商品尚未发货。",
        "quantity_not_available": "申请数量超过了已签收且尚未退回的数量。",
        "resolution_not_offered": "该商品不提供所申请的处理方式。",
        "not_eligible": "根据店铺政策，该商品不支持退货。",
        "already_refunded": "已退款。",
        "already_returned": "已退货。",
        "in_open_case": "该商品已在处理中的售后单中。",
        "refund_zero_after_fees": "扣除费用后，该商品的退款金额为 0.00。",
    },
}
"""The built-in catalogue: language -> reason code -> text, for the codes the plugin itself gives (the engine's,
the ledger's, the zero-refund check's). A policy's own ``texts`` come first."""


def _text_in(texts: Mapping[str, Mapping[str, str]], language: str | None, code: str) -> str | None:
    found = match_language(language, texts) if language else None
    return (texts[found].get(code) or None) if found else None


def reason_text(
    code: str,
    language: str | None,
    policy_texts: Mapping[str, Mapping[str, str]] | None = None,
    *,
    default_language: str | None = None,
) -> str:
    """What a customer reads for a reason code, in the first of: the policy's text in the reader's language (by the
    matching rule), the built-in catalogue's in that language, the policy's text in its default language
    (``default_language``, else the first language of ``policy_texts``), the catalogue's English, the code as a
    sentence (``final_sale`` -> ``Final sale.``)."""
    policy_texts = policy_texts or {}
    policy_default = default_language if default_language in policy_texts else next(iter(policy_texts), None)
    return (
        _text_in(policy_texts, language, code)
        or _text_in(REASON_TEXTS, language, code)
        or _text_in(policy_texts, policy_default, code)
        or REASON_TEXTS[DEFAULT_LANGUAGE].get(code)
        or humanise(code).capitalize() + "."
    )
