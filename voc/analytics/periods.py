"""Calendar periods (ISO week `2026-W41`, month `2026-10`) in the bank's time zone.

Timestamps are stored as naive UTC; weeks and months are those of the local calendar, so a
Monday 03:00 in Shanghai belongs to that Monday's week, not to the Sunday before.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Granularity = Literal["week", "month"]
GRANULARITIES: tuple[Granularity, ...] = ("week", "month")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def local_date(created_at: datetime, zone: ZoneInfo) -> date:
    """The local calendar date of a naive-UTC timestamp."""
    return created_at.replace(tzinfo=UTC).astimezone(zone).date()


def week_key(day: date) -> str:
    """ISO week of a date: `2026-W41`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    """Month of a date: `2026-10`."""
    return f"{day.year}-{day.month:02d}"


def period_key(day: date, granularity: Granularity) -> str:
    """The period holding `day` at this granularity."""
    check_granularity(granularity)
    return week_key(day) if granularity == "week" else month_key(day)


def check_granularity(granularity: str) -> None:
    """Raise on anything but week or month."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; valid: {list(GRANULARITIES)}")


def period_granularity(period: str) -> Granularity:
    """`week` for `2026-W41`, `month` for `2026-10`; anything else raises."""
    if _WEEK.match(period):
        return "week"
    if _MONTH.match(period):
        return "month"
    raise ValueError(f"period {period!r} is neither an ISO week (2026-W41) nor a month (2026-10)")


def period_bounds(period: str) -> tuple[date, date]:
    """First day and the day after the last day of a period (local calendar)."""
    if m := _WEEK.match(period):
        start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return start, start + timedelta(days=7)
    if m := _MONTH.match(period):
        year, month = int(m[1]), int(m[2])
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return start, end
    period_granularity(period)  # raises with the message
    raise AssertionError  # pragma: no cover


def utc_bounds(period: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Naive-UTC [start, end) of a local period, for range queries on `created_at`."""
    start, end = period_bounds(period)

    def to_utc(day: date) -> datetime:
        local = datetime(day.year, day.month, day.day, tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return to_utc(start), to_utc(end)


def shift_week(week: str, weeks: int) -> str:
    """The ISO week `weeks` after (negative: before) `week`."""
    start, _ = period_bounds(week)
    return week_key(start + timedelta(days=7 * weeks))


def week_range(first: str, last: str) -> list[str]:
    """Every ISO week from `first` to `last`, both included."""
    out, current = [], first
    while current <= last:
        out.append(current)
        current = shift_week(current, 1)
    return out


def week_of(value: str | date) -> str:
    """ISO week of a date given as `YYYY-MM-DD`, a date, or already a week key."""
    if isinstance(value, date):
        return week_key(value)
    if _WEEK.match(value):
        return value
    try:
        return week_key(date.fromisoformat(value))
    except ValueError as exc:
        raise ValueError(
            f"expected a date YYYY-MM-DD or an ISO week like 2026-W41, got {value!r}"
        ) from exc
