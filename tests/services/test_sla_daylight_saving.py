"""Resolution deadlines of whole business days across a daylight-saving change."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from saleor_aftersales_plugin.rules.calendar import BusinessCalendar
from saleor_aftersales_plugin.services import sla

NEW_YORK = ZoneInfo("America/New_York")
SEVEN_DAYS = BusinessCalendar(time_zone="America/New_York", country="US", working_days=frozenset(range(7)))


def test_one_working_day_after_saturday_4pm_is_sunday_4pm_even_when_clocks_spring_forward():
    # Sunday 8 March 2026 has 23 hours in New York; the shop works every day and has no opening hours.
    due = sla.resolution_deadline(SEVEN_DAYS, datetime(2026, 3, 7, 16, tzinfo=NEW_YORK), Decimal(1))
    assert due.astimezone(NEW_YORK) == datetime(2026, 3, 8, 16, tzinfo=NEW_YORK)


def test_one_working_day_after_saturday_4pm_is_sunday_4pm_even_when_clocks_fall_back():
    # Sunday 1 November 2026 has 25 hours in New York.
    due = sla.resolution_deadline(SEVEN_DAYS, datetime(2026, 10, 31, 16, tzinfo=NEW_YORK), Decimal(1))
    assert due.astimezone(NEW_YORK) == datetime(2026, 11, 1, 16, tzinfo=NEW_YORK)
