"""Encoding detection and per-line decoding: one bad line must not lose the file."""

from __future__ import annotations

import io

import pytest

from tests.ingest.conftest import Files
from voc.ingest.encoding import DecodedLines, check_encoding_name, detect_encoding
from voc.ingest.errors import FileError

LINES = [
    "编号,时间,意见",
    "S1,2024-03-05 09:12,转账一直转圈，最后提示系统繁忙",
    "S2,2024-03-05,轉賬失敗",
]
TEXT = "\n".join(LINES) + "\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_encoding_detects_bank_export_encodings(files: Files, encoding, expected) -> None:
    path = files.text("export.csv", TEXT, encoding)
    assert detect_encoding(path) == expected


def test_encoding_detects_utf16_bom(files: Files) -> None:
    path = files.text("export.csv", TEXT, "utf-16")
    assert detect_encoding(path) == "utf-16"


def test_encoding_ascii_only_file_is_utf8(files: Files) -> None:
    assert detect_encoding(files.text("a.csv", "id,text\n1,ok\n")) == "utf-8"


def test_encoding_one_bad_line_in_utf8_file_keeps_utf8(files: Files) -> None:
    data = (
        TEXT.encode() + b"S3,2024-03-06,\xff\xfe broken\n" + "S4,2024-03-06,手机银行闪退\n".encode()
    )
    assert detect_encoding(files.bytes("bad.csv", data)) == "utf-8"


def test_encoding_truncated_utf8_character_keeps_utf8(files: Files) -> None:
    cut = "S3,2024-03-06,截断".encode()[:-1] + b"\n"
    data = TEXT.encode() + cut + "S4,2024-03-06,信用卡额度太低\n".encode()
    assert detect_encoding(files.bytes("cut.csv", data)) == "utf-8"


def test_encoding_one_bad_line_in_gbk_file_keeps_gb18030(files: Files) -> None:
    data = TEXT.encode("gbk") + b"S3,2024-03-06,\xff broken\n" + "S4,网点排队太久\n".encode("gbk")
    assert detect_encoding(files.bytes("bad.csv", data)) == "gb18030"


def test_encoding_sample_cut_mid_character_is_ignored(files: Files) -> None:
    data = ("客户反馈手机银行登录慢\n" * 50).encode()
    path = files.bytes("long.txt", data)
    cut_inside_char = len("客户反馈手机银行登录慢\n".encode()) * 10 + 2
    assert detect_encoding(path, sample_bytes=cut_inside_char) == "utf-8"


def test_encoding_decoded_lines_marks_only_bad_line() -> None:
    data = "客户：你好\n".encode() + b"\xff\xfe\n" + "坐席：您好\n".encode()
    lines = DecodedLines(io.BytesIO(data), "utf-8")
    decoded = list(lines)
    assert decoded[0] == "客户：你好\n"
    assert decoded[2] == "坐席：您好\n"
    assert "\ufffd" in decoded[1]
    assert lines.bad_lines == {2}
    assert lines.line_no == 3


@pytest.mark.parametrize("name", ["utf-8-sig", "UTF-8-SIG", "utf_8_sig", "utf-8"])
def test_encoding_decoded_lines_strips_bom_from_first_line(name) -> None:
    data = "\ufeff编号,意见\n1,好\n".encode()
    decoded = list(DecodedLines(io.BytesIO(data), name))
    assert decoded == ["编号,意见\n", "1,好\n"]


def test_encoding_decoded_lines_utf16() -> None:
    data = "客户：转账失败\n坐席：请稍等\n".encode("utf-16")
    lines = DecodedLines(io.BytesIO(data), "utf-16")
    assert [line.strip() for line in lines] == ["客户：转账失败", "坐席：请稍等"]
    assert lines.bad_lines == set()


def test_encoding_unknown_name_is_a_file_error() -> None:
    with pytest.raises(FileError, match="unknown encoding 'gbkk'"):
        check_encoding_name("gbkk")
    assert check_encoding_name("GB18030") == "GB18030"


def test_encoding_short_gbk_that_is_also_valid_utf8_reads_as_gbk(files: Files) -> None:
    # "转" in GBK is D7 AA, which is also UTF-8 for the Hebrew letter ת (found by hypothesis).
    path = files.text("short.csv", "a,b,c\r\n,,转\r\n", "gbk")
    assert detect_encoding(path) == "gb18030"


def test_encoding_utf8_chinese_stays_utf8_even_when_gb18030_decodes_it(files: Files) -> None:
    path = files.text("u.csv", "意见\r\n转账失败\r\n")
    assert detect_encoding(path) == "utf-8"
