"""Column mapping: canonical names, Chinese aliases, mapping files and --map pairs."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import Files
from voc.ingest.columns import (
    APP_REVIEW_ALIASES,
    COMPLAINT_ALIASES,
    SURVEY_ALIASES,
    ColumnMapping,
    ColumnResolver,
)
from voc.ingest.errors import FileError


def test_columns_canonical_names_need_no_mapping() -> None:
    headers = ["response_id", "submitted_at", "csat", "nps", "text", "channel", "touchpoint"]
    resolved = ColumnResolver(SURVEY_ALIASES).resolve(headers)
    assert resolved["submitted_at"] == ["submitted_at"]
    assert resolved["text"] == ["text"]
    assert "customer_id" not in resolved


@pytest.mark.parametrize(
    ("aliases", "headers", "expected"),
    [
        (
            SURVEY_ALIASES,
            ["提交时间", "满意度", "推荐意愿", "意见"],
            {
                "submitted_at": ["提交时间"],
                "csat": ["满意度"],
                "nps": ["推荐意愿"],
                "text": ["意见"],
            },
        ),
        (
            APP_REVIEW_ALIASES,
            ["评论时间", "评分", "版本", "评论内容", "应用商店"],
            {
                "created_at": ["评论时间"],
                "rating": ["评分"],
                "app_version": ["版本"],
                "text": ["评论内容"],
                "store": ["应用商店"],
            },
        ),
        (
            COMPLAINT_ALIASES,
            ["工单号", "受理时间", "处理结果", "投诉内容", "状态"],
            {
                "ticket_id": ["工单号"],
                "opened_at": ["受理时间"],
                "resolution": ["处理结果"],
                "text": ["投诉内容"],
                "status": ["状态"],
            },
        ),
    ],
)
def test_columns_chinese_aliases(aliases, headers, expected) -> None:
    assert ColumnResolver(aliases).resolve(headers) == expected


def test_columns_header_matching_ignores_case_spaces_and_bom() -> None:
    resolved = ColumnResolver(SURVEY_ALIASES).resolve(
        ["\ufeffResponse_ID", " Submitted_At ", "满意度 (1-5)", "意 见"]
    )
    assert resolved == {
        "response_id": ["\ufeffResponse_ID"],
        "submitted_at": [" Submitted_At "],
        "csat": ["满意度 (1-5)"],
        "text": ["意 见"],
    }


def test_columns_mapping_wins_and_takes_its_column_from_aliases() -> None:
    mapping = ColumnMapping({"text": ["意见", "建议"], "submitted_at": ["完成时间"]})
    headers = ["完成时间", "时间", "意见", "建议"]
    resolved = ColumnResolver(SURVEY_ALIASES, mapping).resolve(headers)
    assert resolved["text"] == ["意见", "建议"]
    assert resolved["submitted_at"] == ["完成时间"]
    assert "suggestion" not in resolved  # 建议 is an alias of suggestion but already mapped


def test_columns_mapped_column_missing_from_fixed_header_fails() -> None:
    resolver = ColumnResolver(SURVEY_ALIASES, ColumnMapping({"text": ["客户意见"]}))
    with pytest.raises(FileError, match=r"mapped column\(s\) \['客户意见'\] not in header"):
        resolver.resolve(["提交时间", "意见"])


def test_columns_mapped_column_missing_from_json_record_is_left_out() -> None:
    resolver = ColumnResolver(SURVEY_ALIASES, ColumnMapping({"text": ["comment"]}))
    resolved = resolver.resolve(["time", "text"], strict=False)
    assert "text" not in resolved  # no fallback to the alias when the user named a column


def test_columns_mapping_with_unknown_field_fails() -> None:
    with pytest.raises(FileError, match=r"unknown fields \['score'\]; valid: "):
        ColumnResolver(SURVEY_ALIASES, ColumnMapping({"score": ["满意度"]}))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "map.yaml",
            "columns:\n  text: [意见, 建议]\n  csat: 总体评价\ntimezone: Asia/Hong_Kong\n",
        ),
        (
            "map.json",
            '{"columns": {"text": ["意见", "建议"], "csat": "总体评价"},'
            ' "timezone": "Asia/Hong_Kong"}',
        ),
    ],
)
def test_columns_mapping_file_yaml_and_json(files: Files, name, content) -> None:
    mapping = ColumnMapping.from_file(files.text(name, content, "utf-8-sig"))
    assert mapping.columns == {"text": ["意见", "建议"], "csat": ["总体评价"]}
    assert mapping.timezone == "Asia/Hong_Kong"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.json", "{columns: ", "not valid JSON/YAML"),
        ("m.yaml", "columns: [a, b", "not valid JSON/YAML"),
        ("m.yaml", "- text\n", "mapping must be an object"),
        ("m.yaml", "columns: [意见]\n", "'columns' must map field names"),
        ("m.yaml", "columns:\n  text: 3\n", "column for 'text' must be a name"),
        ("m.yaml", "columns:\n  text: []\n", "column for 'text' must be a name"),
        ("m.yaml", "columns: {}\ntimezone: Beijing\n", "unknown time zone 'Beijing'"),
    ],
)
def test_columns_bad_mapping_file_is_a_file_error(files: Files, name, content, message) -> None:
    with pytest.raises(FileError, match=message):
        ColumnMapping.from_file(files.text(name, content))


def test_columns_missing_mapping_file_is_a_file_error(tmp_path) -> None:
    with pytest.raises(FileError, match="cannot read mapping file"):
        ColumnMapping.from_file(tmp_path / "nope.yaml")


def test_columns_pairs_repeat_a_field_and_override_the_file() -> None:
    base = ColumnMapping({"text": ["意见"], "csat": ["满意度"]}, "Asia/Shanghai")
    mapping = ColumnMapping.from_pairs(["text=问题1", "text = 问题2 ", "nps=推荐"], base)
    assert mapping.columns == {"text": ["问题1", "问题2"], "csat": ["满意度"], "nps": ["推荐"]}
    assert mapping.timezone == "Asia/Shanghai"
    assert base.columns == {"text": ["意见"], "csat": ["满意度"]}  # base untouched


@pytest.mark.parametrize("pair", ["text", "=意见", "text=", "text= "])
def test_columns_bad_pair_is_a_file_error(pair) -> None:
    with pytest.raises(FileError, match="--map expects FIELD=COLUMN"):
        ColumnMapping.from_pairs([pair])
