"""Cell values: dates in the shapes bank exports use, scores, blank markers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tests.ingest.conftest import SHANGHAI, cst
from voc.ingest.errors import RowError
from voc.ingest.values import clean_str, is_blank, parse_datetime, parse_score, zone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05 14:03:22", cst(2024, 3, 5, 14, 3, 22)),
        ("2024-03-05T14:03", cst(2024, 3, 5, 14, 3)),
        ("2024/3/5 9:05", cst(2024, 3, 5, 9, 5)),
        ("2024/03/05 09:05:07", cst(2024, 3, 5, 9, 5, 7)),
        ("2024.3.5", cst(2024, 3, 5)),
        ("2024年3月5日", cst(2024, 3, 5)),
        ("2024年3月5日 14:03", cst(2024, 3, 5, 14, 3)),
        ("2024年3月5日 14时03分", cst(2024, 3, 5, 14, 3)),
        ("2024年03月05日14时03分22秒", cst(2024, 3, 5, 14, 3, 22)),
        ("2024/3/5 下午 2:03:00", cst(2024, 3, 5, 14, 3)),
        ("2024年3月5日 上午12:10", cst(2024, 3, 5, 0, 10)),
        ("2024/3/5 PM 2:03", cst(2024, 3, 5, 14, 3)),
        ("20240305", cst(2024, 3, 5)),
        (" 2024-03-05 ", cst(2024, 3, 5)),
        (datetime(2024, 3, 5, 14, 3), cst(2024, 3, 5, 14, 3)),
        (date(2024, 3, 5), cst(2024, 3, 5)),
        (45356.5, cst(2024, 3, 5, 12)),  # Excel serial day
    ],
)
def test_values_naive_dates_are_read_in_local_time(value, expected) -> None:
    parsed = parse_datetime(value, SHANGHAI, "submitted_at")
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05T06:03:22Z",
        "2024-03-05T14:03:22+08:00",
        1709618602,
        "1709618602",
        "1709618602000",
    ],
)
def test_values_zoned_dates_and_epochs_become_local_time(value) -> None:
    parsed = parse_datetime(value, SHANGHAI, "created_at")
    assert parsed == datetime(2024, 3, 5, 6, 3, 22, tzinfo=UTC)
    assert parsed.tzinfo is SHANGHAI and parsed.hour == 14


def test_values_default_zone_is_applied() -> None:
    parsed = parse_datetime("2024-03-05 14:00", zone("UTC"), "opened_at")
    assert parsed == datetime(2024, 3, 5, 14, tzinfo=timezone.utc)  # noqa: UP017


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "submitted_at: missing date"),
        (None, "submitted_at: missing date"),
        ("--", "submitted_at: missing date"),
        ("昨天下午", "submitted_at: unparseable date '昨天下午'"),
        ("2024-13-45", "submitted_at: unparseable date '2024-13-45'"),
        ("2024年2月30日", "submitted_at: unparseable date"),
        ("1970-01-01", "submitted_at: date '1970-01-01' is outside 1990-2100"),
        (123, "submitted_at: number 123.0 is not a date"),
        (["2024-03-05"], "submitted_at: expected a date, got list"),
        (True, "submitted_at: expected a date, got bool"),
    ],
)
def test_values_bad_dates_name_the_field(value, message) -> None:
    with pytest.raises(RowError) as info:
        parse_datetime(value, SHANGHAI, "submitted_at")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5),
        (4, 4),
        (3.0, 3),
        ("4.0", 4),
        ("5分", 5),
        ("4星", 4),
        ("１", 1),
        ("", None),
        (None, None),
        ("-", None),
        ("无", None),
        (float("nan"), None),
    ],
)
def test_values_scores(value, expected) -> None:
    assert parse_score(value, "csat", 1, 5) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "csat: '0' is out of range 1-5"),
        (6, "csat: 6 is out of range 1-5"),
        ("4.5", "csat: expected a whole number 1-5, got '4.5'"),
        ("非常满意", "csat: expected a number 1-5, got '非常满意'"),
        (True, "csat: expected a number 1-5, got True"),
    ],
)
def test_values_bad_scores_name_the_field(value, message) -> None:
    with pytest.raises(RowError, match="^" + message.replace("(", r"\(")):
        parse_score(value, "csat", 1, 5)


def test_values_nps_range_is_zero_to_ten() -> None:
    assert parse_score("0", "nps", 0, 10) == 0
    assert parse_score("10", "nps", 0, 10) == 10
    with pytest.raises(RowError, match="nps: '11' is out of range 0-10"):
        parse_score("11", "nps", 0, 10)


@pytest.mark.parametrize(
    ("value", "blank"),
    [
        (None, True),
        ("", True),
        ("  ", True),
        ("N/A", True),
        ("NULL", True),
        ("无", True),
        ("空", True),
        ("0", False),
        (0, False),
        ("无法登录", False),
    ],
)
def test_values_blank_markers(value, blank) -> None:
    assert is_blank(value) is blank


def test_values_clean_str_undoes_excel_float_ids() -> None:
    assert clean_str(10023.0) == "10023"
    assert clean_str(" C-1 ") == "C-1"
    assert clean_str("n/a") is None
    assert clean_str(1.5) == "1.5"


def test_values_unknown_zone_names_itself() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        zone("Mars/Base")
