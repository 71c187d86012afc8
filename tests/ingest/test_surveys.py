"""Survey adapter: CSV / XLSX / JSONL exports, CSAT and NPS, several free-text answers."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.ingest.conftest import Files, cst, split
from voc.ingest import surveys
from voc.ingest.columns import ColumnMapping
from voc.ingest.errors import FileError

CANONICAL = [
    "response_id",
    "submitted_at",
    "csat",
    "nps",
    "text",
    "channel",
    "touchpoint",
    "customer_id",
]
CN_HEADER = ["答卷编号", "提交时间", "满意度", "推荐意愿", "意见", "建议", "渠道", "客户号"]


def test_surveys_canonical_csv(files: Files) -> None:
    path = files.csv(
        "s.csv",
        [
            CANONICAL,
            [
                "R1",
                "2024-03-05 09:12:30",
                "2",
                "3",
                "转账一直转圈，最后提示系统繁忙",
                "app",
                "转账",
                "C001",
            ],
            ["R2", "2024/3/6 18:40", "5", "10", "柜台小姐姐很耐心", "branch", "", ""],
        ],
    )
    (first, second), rejects = split(surveys.read(path))
    assert rejects == []
    assert first.source == "survey" and first.external_id == "R1"
    assert first.created_at == cst(2024, 3, 5, 9, 12, 30)
    assert (first.csat, first.nps) == (2, 3)
    assert first.text == "转账一直转圈，最后提示系统繁忙"
    assert (first.channel, first.touchpoint_hint, first.customer_id) == ("app", "转账", "C001")
    assert first.origin == f"{path}:2" and first.meta == {}
    assert second.created_at == cst(2024, 3, 6, 18, 40)
    assert (second.touchpoint_hint, second.customer_id) == (None, None)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "gb18030"])
def test_surveys_chinese_headers_in_excel_encodings(files: Files, encoding) -> None:
    path = files.csv(
        "问卷.csv",
        [
            CN_HEADER,
            [
                "1001",
                "2024年3月5日 14:03",
                "4",
                "8",
                "手机银行登录要验证好几次",
                "指纹登录老失败",
                "微信",
                "6001",
            ],
            ["1002", "2024-03-05", "1", "0", "轉賬失敗還扣了手續費", "", "短信", ""],
        ],
        encoding=encoding,
    )
    (first, second), rejects = split(surveys.read(path))
    assert rejects == []
    assert first.text == "手机银行登录要验证好几次\n指纹登录老失败"
    assert first.meta == {"answers": {"意见": "手机银行登录要验证好几次", "建议": "指纹登录老失败"}}
    assert (first.csat, first.nps, first.channel, first.customer_id) == (4, 8, "微信", "6001")
    assert first.created_at == cst(2024, 3, 5, 14, 3)
    assert second.text == "轉賬失敗還扣了手續費" and second.meta == {}  # Traditional kept as is
    assert (second.csat, second.nps) == (1, 0)


def test_surveys_xlsx_with_datetime_cells_and_numbers(files: Files) -> None:
    path = files.xlsx(
        "survey.xlsx",
        [
            CN_HEADER,
            [1001, datetime(2024, 3, 5, 10, 30), 3, 7, "排队等了一个小时", None, "网点", 600123.0],
            [1002, datetime(2024, 3, 5, 11, 0), 5.0, 9, "无", "希望多开几个窗口", "网点", None],
        ],
    )
    (first, second), rejects = split(surveys.read(path))
    assert rejects == []
    assert first.external_id == "1001" and first.customer_id == "600123"
    assert first.created_at == cst(2024, 3, 5, 10, 30)
    assert (first.csat, first.nps) == (3, 7)
    assert second.text == "希望多开几个窗口"  # "无" is a blank answer
    assert second.csat == 5


def test_surveys_jsonl_with_mapping_and_zone(files: Files) -> None:
    path = files.jsonl(
        "s.jsonl",
        [
            {
                "id": "W1",
                "time": "2024-03-05 09:00",
                "score": 4,
                "q1": "理财收益不错",
                "q2": "app卡顿",
            },
            {"id": "W2", "time": "2024-03-05 10:00", "score": None, "q1": "还行"},
            {"id": "W3", "time": "2024-03-05 11:00", "score": 2},
        ],
    )
    mapping = ColumnMapping.from_pairs(
        ["submitted_at=time", "csat=score", "text=q1", "text=q2", "response_id=id"]
    )
    mapping.timezone = "Asia/Hong_Kong"
    (first, second), (reject,) = split(surveys.read(path, mapping=mapping))
    assert first.text == "理财收益不错\napp卡顿"
    assert first.meta["answers"] == {"q1": "理财收益不错", "q2": "app卡顿"}
    assert first.created_at.utcoffset().total_seconds() == 8 * 3600
    assert str(first.created_at.tzinfo) == "Asia/Hong_Kong"
    assert (second.text, second.csat) == ("还行", None)  # q2 absent from this record: fine
    assert (reject.line, reject.reason) == (3, "missing field(s) ['text']")


def test_surveys_mapping_file_names_several_answers(files: Files) -> None:
    mapping = ColumnMapping.from_file(
        files.text(
            "map.yaml", "columns:\n  text: [Q5 其他意见, Q6 改进建议]\n  csat: Q1 总体满意度\n"
        )
    )
    path = files.csv(
        "s.csv",
        [
            ["提交时间", "Q1 总体满意度", "Q5 其他意见", "Q6 改进建议"],
            ["2024-03-05", "3", "信用卡额度太低", "提额流程简化"],
        ],
    )
    (record,), _ = split(surveys.read(path, mapping=mapping))
    assert record.text == "信用卡额度太低\n提额流程简化" and record.csat == 3


def test_surveys_bad_rows_are_rejected_with_line_and_field(files: Files) -> None:
    rows = [
        CANONICAL,
        ["R1", "2024-03-05", "4", "9", "好用", "", "", ""],
        ["R2", "2024-03-05", "4", "9", "", "", "", ""],
        ["R3", "上周五", "4", "9", "闪退", "", "", ""],
        ["R4", "2024-03-05", "6", "9", "闪退", "", "", ""],
        ["R5", "2024-03-05", "4", "十分", "闪退", "", "", ""],
        ["R6", "2024-03-05", "4", "9", "长" * 20_001, "", "", ""],
        ["R7", "2024-03-05", "4", "9.5", "闪退", "", "", ""],
        ["R8", "2024-03-05", "3", "7", "还可以", "", "", ""],
    ]
    path = files.csv("s.csv", rows)
    drafts, rejects = split(surveys.read(path))
    assert [d.external_id for d in drafts] == ["R1", "R8"]
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [
        (3, "text"),
        (4, "submitted_at"),
        (5, "csat"),
        (6, "nps"),
        (7, "text"),
        (8, "nps"),
    ]
    assert rejects[1].reason == "submitted_at: unparseable date '上周五'"
    assert rejects[2].reason == "csat: '6' is out of range 1-5"
    assert rejects[4].reason == "text: 20001 characters, limit is 20000"
    assert all(r.path == str(path) for r in rejects)
    assert rejects[1].raw.startswith("R3,上周五,")


def test_surveys_undecodable_row_only_loses_that_row(files: Files) -> None:
    head = "编号,提交时间,满意度,意见\n1,2024-03-05,5,服务很好\n".encode("gbk")
    bad = b"2,2024-03-05,3,\x81\x20\xff\n"
    tail = "3,2024-03-06,2,网银盾插上没反应\n".encode("gbk")
    drafts, (reject,) = split(surveys.read(files.bytes("s.csv", head + bad + tail)))
    assert [d.text for d in drafts] == ["服务很好", "网银盾插上没反应"]
    assert (reject.line, reject.reason) == (3, "undecodable bytes for encoding gb18030")


def test_surveys_wrong_type_in_jsonl_is_rejected(files: Files) -> None:
    path = files.jsonl(
        "s.jsonl",
        [
            {"submitted_at": "2024-03-05", "text": {"q": "嵌套"}},
            {"submitted_at": ["2024-03-05"], "text": "日期是列表"},
            {"submitted_at": "2024-03-05", "text": "好", "csat": "5"},
            {"submitted_at": "2024-03-05", "csat": 5},
        ],
    )
    (good,), rejects = split(surveys.read(path))
    assert good.csat == 5
    assert [(r.line, r.reason) for r in rejects] == [
        (1, "text: expected text, got dict"),
        (2, "submitted_at: expected a date, got list"),
        (4, "missing field(s) ['text']"),
    ]


def test_surveys_short_csv_row_is_a_row_reject_not_a_file_error(files: Files) -> None:
    path = files.text("s.csv", "submitted_at,csat,text\n2024-03-05,4,好\n2024-03-05\n")
    (good,), (reject,) = split(surveys.read(path))
    assert good.text == "好"
    assert (reject.line, reject.reason) == (3, "text: no free-text answer")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("s.csv", "编号,满意度,意见\n1,5,好\n", r"no column for \['submitted_at'\]"),
        ("s.csv", "", "file is empty"),
        ("s.json", "[{", "not valid JSON"),
        ("s.pdf", "%PDF", "unsupported file type '.pdf'"),
    ],
)
def test_surveys_unreadable_file_is_one_file_error(files: Files, name, content, message) -> None:
    with pytest.raises(FileError, match=message):
        list(surveys.read(files.text(name, content)))


def test_surveys_mapped_column_absent_from_csv_is_a_file_error(files: Files) -> None:
    path = files.csv("s.csv", [["提交时间", "意见"], ["2024-03-05", "好"]])
    mapping = ColumnMapping.from_pairs(["text=客户意见"])
    with pytest.raises(FileError, match="客户意见"):
        list(surveys.read(path, mapping=mapping))


def test_surveys_unknown_zone_is_a_file_error(files: Files) -> None:
    path = files.csv("s.csv", [["提交时间", "意见"], ["2024-03-05", "好"]])
    with pytest.raises(FileError, match="unknown time zone 'Beijing'"):
        list(surveys.read(path, timezone="Beijing"))
