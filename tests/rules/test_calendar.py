"""Shop calendars: windows over weekends, public holidays and DST; working hours; anchors; formatting."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_aftersales_plugin.rules.calendar import Anchor, BusinessCalendar, DayKind, resolve_anchor

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
GERMANY = BusinessCalendar(time_zone="Europe/Berlin", country="DE")
CHINA = BusinessCalendar(time_zone="Asia/Shanghai", country="CN")
BUSINESS, CALENDAR = DayKind.BUSINESS, DayKind.CALENDAR


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# --- business days ------------------------------------------------------------------------------------------


def test_german_business_days_over_christmas():
    days = [date(2025, 12, 22) + timedelta(n) for n in range(15)]
    assert [d for d in days if GERMANY.is_business_day(d)] == [
        date(2025, 12, 22),
        date(2025, 12, 23),
        date(2025, 12, 24),  # Christmas Eve is not a public holiday in Germany
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 2),
        date(2026, 1, 5),
    ]


def test_german_window_of_7_business_days_across_christmas_and_new_year():
    # Mon 22 Dec: 23, 24, 29, 30, 31 Dec, 2 Jan, 5 Jan (weekends, 25/26 Dec and 1 Jan skipped).
    end = GERMANY.window_end(berlin(2025, 12, 22, 15, 30), 7, BUSINESS)
    assert end == berlin(2026, 1, 6)
    assert end.tzinfo is UTC
    assert end == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)


def test_german_window_over_easter_2026():
    # Thu 2 Apr 2026: Good Friday 3 Apr and Easter Monday 6 Apr are holidays -> 7, 8, 9 Apr.
    assert GERMANY.window_end(berlin(2026, 4, 2, 9), 3, BUSINESS) == berlin(2026, 4, 10)


def test_subdivision_holidays_apply_only_there():
    bavaria = BusinessCalendar(time_zone="Europe/Berlin", country="DE", subdivision="BY")
    epiphany = date(2026, 1, 6)
    assert GERMANY.is_business_day(epiphany)
    assert not bavaria.is_business_day(epiphany)


def test_extra_holidays_and_working_days():
    shop = BusinessCalendar(
        working_days=frozenset({0, 1, 2, 3, 4, 5}), extra_holidays=frozenset({date(2026, 3, 2)})
    )
    assert shop.is_business_day(date(2026, 2, 28))  # Saturday is a working day here
    assert not shop.is_business_day(date(2026, 3, 1))  # Sunday
    assert not shop.is_business_day(date(2026, 3, 2))  # the shop's own closing day


def test_chinese_national_day_and_make_up_working_days():
    # The holidays package knows the 2026 调休: Sun 20 Sep and Sat 10 Oct are working days; 1-7 Oct are off.
    assert all(not CHINA.is_business_day(date(2026, 10, day)) for day in range(1, 8))
    assert CHINA.is_business_day(date(2026, 9, 20))
    assert CHINA.is_business_day(date(2026, 10, 10))
    assert not CHINA.is_business_day(date(2026, 10, 11))


def test_chinese_window_over_national_day():
    # Wed 30 Sep: 8 Oct, 9 Oct, Sat 10 Oct (make-up working day) -> ends at the midnight starting 11 Oct.
    assert CHINA.window_end(shanghai(2026, 9, 30, 18), 3, BUSINESS) == shanghai(2026, 10, 11)
    assert CHINA.window_end(shanghai(2026, 9, 30, 18), 4, BUSINESS) == shanghai(2026, 10, 13)
    assert CHINA.days_between(shanghai(2026, 9, 30, 18), shanghai(2026, 10, 9, 8), BUSINESS) == 2


# --- calendar windows, DST, days_between --------------------------------------------------------------------


def test_calendar_window_ends_at_local_midnight():
    # 23:30 UTC on 9 Jan is already 10 Jan in Berlin: the window counts from the local date.
    assert GERMANY.window_end(datetime(2026, 1, 9, 23, 30, tzinfo=UTC), 14, CALENDAR) == berlin(2026, 1, 25)
    assert GERMANY.window_end(berlin(2026, 1, 10, 8), 0, CALENDAR) == berlin(2026, 1, 11)
    assert GERMANY.window_end(berlin(2026, 1, 10, 8), 0, BUSINESS) == berlin(2026, 1, 11)


@pytest.mark.parametrize(
    ("anchor", "expected_utc"),
    [
        # Spring forward on 29 Mar 2026: the end is midnight CEST (UTC+2), not CET.
        (berlin(2026, 3, 25, 12), datetime(2026, 4, 1, 22, tzinfo=UTC)),
        # Fall back on 25 Oct 2026: the end is midnight CET (UTC+1).
        (berlin(2026, 10, 20, 12), datetime(2026, 10, 27, 23, tzinfo=UTC)),
    ],
)
def test_window_end_stays_at_local_midnight_across_dst(anchor, expected_utc):
    end = GERMANY.window_end(anchor, 7, CALENDAR)
    assert end == expected_utc
    local = end.astimezone(BERLIN)
    assert (local.hour, local.minute) == (0, 0)


def test_window_end_in_a_zone_where_midnight_is_skipped():
    # Santiago springs forward at 00:00 on 6 Sep 2026: that day begins at 01:00 local, which is 04:00 UTC.
    santiago = BusinessCalendar(time_zone="America/Santiago")
    end = santiago.window_end(datetime(2026, 9, 4, 15, tzinfo=UTC), 1, CALENDAR)
    assert end == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert santiago.local_date(end) == date(2026, 9, 6)
    assert santiago.local_date(end - timedelta(microseconds=1)) == date(2026, 9, 5)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    st.integers(0, 400),
)
def test_window_end_is_always_a_berlin_midnight(anchor, days):
    end = GERMANY.window_end(anchor, days, CALENDAR)
    local = end.astimezone(BERLIN)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert local.date() == GERMANY.local_date(anchor) + timedelta(days=days + 1)
    assert GERMANY.days_between(anchor, end - timedelta(microseconds=1), CALENDAR) == days


def test_days_between():
    start = berlin(2025, 12, 22, 23, 59)
    assert GERMANY.days_between(start, berlin(2026, 1, 2, 0, 1), CALENDAR) == 11
    # 23, 24, 29, 30, 31 Dec, 2 Jan.
    assert GERMANY.days_between(start, berlin(2026, 1, 2, 0, 1), BUSINESS) == 6
    assert GERMANY.days_between(start, berlin(2025, 12, 22, 0, 0), CALENDAR) == 0
    assert GERMANY.days_between(start, berlin(2025, 12, 1), BUSINESS) == 0
    # One minute later in UTC but already the next local day.
    assert (
        GERMANY.days_between(
            datetime(2026, 1, 9, 22, 59, tzinfo=UTC), datetime(2026, 1, 9, 23, 0, tzinfo=UTC), CALENDAR
        )
        == 1
    )


# --- working hours ------------------------------------------------------------------------------------------


NINE_TO_FIVE = BusinessCalendar(time_zone="Europe/Berlin", country="DE", working_hours=(time(9), time(17)))


def test_add_working_hours_over_a_weekend():
    # Fri 15:00: 2 h left that day, then Mon from 09:00: 6 h -> Mon 15:00.
    assert NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 9, 15), 8) == berlin(2026, 1, 12, 15)
    # Saturday start counts from Monday's opening.
    assert NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 10, 11), Decimal("1.5")) == berlin(
        2026, 1, 12, 10, 30
    )
    # 24 working hours = three full days: Fri 15:00 + 2 h + Mon 8 h + Tue 8 h + Wed 6 h.
    assert NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 9, 15), 24) == berlin(2026, 1, 14, 15)
    # A deadline exactly at closing time stays there.
    assert NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 9, 15), 2) == berlin(2026, 1, 9, 17)
    # Before opening: counting starts at 09:00.
    assert NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 12, 7), 1) == berlin(2026, 1, 12, 10)


def test_add_working_hours_skips_public_holidays():
    # Wed 24 Dec 16:00: 1 h that day; 25, 26 Dec holidays, weekend -> Mon 29 Dec 12:00.
    assert NINE_TO_FIVE.add_working_hours(berlin(2025, 12, 24, 16), 4) == berlin(2025, 12, 29, 12)


def test_add_working_hours_without_working_hours_counts_whole_business_days():
    # Fri 10:00 + 24 h: 14 h left on Friday, weekend skipped, 10 h of Monday.
    result = GERMANY.add_working_hours(berlin(2026, 1, 9, 10), 24)
    assert result == berlin(2026, 1, 12, 10)
    assert result.tzinfo is UTC
    assert GERMANY.add_working_hours(berlin(2026, 1, 9, 10), 0) == berlin(2026, 1, 9, 10)


def test_add_working_hours_rejects_bad_hours():
    with pytest.raises(ValueError, match="Decimal or int"):
        NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 9, 10), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        NINE_TO_FIVE.add_working_hours(berlin(2026, 1, 9, 10), -1)


# --- anchors ------------------------------------------------------------------------------------------------


ORDERED = datetime(2026, 1, 1, 10, tzinfo=UTC)
FULFILLED = datetime(2026, 1, 2, 10, tzinfo=UTC)
DELIVERED = datetime(2026, 1, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("preferred", "delivered", "fulfilled", "expected"),
    [
        (Anchor.DELIVERY, DELIVERED, FULFILLED, (Anchor.DELIVERY, DELIVERED)),
        (Anchor.DELIVERY, None, FULFILLED, (Anchor.FULFILMENT, FULFILLED)),
        (Anchor.DELIVERY, None, None, (Anchor.ORDER, ORDERED)),
        (Anchor.FULFILMENT, DELIVERED, FULFILLED, (Anchor.FULFILMENT, FULFILLED)),
        (Anchor.FULFILMENT, DELIVERED, None, (Anchor.ORDER, ORDERED)),
        (Anchor.ORDER, DELIVERED, FULFILLED, (Anchor.ORDER, ORDERED)),
    ],
)
def test_resolve_anchor_falls_back_down_the_chain(preferred, delivered, fulfilled, expected):
    assert (
        resolve_anchor(preferred, delivered_at=delivered, fulfilled_at=fulfilled, ordered_at=ORDERED)
        == expected
    )


def test_resolve_anchor_accepts_strings_and_rejects_naive():
    preferred: Anchor = "fulfilment"  # type: ignore[assignment]
    result = resolve_anchor(preferred, delivered_at=None, fulfilled_at=FULFILLED, ordered_at=ORDERED)
    assert result == (Anchor.FULFILMENT, FULFILLED)
    with pytest.raises(ValueError, match="naive"):
        resolve_anchor(Anchor.ORDER, delivered_at=None, fulfilled_at=None, ordered_at=datetime(2026, 1, 1))


# --- formatting ---------------------------------------------------------------------------------------------


def test_format_instant_in_english_and_chinese():
    instant = datetime(2026, 10, 1, 2, 30, tzinfo=UTC)
    # The one format for instants (i18n.format_instant): long date, 24-hour time, the zone named by its city.
    assert GERMANY.format_instant(instant) == "October 1, 2026, 04:30 Berlin Time"
    assert CHINA.format_instant(instant, "zh_Hans") == "2026年10月1日 上海时间 10:30"


# --- validation ---------------------------------------------------------------------------------------------


def test_invalid_time_zone_points_to_iana_names():
    with pytest.raises(ValueError, match=r"Unknown time zone 'Berlin'.*IANA.*Europe/Berlin"):
        BusinessCalendar(time_zone="Berlin")


def test_invalid_country_points_to_supported_codes():
    with pytest.raises(
        ValueError, match=r"Unknown holiday country 'XX'.*ISO 3166-1.*list_supported_countries"
    ):
        BusinessCalendar(country="XX")
    with pytest.raises(ValueError, match=r"Unknown subdivision 'ZZ' of DE: use one of .*BY"):
        BusinessCalendar(country="DE", subdivision="ZZ")
    with pytest.raises(ValueError, match="needs a country"):
        BusinessCalendar(subdivision="BY")


def test_invalid_working_days_and_hours():
    with pytest.raises(ValueError, match="weekdays 0..6"):
        BusinessCalendar(working_days=frozenset({7}))
    with pytest.raises(ValueError, match="non-empty"):
        BusinessCalendar(working_days=frozenset())
    with pytest.raises(ValueError, match="opening must come before closing"):
        BusinessCalendar(working_hours=(time(17), time(9)))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive: pass a timezone-aware datetime"):
        GERMANY.local_date(datetime(2026, 1, 1, 12))
    with pytest.raises(ValueError, match="naive"):
        GERMANY.window_end(datetime(2026, 1, 1, 12), 3, CALENDAR)
    with pytest.raises(ValueError, match="naive"):
        GERMANY.days_between(berlin(2026, 1, 1), datetime(2026, 1, 5), BUSINESS)
    with pytest.raises(ValueError, match="local date"):
        GERMANY.is_business_day(berlin(2026, 1, 1))  # type: ignore[arg-type]


def test_negative_window_is_refused():
    with pytest.raises(ValueError, match="days must be a whole number of days >= 0"):
        GERMANY.window_end(berlin(2026, 1, 1), -1, CALENDAR)
