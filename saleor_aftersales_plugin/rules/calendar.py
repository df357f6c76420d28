"""Shop calendars: local days, business days, return windows and SLA deadlines.

Every instant going in must be timezone-aware; every instant coming out is aware UTC. Days are counted on
the shop's local calendar (its IANA time zone), so a window always ends at a local midnight, whatever
daylight saving does. Public holidays come from the ``holidays`` package for the shop's country (and
subdivision); where that package knows a country's make-up working days on weekends (China's 调休), those
days count as business days too, unless the policy's ``calendar.follow_official_calendar`` is false.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from ..i18n import format_instant

__all__ = ["Anchor", "BusinessCalendar", "DayKind", "resolve_anchor"]

# No shop closes for this long; reaching it means the calendar has no business days at all.
_MAX_DAYS_SCANNED = 3660


class DayKind(StrEnum):
    CALENDAR = "calendar"
    BUSINESS = "business"


class Anchor(StrEnum):
    DELIVERY = "delivery"
    FULFILMENT = "fulfilment"
    ORDER = "order"


def _require_aware(instant: datetime, name: str) -> datetime:
    if not isinstance(instant, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(instant).__name__} {instant!r}.")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"{name} {instant.isoformat()} is naive: pass a timezone-aware datetime, "
            "e.g. datetime(2026, 1, 5, 12, 0, tzinfo=UTC)."
        )
    return instant


@lru_cache(maxsize=128)
def _zone(name: str) -> ZoneInfo:
    try:
        if not name or name != name.strip():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA time zone name such as 'Europe/Berlin', "
            "'Asia/Shanghai' or 'UTC' (zoneinfo.available_timezones() lists them all)."
        ) from error


@lru_cache(maxsize=256)
def _country_year(
    country: str, subdivision: str | None, year: int
) -> tuple[frozenset[date], frozenset[date]]:
    """The country's public holidays and weekend make-up working days in ``year``."""
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    workdays = getattr(calendar, "weekend_workdays", ())
    return (
        frozenset(day for day in calendar if day.year == year),
        frozenset(day for day in workdays if day.year == year),
    )


def _validate_country(country: str, subdivision: str | None) -> None:
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"Unknown holiday country {country!r}: use an upper-case ISO 3166-1 alpha-2 code supported by "
            f"the holidays package, e.g. 'DE', 'CN', 'US' ({len(supported)} are supported; "
            "holidays.list_supported_countries() lists them)."
        )
    if subdivision is not None and subdivision not in supported[country]:
        raise ValueError(
            f"Unknown subdivision {subdivision!r} of {country}: use one of {', '.join(supported[country])}, "
            "or none for nationwide holidays only."
        )


@dataclass(frozen=True)
class BusinessCalendar:
    """A shop's calendar: its time zone, working days, public holidays and optional working hours."""

    time_zone: str = "UTC"
    country: str | None = None
    subdivision: str | None = None
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    """Weekdays the shop works, Monday = 0 ... Sunday = 6."""
    extra_holidays: frozenset[date] = frozenset()
    """The shop's own closing days on top of the public holidays."""
    working_hours: tuple[time, time] | None = None
    """Local opening and closing time on business days, used for SLA deadlines; None counts whole days."""
    follow_official_calendar: bool = True
    """Whether weekend days the country officially declares working days (make-up days) are business days."""

    def __post_init__(self) -> None:
        _zone(self.time_zone)
        if self.subdivision is not None and self.country is None:
            raise ValueError(
                f"subdivision {self.subdivision!r} needs a country: set country as well, e.g. 'DE'."
            )
        if self.country is not None:
            _validate_country(self.country, self.subdivision)
        days = frozenset(self.working_days)
        if not days or not days <= set(range(7)):
            raise ValueError(
                f"working_days {sorted(days)} must be a non-empty set of weekdays 0..6 "
                "(Monday = 0, Sunday = 6)."
            )
        object.__setattr__(self, "working_days", days)
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        for day in self.extra_holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"extra_holidays must hold dates, got {type(day).__name__} {day!r}.")
        if self.working_hours is not None:
            hours = tuple(self.working_hours)
            if len(hours) != 2 or not all(isinstance(moment, time) for moment in hours):
                raise ValueError(
                    f"working_hours {self.working_hours!r} must be a pair of times (opening, closing), "
                    "e.g. (time(9), time(17))."
                )
            opening, closing = hours
            if opening.tzinfo is not None or closing.tzinfo is not None:
                raise ValueError("working_hours are local wall-clock times: pass times without tzinfo.")
            if opening >= closing:
                raise ValueError(
                    f"working_hours open at {opening.isoformat()} and close at {closing.isoformat()}: "
                    "opening must come before closing on the same day."
                )
            object.__setattr__(self, "working_hours", (opening, closing))

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def is_business_day(self, day: date) -> bool:
        """Whether the shop works on local ``day``: a working weekday or make-up workday, not a holiday."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(
                f"is_business_day takes a local date, got {type(day).__name__} {day!r}; "
                "convert an instant with local_date() first."
            )
        if day in self.extra_holidays:
            return False
        if self.country is None:
            return day.weekday() in self.working_days
        public_holidays, makeup_workdays = _country_year(self.country, self.subdivision, day.year)
        if day in public_holidays:
            return False
        return day.weekday() in self.working_days or (
            self.follow_official_calendar and day in makeup_workdays
        )

    def has_official_workdays(self, year: int) -> bool:
        """Whether the holiday country declares weekend make-up working days in ``year`` (e.g. China)."""
        return self.country is not None and bool(_country_year(self.country, self.subdivision, year)[1])

    def local_date(self, instant: datetime) -> date:
        """The shop's local date at ``instant``."""
        return _require_aware(instant, "instant").astimezone(self.zone).date()

    def start_of_day(self, day: date) -> datetime:
        """The UTC instant the local ``day`` begins."""
        # Midnight may fall into a DST gap in a few zones (e.g. America/Santiago); the day then starts at the
        # earliest instant whose local date is ``day``, which one of the two folds gives.
        candidates = [
            datetime.combine(day, time(0), tzinfo=self.zone).replace(fold=fold).astimezone(UTC)
            for fold in (0, 1)
        ]
        valid = [moment for moment in candidates if moment.astimezone(self.zone).date() == day]
        return min(valid or candidates)

    def _business_days_after(self, day: date) -> Iterator[date]:
        current = day
        for _ in range(_MAX_DAYS_SCANNED):
            current += timedelta(days=1)
            if self.is_business_day(current):
                yield current
        raise ValueError(
            f"No business day within {_MAX_DAYS_SCANNED} days after {day.isoformat()}: check working_days, "
            "extra_holidays and country."
        )

    def days_between(self, start: datetime, end: datetime, day_kind: DayKind) -> int:
        """Local days after ``start``'s date up to and including ``end``'s date (only business days if asked).

        0 when ``end`` falls on or before ``start``'s local date; never negative.
        """
        kind = day_kind if type(day_kind) is DayKind else DayKind(day_kind)
        zone = self.zone
        first = _require_aware(start, "start").astimezone(zone).date()
        last = _require_aware(end, "end").astimezone(zone).date()
        if last <= first:
            return 0
        if kind is DayKind.CALENDAR:
            return (last - first).days
        return _business_days_in(self, first, last)

    def window_end(self, anchor_instant: datetime, days: int, day_kind: DayKind) -> datetime:
        """Exclusive end (UTC) of a window of ``days`` days after ``anchor_instant``.

        Calendar days: the local midnight that ends local date ``anchor date + days``. Business days: the
        local midnight that ends the ``days``-th business day after the anchor date. ``days == 0``: the end of
        the anchor's own local day.
        """
        kind = day_kind if type(day_kind) is DayKind else DayKind(day_kind)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days must be a whole number of days >= 0, got {days!r}.")
        anchor_day = _require_aware(anchor_instant, "anchor_instant").astimezone(self.zone).date()
        return _window_end_of_day(self, anchor_day, days, kind)

    def _window_last_day(self, anchor_day: date, days: int, kind: DayKind) -> date:
        if kind is DayKind.CALENDAR or not days:
            return anchor_day + timedelta(days=days if kind is DayKind.CALENDAR else 0)
        for count, business_day in enumerate(self._business_days_after(anchor_day), start=1):
            if count == days:
                return business_day
        raise AssertionError("unreachable: _business_days_after raises when it runs out")

    def _working_span(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC span the shop works on local ``day``, or None on a non-business day."""
        if not self.is_business_day(day):
            return None
        if self.working_hours is None:
            return self.start_of_day(day), self.start_of_day(day + timedelta(days=1))
        opening, closing = (
            datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC) for moment in self.working_hours
        )
        return opening, closing

    def add_working_hours(self, start: datetime, hours: Decimal | int) -> datetime:
        """The instant (UTC) ``hours`` working hours after ``start``, for SLA deadlines.

        Only time inside ``working_hours`` on business days counts; without working hours, business days
        count whole (their real length, so 23 or 25 h on a daylight-saving change) and other days are skipped.
        A deadline that lands exactly on closing time stays there rather than moving to the next opening.
        """
        begin = _require_aware(start, "start").astimezone(UTC)
        if isinstance(hours, bool) or not isinstance(hours, Decimal | int):
            raise ValueError(
                f"hours must be a Decimal or int, got {type(hours).__name__} {hours!r}; "
                "write Decimal('1.5') for fractions."
            )
        amount = Decimal(hours)
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}.")
        remaining = timedelta(microseconds=int((amount * 3_600_000_000).to_integral_value()))
        if not remaining:
            return begin
        day = self.local_date(begin) - timedelta(days=1)
        for _ in range(_MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            span = self._working_span(day)
            if span is None:
                continue
            opening, closing = max(span[0], begin), span[1]
            if opening >= closing:
                continue
            if remaining <= closing - opening:
                return opening + remaining
            remaining -= closing - opening
        raise ValueError(
            f"Could not fit {hours} working hours within {_MAX_DAYS_SCANNED} days of {begin.isoformat()}: "
            "check working_days, working_hours and holidays."
        )

    def add_working_days(self, start: datetime, days: Decimal | int) -> datetime:
        """The instant (UTC) ``days`` working days after ``start``, for resolution deadlines.

        With ``working_hours`` a working day is the opening hours (:meth:`add_working_hours`). Without, each whole
        day moves to the next business day at the same local time of day, whatever that day's length across a
        daylight-saving change (Saturday 16:00 + 1 day is Sunday 16:00); a fraction of a day is that share of 24
        hours; a start on a non-business day counts from the next business day's start.
        """
        if self.working_hours is not None:
            opening, closing = self.working_hours
            minutes = (closing.hour * 60 + closing.minute) - (opening.hour * 60 + opening.minute)
            return self.add_working_hours(start, Decimal(days) * minutes / 60)
        amount = Decimal(days)
        if isinstance(days, bool) or not amount.is_finite() or amount < 0:
            raise ValueError(f"days must be a finite number >= 0, got {days!r}.")
        local = _require_aware(start, "start").astimezone(self.zone)
        day, time_of_day = local.date(), local.time()
        if not self.is_business_day(day):
            day, time_of_day = next(self._business_days_after(day)), time(0)
        if int(amount):
            day = next(itertools.islice(self._business_days_after(day), int(amount) - 1, None))
        whole = datetime.combine(day, time_of_day, tzinfo=self.zone).astimezone(UTC)
        return self.add_working_hours(whole, (amount - int(amount)) * 24)

    def format_instant(self, instant: datetime, locale: str = "en") -> str:
        """``instant`` for people, in the shop's time zone and ``locale``, with the zone's name (i18n's one format)."""
        return format_instant(_require_aware(instant, "instant"), locale, self.zone.key)


def resolve_anchor(
    preferred: Anchor,
    *,
    delivered_at: datetime | None,
    fulfilled_at: datetime | None,
    ordered_at: datetime,
) -> tuple[Anchor, datetime]:
    """The anchor a window really starts from and its instant.

    Starting at ``preferred`` and going down the chain delivery > fulfilment > order, the first known instant.
    """
    preferred = preferred if type(preferred) is Anchor else Anchor(preferred)
    if ordered_at is None:
        raise ValueError("ordered_at is required: every order has a creation instant to fall back to.")
    if preferred is Anchor.DELIVERY and delivered_at is not None:
        return Anchor.DELIVERY, _require_aware(delivered_at, "delivery instant")
    if preferred is not Anchor.ORDER and fulfilled_at is not None:
        return Anchor.FULFILMENT, _require_aware(fulfilled_at, "fulfilment instant")
    return Anchor.ORDER, _require_aware(ordered_at, "order instant")


# Decisions ask the same questions for every line of an order; calendars are immutable, so answers are cached.
@lru_cache(maxsize=4096)
def _business_days_in(calendar: BusinessCalendar, first: date, last: date) -> int:
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if calendar.is_business_day(first + timedelta(offset))
    )


@lru_cache(maxsize=4096)
def _window_end_of_day(calendar: BusinessCalendar, anchor_day: date, days: int, kind: DayKind) -> datetime:
    return calendar.start_of_day(calendar._window_last_day(anchor_day, days, kind) + timedelta(days=1))
