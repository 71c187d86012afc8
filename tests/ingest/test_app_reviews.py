"""App-review adapter: store exports (CSV / XLSX / JSON / JSONL) and one-per-line text."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from tests.ingest.conftest import SHANGHAI, Files, cst, split
from voc.ingest import app_reviews
from voc.ingest.columns import ColumnMapping
from voc.ingest.errors import FileError

CANONICAL = ["review_id", "created_at", "rating", "title", "text", "app_version", "store", "app"]


def test_app_reviews_canonical_csv(files: Files) -> None:
    path = files.csv(
        "r.csv",
        [
            CANONICAL,
            [
                "a1",
                "2024-03-05 08:15",
                "1",
                "垃圾更新",
                "更新后人脸识别一直失败",
                "8.2.1",
                "App Store",
                "掌上银行",
            ],
            ["a2", "2024-03-05 09:00", "5", "", "界面清爽，转账很快", "8.2.1", "华为应用市场", ""],
            ["a3", "2024-03-05 09:30", "2", "闪退", "", "8.2.0", "小米", ""],
        ],
    )
    (first, second, third), rejects = split(app_reviews.read(path))
    assert rejects == []
    assert first.source == "app_review" and first.external_id == "a1"
    assert first.text == "垃圾更新\n更新后人脸识别一直失败"
    assert first.meta == {"title": "垃圾更新"}
    assert (first.rating, first.app_version, first.channel, first.product) == (
        1,
        "8.2.1",
        "App Store",
        "掌上银行",
    )
    assert first.created_at == cst(2024, 3, 5, 8, 15)
    assert second.text == "界面清爽，转账很快" and second.meta == {}
    assert third.text == "闪退"  # a title alone is the review


def test_app_reviews_title_already_in_body_is_not_repeated(files: Files) -> None:
    path = files.csv(
        "r.csv", [["created_at", "title", "text"], ["2024-03-05", "闪退", "闪退，打不开"]]
    )
    (record,), _ = split(app_reviews.read(path))
    assert record.text == "闪退，打不开" and record.meta == {"title": "闪退"}


def test_app_reviews_chinese_headers_gbk(files: Files) -> None:
    path = files.csv(
        "评论.csv",
        [
            ["评论ID", "评论时间", "评分", "标题", "评论内容", "版本", "应用商店"],
            ["9001", "2024/03/05 21:07:44", "3星", "", "基金页面加载慢", "V8.3", "应用宝"],
        ],
        encoding="gbk",
    )
    (record,), rejects = split(app_reviews.read(path))
    assert rejects == []
    assert (record.external_id, record.rating, record.app_version, record.channel) == (
        "9001",
        3,
        "V8.3",
        "应用宝",
    )
    assert record.created_at == cst(2024, 3, 5, 21, 7, 44)


def test_app_reviews_json_store_export(files: Files) -> None:
    path = files.json(
        "r.json",
        {
            "data": [
                {
                    "review_id": 1,
                    "date": "2024-03-05T01:00:00Z",
                    "score": 4,
                    "body": "挺好",
                    "version": "8.1",
                },
                {"review_id": 2, "date": 1709600400000, "score": "five", "body": "很好"},
                {"review_id": 3, "date": "2024-03-05", "score": 5},
            ]
        },
    )
    (good,), (bad_score, no_text) = split(app_reviews.read(path))
    assert good.created_at == cst(2024, 3, 5, 9) and good.created_at.tzinfo is SHANGHAI
    assert (good.rating, good.text, good.app_version) == (4, "挺好", "8.1")
    assert (bad_score.line, bad_score.reason) == (2, "rating: expected a number 1-5, got 'five'")
    assert (no_text.line, no_text.reason) == (3, "missing field(s) ['text']")


def test_app_reviews_xlsx(files: Files) -> None:
    path = files.xlsx(
        "r.xlsx",
        [
            ["发布时间", "星级", "内容", "版本号", "平台"],
            [datetime(2024, 3, 5, 22, 1), 1, "登录要短信验证码，收不到", "8.2.1", "iOS"],
            [datetime(2024, 3, 6, 7, 30), 0, "评分为零", "8.2.1", "iOS"],
        ],
    )
    (record,), (reject,) = split(app_reviews.read(path))
    assert record.created_at == cst(2024, 3, 5, 22, 1) and record.rating == 1
    assert (reject.line, reject.reason) == (3, "rating: 0 is out of range 1-5")


def test_app_reviews_row_without_title_or_body_is_rejected(files: Files) -> None:
    path = files.csv("r.csv", [["created_at", "title", "text"], ["2024-03-05", "", "  "]])
    _, (reject,) = split(app_reviews.read(path))
    assert (reject.line, reject.reason) == (2, "text: review has no title and no body")


def test_app_reviews_txt_one_review_per_line(files: Files) -> None:
    content = (
        "2024-03-05\t转账一直转圈，最后提示系统繁忙\n"
        "\n"
        "2024/3/6 12:30\t轉賬失敗\n"
        "不写日期的评论，用文件时间\n"
        "2024-13-40\t日期错了\n"
        "2024-03-07\t\n"
    )
    path = files.text("reviews.txt", content)
    mtime = datetime(2024, 3, 8, 10, 0, tzinfo=SHANGHAI).timestamp()
    os.utime(path, (mtime, mtime))
    drafts, rejects = split(app_reviews.read(path))
    assert [(d.text, d.created_at) for d in drafts] == [
        ("转账一直转圈，最后提示系统繁忙", cst(2024, 3, 5)),
        ("轉賬失敗", cst(2024, 3, 6, 12, 30)),
        ("不写日期的评论，用文件时间", cst(2024, 3, 8, 10)),
    ]
    assert [d.external_id for d in drafts] == ["reviews.txt:1", "reviews.txt:3", "reviews.txt:4"]
    assert drafts[2].meta == {"created_at_from": "file_mtime"}
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [(5, "date"), (6, "text")]


def test_app_reviews_txt_bad_bytes_and_long_lines_reject_one_line(files: Files) -> None:
    data = "很好用\n".encode() + b"\xff\xfe\n" + ("长" * 20_001 + "\n").encode() + "还行\n".encode()
    drafts, rejects = split(app_reviews.read(files.bytes("r.txt", data)))
    assert [d.text for d in drafts] == ["很好用", "还行"]
    assert [(r.line, r.reason) for r in rejects] == [
        (2, "undecodable bytes for encoding utf-8"),
        (3, "text: 20001 characters, limit is 20000"),
    ]


def test_app_reviews_txt_gbk_with_mapping_zone(files: Files) -> None:
    path = files.text("r.txt", "2024-03-05 08:00\t信用卡还款提醒太晚\n", "gbk")
    (record,), _ = split(app_reviews.read(path, mapping=ColumnMapping(timezone="UTC")))
    assert record.created_at == datetime.fromisoformat("2024-03-05T08:00:00+00:00")


def test_app_reviews_txt_rejects_column_mapping(files: Files) -> None:
    path = files.text("r.txt", "好\n")
    with pytest.raises(FileError, match="column mapping makes no sense"):
        list(app_reviews.read(path, mapping=ColumnMapping({"text": ["x"]})))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.csv", "评分,内容\n5,好\n", r"no column for \['created_at'\]"),
        ("r.csv", "created_at,rating\n2024-03-05,5\n", r"no column for \['text'\]"),
        ("r.json", '{"code": 0}', "expected a JSON array"),
        ("r.html", "<html>", "unsupported file type"),
    ],
)
def test_app_reviews_unreadable_file_is_a_file_error(files: Files, name, content, message) -> None:
    with pytest.raises(FileError, match=message):
        list(app_reviews.read(files.text(name, content)))


def test_app_reviews_missing_txt_is_a_file_error(tmp_path) -> None:
    with pytest.raises(FileError, match="no such file"):
        list(app_reviews.read(tmp_path / "missing.txt"))
