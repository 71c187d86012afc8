"""Call transcripts: ASR JSON / JSONL, SRT, WebVTT and plain text with speaker prefixes."""

from __future__ import annotations

import pytest

from tests.ingest.conftest import Files, cst, split
from voc.ingest import transcripts
from voc.ingest.columns import ColumnMapping
from voc.ingest.errors import FileError, RowError
from voc.ingest.transcripts import parse_plain_text, parse_subtitles, speaker_of

CALL = {
    "call_id": "CALL-0305-001",
    "started_at": "2024-03-05 14:03:22",
    "customer_id": "C1001",
    "queue": "信用卡",
    "turns": [
        {"speaker": "agent", "start": 0.0, "end": 3.2, "text": "您好，工号1234为您服务"},
        {"speaker": "customer", "start": 3.5, "end": 8.0, "text": "我的信用卡被盗刷了"},
        {"speaker": "system", "start": 8.0, "end": 9.0, "text": "通话录音中"},
        {"speaker": "customer", "start": 9.1, "end": 12.4, "text": "能不能先冻结"},
    ],
}


def _speakers(record) -> list[tuple[str, float | None, float | None]]:
    return [(t.speaker, t.start, t.end) for t in record.turns]


def test_transcripts_json_single_call(files: Files) -> None:
    (record,), rejects = split(transcripts.read(files.json("call.json", CALL)))
    assert rejects == []
    assert record.source == "call_transcript" and record.external_id == "CALL-0305-001"
    assert record.text == "我的信用卡被盗刷了\n能不能先冻结"  # customer turns only
    assert record.created_at == cst(2024, 3, 5, 14, 3, 22)
    assert (record.customer_id, record.channel) == ("C1001", "信用卡")
    assert _speakers(record) == [
        ("agent", 0.0, 3.2),
        ("customer", 3.5, 8.0),
        ("system", 8.0, 9.0),
        ("customer", 9.1, 12.4),
    ]
    assert record.turns[0].text == "您好，工号1234为您服务"


def test_transcripts_asr_json_with_millisecond_times(files: Files) -> None:
    asr = {
        "callId": 88001,
        "start_time": 1709618602000,
        "sentences": [
            {"role": "坐席", "begin_time": 0, "end_time": 2350, "text": "您好，请问有什么可以帮您"},
            {"role": "客户", "begin_time": 2600, "end_time": 7015, "text": "手机银行转账一直转圈"},
            {"role": "客服", "begin_time": 7100, "end_time": 9000, "text": "请您稍等"},
            {"role": "顾客", "begin_time": 9500, "end_time": 11000, "text": "最后提示系统繁忙"},
        ],
    }
    (record,), _ = split(transcripts.read(files.json("asr.json", asr)))
    assert record.external_id == "88001"
    assert record.created_at == cst(2024, 3, 5, 14, 3, 22)
    assert _speakers(record) == [
        ("agent", 0.0, 2.35),
        ("customer", 2.6, 7.015),
        ("agent", 7.1, 9.0),
        ("customer", 9.5, 11.0),
    ]
    assert record.text == "手机银行转账一直转圈\n最后提示系统繁忙"


def test_transcripts_json_list_of_calls_rejects_bad_call_only(files: Files) -> None:
    bad_speaker = {**CALL, "call_id": "c2", "turns": [{"speaker": "路人", "text": "喂"}]}
    agent_only = {**CALL, "call_id": "c3", "turns": [{"speaker": "agent", "text": "您好"}]}
    no_date = {**CALL, "call_id": "c4", "started_at": "未知"}
    backwards = {
        **CALL,
        "call_id": "c5",
        "turns": [{"speaker": "customer", "start": 5, "end": 2, "text": "嗯"}],
    }
    negative = {
        **CALL,
        "call_id": "c6",
        "turns": [{"speaker": "customer", "start": -1, "end": 2, "text": "嗯"}],
    }
    calls = [CALL, bad_speaker, agent_only, no_date, backwards, negative, "oops", {"turns": []}]
    drafts, rejects = split(transcripts.read(files.json("calls.json", calls)))
    assert [d.external_id for d in drafts] == ["CALL-0305-001"]
    assert [r.line for r in rejects] == [2, 3, 4, 5, 6, 7, 8]
    reasons = [r.reason for r in rejects]
    assert reasons[0].startswith("turns[0]: unknown speaker '路人'")
    assert reasons[1] == "no customer speech in the call"
    assert reasons[2] == "started_at: unparseable date '未知'"
    assert reasons[3] == "turns[0]: end 2 is before start"
    assert reasons[4].startswith("turns[0]:") and "greater than or equal to 0" in reasons[4]
    assert reasons[5] == "expected a call object"
    assert reasons[6] == "turns: expected a non-empty list"


def test_transcripts_jsonl_calls(files: Files) -> None:
    second = {**CALL, "call_id": "c2", "started_at": "2024-03-06T09:00:00+08:00"}
    path = files.jsonl("calls.jsonl", [CALL, "{broken", second, {**CALL, "turns": "none"}])
    drafts, rejects = split(transcripts.read(path))
    assert [(d.external_id, d.origin) for d in drafts] == [
        ("CALL-0305-001", f"{path}:1"),
        ("c2", f"{path}:3"),
    ]
    assert drafts[1].created_at == cst(2024, 3, 6, 9)
    assert [(r.line, r.reason.split(" (")[0]) for r in rejects] == [
        (2, "invalid JSON"),
        (4, "turns: expected a non-empty list"),
    ]


def test_transcripts_json_with_bom_and_turn_time_strings(files: Files) -> None:
    call = {
        "id": "b1",
        "通话时间": "2024/03/05 14:00",
        "对话": [
            {"说话人": "来电客户", "start": "1.5", "end": "3", "内容": "我要挂失"},
        ],
    }
    (record,), _ = split(transcripts.read(files.json("b.json", call, encoding="utf-8-sig")))
    assert _speakers(record) == [("customer", 1.5, 3.0)] and record.text == "我要挂失"


SRT = """1
00:00:01,000 --> 00:00:03,500
坐席：您好，这里是客服中心

2
00:00:04,000 --> 00:00:08,250
客户：我昨天转账显示成功
但是对方说没收到

3
00:00:09,000 --> 00:00:10,000
客服: 我帮您查一下
"""


def test_transcripts_srt_with_speaker_prefixes(files: Files) -> None:
    (record,), rejects = split(transcripts.read(files.text("call_20240305_140322.srt", SRT)))
    assert rejects == []
    assert _speakers(record) == [("agent", 1.0, 3.5), ("customer", 4.0, 8.25), ("agent", 9.0, 10.0)]
    assert record.text == "我昨天转账显示成功但是对方说没收到"
    assert record.external_id == "call_20240305_140322"
    assert record.created_at == cst(2024, 3, 5, 14, 3, 22)  # from the file name
    assert record.meta == {}


VTT = """WEBVTT

NOTE 由语音识别生成

cue-1
00:00:00.500 --> 00:00:02.000 align:start
<v 坐席>您好，请问有什么可以帮您</v>

cue-2
00:00:02.500 --> 00:00:06.000
<v 客户>我的卡被锁了，<i>急用</i>
怎么解锁

cue-3
01:02.000 --> 01:05.500
<v.loud 客户 张先生>谢谢
"""


def test_transcripts_vtt_with_voice_tags(files: Files) -> None:
    (record,), rejects = split(transcripts.read(files.text("20240305.vtt", VTT)))
    assert rejects == []
    assert _speakers(record) == [
        ("agent", 0.5, 2.0),
        ("customer", 2.5, 6.0),
        ("customer", 62.0, 65.5),
    ]
    assert record.turns[1].text == "我的卡被锁了，急用怎么解锁"  # tags gone, no cue id glued on
    assert record.text == "我的卡被锁了，急用怎么解锁\n谢谢"
    assert record.created_at == cst(2024, 3, 5)


PLAIN = """通话编号：A0305
通话时间：2024-03-05 10:20:00
坐席工号：8812
【坐席】您好，请讲
【客户】我想问一下房贷利率
能不能调整
客服: 您的贷款是LPR加点
[客户]：那什么时候生效
系统提示：通话结束
"""


def test_transcripts_plain_text_prefix_variants(files: Files) -> None:
    (record,), rejects = split(transcripts.read(files.text("a0305.txt", PLAIN)))
    assert rejects == []
    assert [(t.speaker, t.text) for t in record.turns] == [
        ("agent", "您好，请讲"),
        ("customer", "我想问一下房贷利率能不能调整"),
        ("agent", "您的贷款是LPR加点"),
        ("customer", "那什么时候生效"),
        ("system", "通话结束"),
    ]
    assert all(t.start is None for t in record.turns)
    assert record.text == "我想问一下房贷利率能不能调整\n那什么时候生效"
    assert record.created_at == cst(2024, 3, 5, 10, 20)
    assert (record.external_id, record.origin) == ("a0305", f"{record.origin.rsplit(':', 1)[0]}:1")


def test_transcripts_plain_text_with_asr_times(files: Files) -> None:
    content = (
        "[00:00:01] 坐席：您好，请问有什么可以帮您\n"
        "[00:00:04.5] 客户：我的卡在ATM被吞了\n"
        "01:02:03,250 客户：在哪里领\n"
    )
    (record,), _ = split(transcripts.read(files.text("atm.txt", content)))
    assert [(t.speaker, t.start) for t in record.turns] == [
        ("agent", 1.0),
        ("customer", 4.5),
        ("customer", 3723.25),
    ]
    assert record.text == "我的卡在ATM被吞了\n在哪里领"


def test_transcripts_json_lines_saved_as_json(files: Files) -> None:
    path = files.jsonl("calls.json", [CALL, {**CALL, "call_id": "c2"}])
    drafts, rejects = split(transcripts.read(path))
    assert rejects == [] and [d.external_id for d in drafts] == ["CALL-0305-001", "c2"]


def test_transcripts_plain_text_gbk_without_time_uses_mtime(files: Files) -> None:
    path = files.text("通话记录.txt", "客户：轉賬失敗\n客服：请稍等\n", "gbk")
    (record,), _ = split(transcripts.read(path))
    assert record.text == "轉賬失敗"
    assert record.meta == {"started_at_from": "file_mtime"}
    assert str(record.created_at.tzinfo) == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.txt", "坐席：您好\n坐席：请问还在吗\n", "no customer speech in the call"),
        ("b.txt", "你好\n客户：在吗\n", "line '你好' has no speaker prefix like 客户："),
        (
            "c.txt",
            "A：你好\nB：在吗\n",
            "no line starts with a speaker prefix like 客户： / 坐席：",
        ),
        ("d.srt", "1\n00:00:01,000 --> 00:00:02,000\n转账失败\n", "cue at 1.0s has no speaker"),
        (
            "e.vtt",
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v 张三>转账失败\n",
            "unknown speaker '张三'",
        ),
        ("f.txt", "时间：上周\n客户：在吗\n", "通话时间: unparseable date '上周'"),
    ],
)
def test_transcripts_unusable_call_is_one_reject(files: Files, name, content, reason) -> None:
    _, (reject,) = split(transcripts.read(files.text(name, content)))
    assert reject.line == 1
    assert reject.reason.startswith(reason)
    assert reject.raw == content


def test_transcripts_undecodable_file_is_a_reject_with_line(files: Files) -> None:
    data = "客户：你好\n坐席：您好\n".encode() + b"\xff\xfe\xfd\n"
    _, (reject,) = split(transcripts.read(files.bytes("x.txt", data), encoding="utf-8"))
    assert (reject.line, reject.reason) == (3, "undecodable bytes for encoding utf-8 on line 3")


def test_transcripts_customer_speech_over_limit_is_rejected(files: Files) -> None:
    call = {**CALL, "turns": [{"speaker": "customer", "text": "啊" * 20_001}]}
    _, (reject,) = split(transcripts.read(files.json("long.json", call)))
    assert reject.reason == "text: customer speech is 20001 characters, limit 20000"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.json", "{not json", "not valid JSON"),
        ("b.json", '{"a": 1}', "expected a call object with 'turns' or a list of calls"),
        ("c.txt", "  \n", "file is empty"),
        ("d.srt", "", "file is empty"),
        ("e.docx", "x", "unsupported transcript type '.docx'"),
    ],
)
def test_transcripts_unreadable_file_is_a_file_error(files: Files, name, content, message) -> None:
    with pytest.raises(FileError, match=message):
        list(transcripts.read(files.text(name, content)))


def test_transcripts_column_mapping_is_refused(files: Files) -> None:
    path = files.json("c.json", CALL)
    with pytest.raises(FileError, match="column mappings do not apply"):
        list(transcripts.read(path, mapping=ColumnMapping({"text": ["x"]})))
    (record,), _ = split(transcripts.read(path, mapping=ColumnMapping(timezone="UTC")))
    assert record.created_at.isoformat() == "2024-03-05T14:03:22+00:00"


def test_transcripts_missing_file_is_a_file_error(tmp_path) -> None:
    with pytest.raises(FileError, match="no such file"):
        list(transcripts.read(tmp_path / "none.json"))


@pytest.mark.parametrize(
    ("label", "speaker"),
    [
        ("客户", "customer"),
        ("Customer", "customer"),
        ("持卡人", "customer"),
        ("座席", "agent"),
        ("人工客服", "agent"),
        (" AGENT ", "agent"),
        ("IVR", "system"),
        ("语音导航", "system"),
    ],
)
def test_transcripts_speaker_labels(label, speaker) -> None:
    assert speaker_of(label) == speaker


def test_transcripts_unknown_speaker_names_the_label() -> None:
    with pytest.raises(RowError, match="unknown speaker 'A'"):
        speaker_of("A")


def test_transcripts_parse_helpers_directly() -> None:
    turns = parse_plain_text("客户 ： 卡丢了\n（坐席）好的\n")
    assert [(t.speaker, t.text) for t in turns] == [("customer", "卡丢了"), ("agent", "好的")]
    cues = parse_subtitles(
        "00:00:01.000 --> 00:00:02.000\n[客户] 喂\n\n00:00:03.000 --> 00:00:04.000\n坐席：你好\n"
    )
    assert [(t.speaker, t.start, t.text) for t in cues] == [
        ("customer", 1.0, "喂"),
        ("agent", 3.0, "你好"),
    ]
