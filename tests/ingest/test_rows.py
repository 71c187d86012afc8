"""Reading CSV / TSV / XLSX / JSONL / JSON exports into numbered rows."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ingest.conftest import Files
from voc.ingest.errors import FileError
from voc.ingest.rows import read_csv, read_json, read_jsonl, read_table, read_xlsx

HEADER = ["编号", "提交时间", "意见"]


def test_rows_csv_keys_by_header_and_numbers_lines(files: Files) -> None:
    path = files.csv(
        "s.csv", [HEADER, ["S1", "2024-03-05", "转账一直转圈"], ["S2", "2024-03-06", "好"]]
    )
    rows = list(read_csv(path))
    assert [r.line for r in rows] == [2, 3]
    assert rows[0].data == {"编号": "S1", "提交时间": "2024-03-05", "意见": "转账一直转圈"}
    assert rows[1].raw == "S2,2024-03-06,好"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_rows_csv_reads_each_encoding_with_clean_header(files: Files, encoding) -> None:
    path = files.csv("s.csv", [HEADER, ["S1", "2024-03-05", "手机银行闪退"]], encoding)
    (row,) = read_csv(path)
    assert list(row.data) == HEADER  # no BOM glued to the first header
    assert row.data["意见"] == "手机银行闪退"


def test_rows_csv_multiline_quoted_field_keeps_first_line_number(files: Files) -> None:
    rows = [HEADER, ["S1", "2024-03-05", "第一行\n第二行"], ["S2", "2024-03-05", "排队太久"]]
    first, second = read_csv(files.csv("s.csv", rows))
    assert (first.line, second.line) == (2, 4)
    assert first.data["意见"] == "第一行\n第二行"


def test_rows_csv_blank_lines_are_skipped_not_renumbered(files: Files) -> None:
    path = files.text("s.csv", "编号,意见\nS1,好\n\n,\nS2,差\n")
    assert [(r.line, r.data["编号"]) for r in read_csv(path)] == [(2, "S1"), (5, "S2")]


def test_rows_csv_short_row_is_padded(files: Files) -> None:
    (row,) = read_csv(files.text("s.csv", "编号,提交时间,意见\nS1,2024-03-05\n"))
    assert row.data == {"编号": "S1", "提交时间": "2024-03-05", "意见": ""}


def test_rows_csv_long_row_is_an_error_row(files: Files) -> None:
    good, bad = read_csv(files.text("s.csv", "编号,意见\nS1,好\nS2,转账,失败\n"))
    assert good.error is None
    assert (bad.line, bad.data, bad.error) == (3, None, "3 fields but the header has 2")


def test_rows_csv_undecodable_line_is_an_error_row(files: Files) -> None:
    data = "编号,意见\nS1,转账失败\n".encode() + b"S2,\xff\xfe\n" + "S3,闪退\n".encode()
    rows = list(read_csv(files.bytes("s.csv", data)))
    assert [(r.line, r.error) for r in rows] == [
        (2, None),
        (3, "undecodable bytes for encoding utf-8"),
        (4, None),
    ]


def test_rows_csv_tab_separated_is_sniffed(files: Files) -> None:
    path = files.csv("s.tsv", [HEADER, ["S1", "2024-03-05", "额度, 太低"]], delimiter="\t")
    (row,) = read_table(path)
    assert row.data["意见"] == "额度, 太低"


def test_rows_csv_empty_file_and_bad_header(files: Files) -> None:
    with pytest.raises(FileError, match="file is empty"):
        list(read_csv(files.text("empty.csv", "")))
    data = b"\xff\xfe\xfd,\xfe\n" + "S1,好\n".encode("gbk")
    with pytest.raises(FileError, match="header is not valid utf-8"):
        list(read_csv(files.bytes("h.csv", data), encoding="utf-8"))


def test_rows_xlsx_keeps_cell_types_and_sheet_row_numbers(files: Files) -> None:
    when = datetime(2024, 3, 5, 14, 3, 22)
    path = files.xlsx(
        "t.xlsx",
        [["工单号", "受理时间", "投诉内容", None], [10023, when, "卡被冻结", "x"], [], [10024]],
    )
    first, second = read_xlsx(path)
    assert first.line == 2 and first.data == {
        "工单号": 10023,
        "受理时间": when,
        "投诉内容": "卡被冻结",
    }
    assert second.line == 4 and second.data == {"工单号": 10024, "受理时间": None, "投诉内容": None}


def test_rows_xlsx_broken_workbook_is_a_file_error(files: Files) -> None:
    with pytest.raises(FileError, match="not a readable XLSX workbook"):
        list(read_xlsx(files.bytes("t.xlsx", b"PK\x03\x04 not really a zip")))


def test_rows_jsonl_bad_lines_are_error_rows(files: Files) -> None:
    path = files.jsonl("r.jsonl", [{"text": "好用"}, "{not json", "", "[1, 2]", {"text": "闪退"}])
    rows = list(read_jsonl(path))
    assert [r.line for r in rows] == [1, 2, 4, 5]
    assert rows[1].error.startswith("invalid JSON")
    assert rows[2].error == "expected a JSON object"
    assert rows[3].data == {"text": "闪退"}


def test_rows_json_array_or_wrapped_array(files: Files) -> None:
    plain = list(read_json(files.json("a.json", [{"text": "好"}, "oops"])))
    assert [(r.line, r.error) for r in plain] == [(1, None), (2, "expected a JSON object")]
    wrapped = list(read_json(files.json("b.json", {"total": 1, "data": [{"text": "好"}]})))
    assert wrapped[0].data == {"text": "好"}


def test_rows_json_with_bom_under_utf8_override(files: Files) -> None:
    path = files.json("a.json", [{"text": "轉賬失敗"}], encoding="utf-8-sig")
    assert next(read_json(path, encoding="utf-8")).data == {"text": "轉賬失敗"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", "{not json", "not valid JSON"),
        ("b.json", '{"a": [1], "b": [2]}', "expected a JSON array"),
        ("c.json", '"text"', "expected a JSON array"),
        ("d.xls", "x", "unsupported file type '.xls'"),
    ],
)
def test_rows_unreadable_files_raise_file_error(files: Files, name, content, message) -> None:
    with pytest.raises(FileError, match=message):
        list(read_table(files.text(name, content)))


def test_rows_missing_file_is_a_file_error(tmp_path) -> None:
    with pytest.raises(FileError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_rows_csv_stray_quote_rejects_that_row_and_goes_on(files: Files) -> None:
    content = '提交时间,意见\n2024-03-05,"他说"好的\n2024-03-06,差\n2024-03-07,"多\n行"\n'
    bad, good, multi = read_csv(files.text("s.csv", content))
    assert (bad.line, bad.error, bad.raw) == (
        2,
        "malformed CSV (',' expected after '\"')",
        '2024-03-05,"他说"好的',
    )
    assert (good.line, good.data["意见"]) == (3, "差")
    assert (multi.line, multi.data["意见"], multi.raw) == (4, "多\n行", '2024-03-07,"多\n行"')


def test_rows_csv_unclosed_quote_is_one_error_row(files: Files) -> None:
    content = '提交时间,意见\n2024-03-05,好\n2024-03-06,"没有闭合\n2024-03-07,差\n'
    good, bad = read_csv(files.text("s.csv", content))
    assert good.data["意见"] == "好"
    assert (bad.line, bad.error) == (3, "malformed CSV (unexpected end of data)")


def test_rows_csv_cr_only_line_endings_is_a_file_error(files: Files) -> None:
    path = files.text("mac.csv", "提交时间,意见\r2024-03-05,好\r")
    with pytest.raises(FileError, match="CR only"):
        list(read_csv(path))


def test_rows_json_lines_saved_as_json_are_read_as_lines(files: Files) -> None:
    path = files.jsonl("export.json", [{"text": "好"}, {"text": "差"}])
    assert [(r.line, r.data) for r in read_json(path)] == [(1, {"text": "好"}), (2, {"text": "差"})]


_CELL = st.text(alphabet=st.sampled_from('转账失败，"\n,\t ab1轉賬'), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
)
def test_rows_csv_round_trips_what_excel_writes(tmp_path_factory, rows, encoding) -> None:
    files = Files(tmp_path_factory.mktemp("csv"))
    path = files.csv("t.csv", [["a", "b", "c"], *rows], encoding)
    kept = [r for r in rows if any(v.strip() for v in r)]
    assert [list(r.data.values()) for r in read_csv(path)] == kept
