"""Calendar arithmetic the regulations use: month windows (dateutil) and China working days (holidays)."""

from __future__ import annotations

import bisect
import re
import threading
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays
from dateutil.relativedelta import relativedelta

from .limits import MAX_DATE, MIN_DATE

_calendar_lock = threading.Lock()


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(value: object) -> date | None:
    """``value`` as a date if it is an existing day written exactly ``YYYY-MM-DD``, else None.

    Stricter than ``date.fromisoformat`` (which takes ``20240105``) and than pydantic (which takes
    timestamps and datetimes): facts, case files and the command line all mean a calendar day.

    >>> parse_iso_date("2024-02-29"), parse_iso_date("2024-2-29"), parse_iso_date("2023-02-29")
    (datetime.date(2024, 2, 29), None, None)
    """
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def date_in_range(day: date) -> bool:
    """Whether ``day`` is within the dates accepted anywhere (``limits.MIN_DATE``..``MAX_DATE``).

    Facts, case files, ``as_of`` and the command line all share this bound, so that calendar
    arithmetic (windows, working days) never runs off the end of Python's calendar.

    >>> date_in_range(date(2999, 12, 31)), date_in_range(date(9999, 12, 31))
    (True, False)
    """
    return MIN_DATE <= day <= MAX_DATE


@lru_cache(maxsize=4096)
def window_start(as_of: date, months: int) -> date:
    """First day of the closed window "N个月以内" ending on ``as_of``.

    The same day of the month N months earlier, or that month's last day where it has none.

    >>> window_start(date(2024, 2, 29), 12)
    datetime.date(2023, 2, 28)
    """
    return as_of - relativedelta(months=months)


@lru_cache(maxsize=4096)
def months_after(day: date, months: int) -> date:
    """The last day of the closed window "N个月以内" that starts on ``day``.

    The same day of the month N months later, or that month's last day where it has none.

    >>> months_after(date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    return day + relativedelta(months=months)


@cache
def _china() -> holidays.HolidayBase:
    return holidays.country_holidays("CN")


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days after ``start`` (``start`` itself not counted; 0 = same day).

    Public holidays are off and the make-up working days (调休) are on, as the ``holidays``
    package's China calendar has them.

    >>> add_working_days(date(2024, 9, 29), 3)   # 国庆: 9/30 works, 10/1–10/7 off, 10/8 and 10/9 work
    datetime.date(2024, 10, 9)
    """
    if days == 0:
        return start
    table = _working_days(start.year)
    position = bisect.bisect_right(table, start) + days - 1
    if position < len(table):
        return table[position]
    # Further than the two years tabulated: ask the calendar directly.
    with _calendar_lock:
        return _china().get_nth_working_day(start, days)


@lru_cache(maxsize=64)
def _working_days(year: int) -> list[date]:
    """Every working day of ``year`` and the next, in order, as the China calendar has them."""
    # The calendar fills in each year on first use; doing that from two threads at once is unsafe.
    with _calendar_lock:
        calendar = _china()
        # Near the end of Python's calendar (never reached within limits.MAX_DATE) stop at its last day.
        day, end = date(year, 1, 1), date(year + 2, 1, 1) if year + 2 <= date.max.year else date.max
        out = []
        while day < end:
            if calendar.is_working_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out
