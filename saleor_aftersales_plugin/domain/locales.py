"""Locale identifiers as merchants and hosts write them ('zh-hans', 'en_GB') made into babel locales."""

from babel.core import Locale, UnknownLocaleError


def parse_locale(locale: str) -> Locale:
    try:
        if not isinstance(locale, str) or not locale.strip():
            raise ValueError(locale)
        return Locale.parse(locale.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError) as error:
        raise ValueError(
            f"Unknown locale {locale!r}: use a CLDR locale identifier such as 'en', 'de_DE' or 'zh_Hans'."
        ) from error
