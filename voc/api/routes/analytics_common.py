"""What the analytics routes share: fresh rollups and alerts without per-request scans.

Reading a scorecard must not scan raw feedback. `update_rollups` is cheap when nothing
changed, but its watermark queries still scan the feedback and analysis tables (about
0.5 s at 1M rows, measured), so no request waits for them after the first one: each engine
is checked at most once every `ROLLUP_CHECK_S` seconds, in a background thread, while
requests read the rollups as they are. New items show up within that interval plus the
update's run time. The first request of a process (per engine) updates synchronously.
Alerts are recomputed only when the rollups moved since this process last recomputed them.
Updates are serialised per process (`analytics_lock`): SQLite has one writer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from voc.analytics.periods import month_key, week_key
from voc.analytics.rollups import update_rollups
from voc.analytics.settings import AnalyticsSettings
from voc.api.errors import ApiError
from voc.store.analytics_tables import analytics_rollups

logger = logging.getLogger("voc.api")
ROLLUP_CHECK_S = 5.0
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_lock = threading.Lock()
_state = threading.Lock()
_checked: dict[tuple[int, str], float] = {}
_running: set[tuple[int, str]] = set()
_alerts_mark: dict[tuple[int, str], Any] = {}
_segmenter: list[Callable[[str], list[str]]] = []


def _key(engine: Engine) -> tuple[int, str]:
    # The URL too: a disposed engine's id can be reused by the next one (tests, reloads).
    return id(engine), str(engine.url)


def fresh_rollups(engine: Engine, settings: AnalyticsSettings) -> None:
    """Keep the rollups up to date: synchronously the first time, then in the background."""
    key = _key(engine)
    with _state:
        last = _checked.get(key)
        if last is not None and (key in _running or time.monotonic() - last < ROLLUP_CHECK_S):
            return
        if last is not None:
            _running.add(key)
    if last is None:
        with _lock:
            if key not in _checked:
                update_rollups(engine, settings)
                _checked[key] = time.monotonic()
        return
    threading.Thread(
        target=_update_in_background, args=(engine, settings, key), daemon=True
    ).start()


def _update_in_background(
    engine: Engine, settings: AnalyticsSettings, key: tuple[int, str]
) -> None:
    try:
        with _lock:
            update_rollups(engine, settings)
    except Exception:  # the next check retries; requests keep reading the last rollups
        logger.exception("background rollup update failed")
    finally:
        with _state:
            _checked[key] = time.monotonic()
            _running.discard(key)


def analytics_lock() -> threading.Lock:
    """The lock every rollup/alert update of this process takes (SQLite has one writer)."""
    return _lock


def tokenizer() -> Callable[[str], list[str]]:
    """The project's jieba segmenter (loaded once per process), for alert keywords."""
    if not _segmenter:
        from voc.text.segment import make_segmenter

        _segmenter.append(make_segmenter().tokens)
    return _segmenter[0]


def fresh_alerts(engine: Engine, settings: AnalyticsSettings) -> None:
    """Recompute stored alerts when the rollups changed since the last recomputation here."""
    from voc.analytics.trends import refresh_alerts

    fresh_rollups(engine, settings)
    with engine.connect() as connection:
        mark = connection.scalar(select(func.max(analytics_rollups.c.updated_at)))
    key = _key(engine)
    if key in _alerts_mark and _alerts_mark[key] == mark:
        return
    with _lock:
        if key in _alerts_mark and _alerts_mark[key] == mark:
            return
        refresh_alerts(engine, settings, tokenize=tokenizer())
        _alerts_mark[key] = mark


def iso_week(value: str, name: str = "week", where: str = "path") -> str:
    """`2026-W41` checked against the calendar (2026-W99 is a 422, not an empty result)."""
    m = _WEEK.match(value)
    try:
        if m is None:
            raise ValueError
        date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise ApiError(
            422,
            f"{name} must be an ISO week like 2026-W41, got {value!r}",
            details=[{"loc": [where, name], "msg": "not an ISO week", "type": "value_error"}],
        ) from None
    return value


def period_of(value: str, granularity: str, name: str, *, end: bool = False) -> str:
    """A `from`/`to` bound as a period key: a date, an ISO week or a month (`2026-10`).

    A month bound at week granularity becomes its first week, or its last with `end`; a week
    bound at month granularity becomes the month of its Monday, or of its Sunday with `end`.
    """
    try:
        if _WEEK.match(value):
            iso_week(value, name, "query")
            if granularity == "week":
                return value
            weekday = 7 if end else 1
            return month_key(date.fromisocalendar(int(value[:4]), int(value[6:8]), weekday))
        if (m := _MONTH.match(value)) and 1 <= int(m[2]) <= 12:
            if granularity == "month":
                return value
            year, month = int(m[1]), int(m[2])
            if end:
                after = date(year + month // 12, month % 12 + 1, 1)
                return week_key(date.fromordinal(after.toordinal() - 1))
            return week_key(date(year, month, 1))
        day = date.fromisoformat(value)
    except (ValueError, ApiError):
        raise ApiError(
            422,
            f"{name} must be a date (2026-10-05), an ISO week (2026-W41) or a month (2026-10)",
            details=[{"loc": ["query", name], "msg": "not a period", "type": "value_error"}],
        ) from None
    return week_key(day) if granularity == "week" else month_key(day)
