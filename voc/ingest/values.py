"""Parse the cell values bank exports contain: dates in many shapes, scores, blank markers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from voc.ingest.errors import RowError

BLANKS = {"", "-", "--", "null", "none", "nan", "n/a", "na", "无", "空"}
_CN_DATE = re.compile(
    r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(上午|下午|am|pm)?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})"
    r"(?:\s*[:：分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?|\s*分)?)?$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


@lru_cache(maxsize=32)
def zone(name: str) -> tzinfo:
    """A time zone by IANA name, failing with the name that arrived."""
    try:
        return ZoneInfo(name)
    except Exception as exc:
        raise ValueError(f"unknown time zone {name!r}; e.g. 'Asia/Shanghai' or 'UTC'") from exc


def is_blank(value: Any) -> bool:
    """True for None and the empty markers that exports use for 'no answer'."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and value.strip().lower() in BLANKS


def clean_str(value: Any) -> str | None:
    """A stripped string, or None for blank markers."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns ids like 10023 into 10023.0
    return str(value).strip()


def parse_datetime(value: Any, default_tz: tzinfo, field: str) -> datetime:
    """An aware datetime from ISO strings, Chinese dates, Excel cells or epoch numbers.

    Values without a zone are taken to be in `default_tz` (the bank's local time); values
    with one (ISO offsets, epoch numbers) are converted to it.
    """
    parsed = _parse_naive_or_aware(value, field)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    else:
        parsed = parsed.astimezone(default_tz)
    if not 1990 <= parsed.year <= 2100:
        raise RowError(f"{field}: date {value!r} is outside 1990-2100")
    return parsed


def _parse_naive_or_aware(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(float(value), field)
    if is_blank(value):
        raise RowError(f"{field}: missing date")
    if not isinstance(value, str):
        raise RowError(f"{field}: expected a date, got {type(value).__name__}")
    text = value.strip()
    if text.isdigit() and len(text) in (10, 13):
        return _from_number(float(text), field)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    match = _CN_DATE.match(text.lower())
    if match:
        year, month, day, half, hour, minute, second = match.groups()
        hours = int(hour or 0)
        if half:  # 下午 2:03 is 14:03, 上午 12:10 is 00:10
            hours = hours % 12 + (12 if half in ("下午", "pm") else 0)
        try:
            return datetime(
                int(year), int(month), int(day), hours, int(minute or 0), int(float(second or 0))
            )
        except ValueError as exc:
            raise RowError(f"{field}: unparseable date {value!r} ({exc})") from exc
    raise RowError(f"{field}: unparseable date {value!r}")


def _from_number(number: float, field: str) -> datetime:
    if 20_000 < number < 80_000:  # an Excel serial day number
        return _EXCEL_EPOCH + timedelta(days=number)
    if number > 1e12:  # epoch milliseconds
        number /= 1000
    if 6e8 < number < 5e9:
        from datetime import UTC

        return datetime.fromtimestamp(number, tz=UTC)
    raise RowError(f"{field}: number {number!r} is not a date")


def parse_score(value: Any, field: str, low: int, high: int) -> int | None:
    """An integer score in [low, high], or None when the answer is blank."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise RowError(f"{field}: expected a number {low}-{high}, got {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("分", "").replace("星", "")
        try:
            number = float(text)
        except ValueError as exc:
            raise RowError(f"{field}: expected a number {low}-{high}, got {value!r}") from exc
    if not number.is_integer():
        raise RowError(f"{field}: expected a whole number {low}-{high}, got {value!r}")
    if not low <= number <= high:
        raise RowError(f"{field}: {value!r} is out of range {low}-{high}")
    return int(number)
