"""Complaint-ticket adapter: ids, ticket timestamps, category, channel, status, resolution."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.ingest.conftest import Files, cst, split
from voc.ingest import complaints
from voc.ingest.columns import ColumnMapping
from voc.ingest.complaints import parse_status
from voc.ingest.errors import FileError, RowError

CANONICAL = [
    "ticket_id",
    "opened_at",
    "first_response_at",
    "closed_at",
    "category",
    "channel",
    "status",
    "text",
    "resolution",
    "customer_id",
]
CN_HEADER = [
    "工单号",
    "受理时间",
    "首次响应时间",
    "结案时间",
    "投诉类别",
    "投诉渠道",
    "工单状态",
    "投诉内容",
    "处理结果",
    "客户号",
]


def test_complaints_canonical_csv(files: Files) -> None:
    path = files.csv(
        "t.csv",
        [
            CANONICAL,
            [
                "T001",
                "2024-03-05 09:00",
                "2024-03-05 09:40",
                "2024-03-07 17:00",
                "信用卡",
                "95588",
                "closed",
                "年费没有提前通知就扣了",
                "已退还年费并致歉",
                "C9",
            ],
            ["T002", "2024-03-06 10:00", "", "", "手机银行", "app", "", "人脸识别一直失败", "", ""],
        ],
    )
    (closed, open_), rejects = split(complaints.read(path))
    assert rejects == []
    assert closed.source == "complaint" and closed.external_id == "T001"
    assert closed.created_at == cst(2024, 3, 5, 9)
    assert closed.text == "年费没有提前通知就扣了"
    assert (closed.channel, closed.customer_id) == ("95588", "C9")
    ticket = closed.ticket
    assert ticket.opened_at == cst(2024, 3, 5, 9)
    assert ticket.first_response_at == cst(2024, 3, 5, 9, 40)
    assert ticket.closed_at == cst(2024, 3, 7, 17)
    assert (ticket.category, ticket.status, ticket.resolution) == (
        "信用卡",
        "closed",
        "已退还年费并致歉",
    )
    assert open_.ticket.status == "open"  # no status and no close time
    assert (open_.ticket.first_response_at, open_.ticket.closed_at) == (None, None)


def test_complaints_xlsx_chinese_headers_and_status_words(files: Files) -> None:
    path = files.xlsx(
        "投诉工单.xlsx",
        [
            CN_HEADER,
            [
                20240305001,
                datetime(2024, 3, 5, 9, 15),
                datetime(2024, 3, 5, 10, 0),
                None,
                "借记卡",
                "网点",
                "处理中",
                "ATM吞卡后三天没人联系",
                None,
                None,
            ],
            [
                20240305002,
                datetime(2024, 3, 5, 11, 0),
                None,
                datetime(2024, 3, 6, 16, 30),
                "贷款",
                "12378",
                "已办结",
                "提前还款违约金不合理",
                "按合同说明，客户表示理解",
                "6100",
            ],
            [
                20240305003,
                "2024年3月5日 14时20分",
                None,
                None,
                "理财",
                "电话",
                "待处理",
                "理財產品虧損沒有風險提示",
                None,
                None,
            ],
        ],
    )
    drafts, rejects = split(complaints.read(path))
    assert rejects == []
    assert [d.external_id for d in drafts] == ["20240305001", "20240305002", "20240305003"]
    assert [d.ticket.status for d in drafts] == ["in_progress", "closed", "open"]
    assert drafts[1].ticket.closed_at == cst(2024, 3, 6, 16, 30)
    assert drafts[1].ticket.resolution == "按合同说明，客户表示理解"
    assert drafts[2].created_at == cst(2024, 3, 5, 14, 20)
    assert drafts[2].text == "理財產品虧損沒有風險提示"


def test_complaints_gbk_csv_with_chinese_headers(files: Files) -> None:
    path = files.csv(
        "ts.csv",
        [
            ["投诉编号", "投诉时间", "问题描述", "状态", "处理意见"],
            ["K1", "2024/3/5 8:05", "网点排队两个小时", "已解决", "已加开窗口"],
        ],
        encoding="gbk",
    )
    (record,), rejects = split(complaints.read(path))
    assert rejects == []
    assert (record.external_id, record.ticket.status, record.ticket.resolution) == (
        "K1",
        "closed",
        "已加开窗口",
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("待处理", "open"),
        ("新建", "open"),
        ("处理中", "in_progress"),
        ("跟进中", "in_progress"),
        ("已结案", "closed"),
        ("已办结", "closed"),
        ("CLOSED", "closed"),
        (" Resolved ", "closed"),
        ("In Progress", "in_progress"),
        (None, None),
    ],
)
def test_complaints_status_words(word, status) -> None:
    assert parse_status(word) == status


def test_complaints_unknown_status_names_the_value() -> None:
    with pytest.raises(RowError, match="status: unknown value '挂起'; use open / in_progress"):
        parse_status("挂起")


def test_complaints_bad_rows_are_rejected_with_line_and_reason(files: Files) -> None:
    rows = [
        CANONICAL,
        ["T1", "2024-03-05 09:00", "2024-03-05 08:00", "", "", "", "", "响应早于受理", "", ""],
        ["T2", "2024-03-05 09:00", "", "2024-03-04", "", "", "", "结案早于受理", "", ""],
        ["T3", "2024-03-05 09:00", "", "", "", "", "挂起", "状态不认识", "", ""],
        ["T4", "", "", "", "", "", "", "没有受理时间", "", ""],
        ["T5", "2024-03-05 09:00", "明天", "", "", "", "", "响应时间写错", "", ""],
        ["T6", "2024-03-05 09:00", "", "", "", "", "", "", "", ""],
        ["T7", "2024-03-05 09:00", "", "", "", "", "", "好", "办" * 20_001, ""],
        ["T8", "2024-03-05 09:00", "", "", "", "", "已关闭", "正常的一条", "", ""],
    ]
    drafts, rejects = split(complaints.read(files.csv("t.csv", rows)))
    assert [(d.external_id, d.ticket.status) for d in drafts] == [("T8", "closed")]
    assert [(r.line, r.reason) for r in rejects] == [
        (2, "first_response_at is before opened_at"),
        (3, "closed_at is before opened_at"),
        (4, rejects[2].reason),
        (5, "opened_at: missing date"),
        (6, "first_response_at: unparseable date '明天'"),
        (7, "text: complaint has no text"),
        (8, "resolution: 20001 characters, limit is 20000"),
    ]
    assert rejects[2].reason.startswith("status: unknown value '挂起'")


def test_complaints_jsonl_with_mapping(files: Files) -> None:
    path = files.jsonl(
        "t.jsonl",
        [
            {"单号": "J1", "登记日期": "2024-03-05T09:00:00+08:00", "客户原话": "客户经理推销保险"},
            {"单号": "J2", "登记日期": "2024-03-05", "客户原话": None},
        ],
    )
    mapping = ColumnMapping.from_pairs(["ticket_id=单号", "opened_at=登记日期", "text=客户原话"])
    (good,), (bad,) = split(complaints.read(path, mapping=mapping))
    assert (good.external_id, good.text, good.ticket.status) == ("J1", "客户经理推销保险", "open")
    assert (bad.line, bad.reason) == (2, "text: complaint has no text")


@pytest.mark.parametrize(
    ("header", "missing"),
    [("工单号,投诉内容", "['opened_at']"), ("工单号,受理时间", "['text']")],
)
def test_complaints_missing_required_column_is_a_file_error(files: Files, header, missing) -> None:
    path = files.text("t.csv", header + "\nT1,x\n")
    with pytest.raises(FileError) as info:
        list(complaints.read(path))
    assert f"no column for {missing}" in str(info.value)
    assert "--map FIELD=COLUMN" in str(info.value)
