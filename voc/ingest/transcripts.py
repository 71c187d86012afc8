"""Call-centre transcripts: ASR JSON / JSONL turn lists, SRT / WebVTT subtitles, plain text.

A call keeps its turns (customer / agent / system apart); the record's `text` is the
customer's speech only, since that is the voice of the customer the models score.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from voc.ingest.columns import ColumnMapping
from voc.ingest.encoding import check_encoding_name, detect_encoding
from voc.ingest.errors import FileError, RowError
from voc.ingest.records import MAX_FIELD_CHARS, draft, file_zone
from voc.ingest.rows import read_jsonl
from voc.ingest.values import clean_str, is_blank, parse_datetime
from voc.schema import FeedbackDraft, RejectedRow, Turn

SPEAKERS: dict[str, str] = {
    **dict.fromkeys(
        [
            "customer",
            "client",
            "caller",
            "user",
            "客户",
            "顾客",
            "用户",
            "来电人",
            "来电客户",
            "客户方",
            "持卡人",
            "访客",
        ],
        "customer",
    ),
    **dict.fromkeys(
        [
            "agent",
            "staff",
            "operator",
            "坐席",
            "座席",
            "客服",
            "人工客服",
            "客服代表",
            "话务员",
            "工作人员",
            "专员",
            "客服专员",
            "坐席员",
        ],
        "agent",
    ),
    **dict.fromkeys(
        [
            "system",
            "ivr",
            "bot",
            "robot",
            "系统",
            "语音导航",
            "系统提示",
            "机器人",
            "智能语音",
            "自动语音",
        ],
        "system",
    ),
}
VALID_HINT = "customer / agent / system"
_CALL_KEYS: dict[str, tuple[str, ...]] = {
    "call_id": ("call_id", "callid", "id", "通话id", "通话编号", "录音编号"),
    "started_at": ("started_at", "start_time", "starttime", "call_time", "通话时间", "开始时间"),
    "customer_id": ("customer_id", "customerid", "客户号", "客户编号"),
    "queue": ("queue", "skill_group", "技能组", "队列", "业务线"),
    "turns": ("turns", "utterances", "sentences", "segments", "dialogue", "对话", "result"),
}
_TURN_TEXT = ("text", "content", "transcript", "onebest", "内容", "文本")
_TURN_SPEAKER = ("speaker", "role", "spk", "speaker_role", "角色", "说话人")
_SECONDS_KEYS = (("start", "end"), ("start_time", "end_time"), ("begin", "end"))
_MILLIS_KEYS = (("start_ms", "end_ms"), ("begin_time", "end_time"), ("bg", "ed"))
# `客户：…`, `客服: …`, `[坐席]：…` or `【客户】…` (a bracketed label needs no colon), maybe
# after a time as ASR text exports write it: `[00:01:05] 客户：…`.
_PREFIX = re.compile(
    r"^\s*(?:\[?(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]?\s*)?"
    r"(?:[\[【(（]\s*(?P<tag>[^\s:：\]】)）]{1,6})\s*[\]】)）]\s*[:：]?"
    r"|(?P<who>[^\s:：\[\]【】()（）]{1,6})\s*[:：])\s*(?P<text>.*)$"
)
_HEADER_LINE = re.compile(r"^\s*[^\s:：]{1,10}\s*[:：]")
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.I)
_VTT_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$")
_TIMING = re.compile(
    r"(\d{1,2}:)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})\s*-->\s*(\d{1,2}:)?(\d{1,2}):(\d{1,2})[.,](\d{1,3})"
)
_FILE_TIME = re.compile(
    r"(20\d{2})[-_]?(\d{2})[-_]?(\d{2})[-_T]?(\d{2})?[-_:]?(\d{2})?[-_:]?(\d{2})?"
)


def speaker_of(value: Any) -> str:
    """Map a vendor's speaker label to customer / agent / system, or fail naming the label."""
    key = str(value).strip().lower()
    speaker = SPEAKERS.get(key) or SPEAKERS.get(key.split(" ")[0])  # `<v 客户 张先生>`
    if speaker is None:
        raise RowError(f"unknown speaker {value!r}; use e.g. 客户 / 坐席 / 系统 or {VALID_HINT}")
    return speaker


def _pick(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in data.items()}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return None


def _seconds(turn: Mapping[str, Any]) -> tuple[float | None, float | None]:
    lowered = {str(k).lower(): v for k, v in turn.items()}
    for per_second, pairs in ((1, _SECONDS_KEYS), (1000, _MILLIS_KEYS)):
        for start_key, end_key in pairs:
            if lowered.get(start_key) is not None:
                start = _number(lowered[start_key], start_key) / per_second
                end = lowered.get(end_key)
                end = None if end is None else _number(end, end_key) / per_second
                if end is not None and end < start:
                    raise RowError(f"{end_key} {lowered[end_key]!r} is before {start_key}")
                return start, end
    return None, None


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool):
        raise RowError(f"{key} {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise RowError(f"{key} {value!r} is not a number") from exc


def _turn_from_json(index: int, data: Any) -> Turn:
    if not isinstance(data, dict):
        raise RowError(f"turns[{index}]: expected an object")
    try:
        text = _pick(data, _TURN_TEXT)
        if not isinstance(text, str):
            raise RowError("missing text")
        start, end = _seconds(data)
        return Turn(speaker=speaker_of(_pick(data, _TURN_SPEAKER)), start=start, end=end, text=text)
    except ValueError as exc:  # RowError, or pydantic's ValidationError (a negative time)
        raise RowError(f"turns[{index}]: {exc}") from exc


def call_draft(
    turns: list[Turn],
    *,
    call_id: str | None,
    started_at: datetime,
    origin: str,
    customer_id: str | None = None,
    queue: str | None = None,
    meta: dict[str, Any] | None = None,
) -> FeedbackDraft:
    """One call record; refuses calls with no customer speech or over-long text."""
    customer = [t.text.strip() for t in turns if t.speaker == "customer" and t.text.strip()]
    if not customer:
        raise RowError("no customer speech in the call")
    text = "\n".join(customer)
    if len(text) > MAX_FIELD_CHARS:
        raise RowError(f"text: customer speech is {len(text)} characters, limit {MAX_FIELD_CHARS}")
    return draft(
        source="call_transcript",
        external_id=call_id,
        created_at=started_at,
        text=text,
        channel=queue,
        customer_id=customer_id,
        turns=turns,
        meta=meta or {},
        origin=origin,
    )


def _call_from_object(data: Mapping[str, Any], origin: str, tz: tzinfo) -> FeedbackDraft:
    raw_turns = _pick(data, _CALL_KEYS["turns"])
    if not isinstance(raw_turns, list) or not raw_turns:
        raise RowError("turns: expected a non-empty list")
    turns = [_turn_from_json(i, t) for i, t in enumerate(raw_turns)]
    return call_draft(
        turns,
        call_id=clean_str(_pick(data, _CALL_KEYS["call_id"])),
        started_at=parse_datetime(_pick(data, _CALL_KEYS["started_at"]), tz, "started_at"),
        customer_id=clean_str(_pick(data, _CALL_KEYS["customer_id"])),
        queue=clean_str(_pick(data, _CALL_KEYS["queue"])),
        origin=origin,
    )


def _file_start(path: Path, header: str, tz: tzinfo) -> tuple[datetime, dict[str, Any]]:
    """When a one-call file's call started: a `时间:` header line, the file name, or mtime."""
    for line in header.splitlines()[:5]:
        match = re.match(r"^\s*(?:通话时间|开始时间|时间|date|time)\s*[:：]\s*(.+)$", line, re.I)
        if match:
            return parse_datetime(match.group(1).strip(), tz, "通话时间"), {}
    match = _FILE_TIME.search(path.stem)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            return datetime(*parts, tzinfo=tz), {}  # type: ignore[misc]
        except ValueError:
            pass
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=tz)
    return mtime, {"started_at_from": "file_mtime"}


def _split_prefix(text: str) -> tuple[str | None, str, float | None]:
    """(speaker, words, start seconds) of a prefixed line; speaker None when there is none."""
    match = _PREFIX.match(text)
    if match:
        who = (match.group("tag") or match.group("who")).strip().lower()
        if who in SPEAKERS:
            time = match.group("time")
            start = None
            if time:
                parts = reversed(time.replace(",", ".").split(":"))
                start = sum(float(p) * 60**i for i, p in enumerate(parts))
            return SPEAKERS[who], match.group("text").strip(), start
    return None, text.strip(), None


def parse_plain_text(text: str) -> list[Turn]:
    """Turns from lines like `客户：…` / `坐席：…` / `【客户】…`.

    Unprefixed lines continue the last turn; `key：value` lines before the first turn
    (通话编号：…, 坐席工号：…) are header lines and skipped.
    """
    turns: list[Turn] = []
    for line in text.splitlines():
        if not line.strip() or re.match(r"^\s*(通话时间|开始时间|时间|通话编号)\s*[:：]", line):
            continue
        speaker, words, start = _split_prefix(line)
        if speaker is None:
            if not turns and _HEADER_LINE.match(line):
                continue
            if not turns:
                raise RowError(f"line {line.strip()[:30]!r} has no speaker prefix like 客户：")
            turns[-1] = turns[-1].model_copy(update={"text": f"{turns[-1].text}{words}"})
            continue
        turns.append(Turn(speaker=speaker, start=start, text=words))
    if not turns:
        raise RowError("no line starts with a speaker prefix like 客户： / 坐席：")
    return turns


def _clock(h: str | None, m: str, s: str, frac: str) -> float:
    return int((h or "0:")[:-1]) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000


def parse_subtitles(text: str) -> list[Turn]:
    """Turns from SRT or WebVTT cues whose text starts with a speaker (`客户：` or `<v 客户>`).

    A cue's later lines without a speaker continue its turn; a blank line ends the cue.
    """
    turns: list[Turn] = []
    start = end = None
    for line in text.splitlines():
        timing = _TIMING.search(line)
        if timing:
            g = timing.groups()
            start, end = _clock(*g[0:4]), _clock(*g[4:8])
            continue
        stripped = line.strip()
        if not stripped:
            start = end = None  # cue over: ids, NOTE and STYLE blocks are skipped until the next
            continue
        if start is None:
            continue
        voice = _VTT_VOICE.match(stripped)
        if voice:
            speaker, words = speaker_of(voice.group(1)), voice.group(2)
        else:
            speaker, words, _ = _split_prefix(stripped)
        words = _TAG.sub("", words).strip()
        if speaker is None:
            if turns and turns[-1].start == start:
                turns[-1] = turns[-1].model_copy(update={"text": turns[-1].text + words})
                continue
            raise RowError(f"cue at {start:.1f}s has no speaker (客户： / 坐席： or <v 客户>)")
        turns.append(Turn(speaker=speaker, start=start, end=end, text=words))
    return turns


def _read_single_call(
    path: Path, encoding: str | None, tz: tzinfo
) -> Iterator[FeedbackDraft | RejectedRow]:
    enc = check_encoding_name(encoding) if encoding else detect_encoding(path)
    data = path.read_bytes()
    if not data.strip():
        raise FileError(f"{path}: file is empty")
    try:
        content = data.decode(enc).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = f"undecodable bytes for encoding {enc} on line {line}"
        raw = data.decode(enc, errors="replace")[:2000]
        yield RejectedRow(path=str(path), line=line, reason=reason, raw=raw)
        return
    try:
        if path.suffix.lower() in (".srt", ".vtt"):
            turns = parse_subtitles(content)
        else:
            turns = parse_plain_text(content)
        started_at, meta = _file_start(path, content[:500], tz)
        yield call_draft(
            turns, call_id=path.stem, started_at=started_at, origin=f"{path}:1", meta=meta
        )
    except ValueError as exc:  # RowError, or a Turn that failed validation
        yield RejectedRow(path=str(path), line=1, reason=str(exc), raw=content[:2000])


def _read_json(
    path: Path, encoding: str | None, tz: tzinfo
) -> Iterator[FeedbackDraft | RejectedRow]:
    enc = check_encoding_name(encoding) if encoding else detect_encoding(path)
    try:
        value = json.loads(path.read_text(encoding=enc).lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # JSON Lines saved as .json
            yield from _read_jsonl(path, encoding, tz)
            return
        raise FileError(f"{path}: not valid JSON ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not valid JSON ({exc})") from exc
    is_call = isinstance(value, dict) and _pick(value, _CALL_KEYS["turns"]) is not None
    calls = [value] if is_call else value
    if isinstance(calls, dict):
        lists = [v for v in calls.values() if isinstance(v, list)]
        calls = lists[0] if len(lists) == 1 else None
    if not isinstance(calls, list):
        raise FileError(f"{path}: expected a call object with 'turns' or a list of calls")
    for index, call in enumerate(calls, start=1):
        try:
            if not isinstance(call, dict):
                raise RowError("expected a call object")
            yield _call_from_object(call, f"{path}:{index}", tz)
        except RowError as exc:
            raw = json.dumps(call, ensure_ascii=False)[:5000]
            yield RejectedRow(path=str(path), line=index, reason=str(exc), raw=raw)


def read(
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> Iterator[FeedbackDraft | RejectedRow]:
    """Calls from a JSON/JSONL export (many calls) or an SRT/VTT/TXT file (one call)."""
    if mapping and mapping.columns:
        raise FileError(f"{path}: column mappings do not apply to transcripts")
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    tz = file_zone(mapping, timezone)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path, encoding, tz)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path, encoding, tz)
    if suffix in (".srt", ".vtt", ".txt"):
        return _read_single_call(path, encoding, tz)
    raise FileError(
        f"{path}: unsupported transcript type {suffix!r}; valid: .json .jsonl .srt .vtt .txt"
    )


def _read_jsonl(
    path: Path, encoding: str | None, tz: tzinfo
) -> Iterator[FeedbackDraft | RejectedRow]:
    for row in read_jsonl(path, encoding):
        if row.data is None:
            yield RejectedRow(path=str(path), line=row.line, reason=row.error or "", raw=row.raw)
            continue
        try:
            yield _call_from_object(row.data, f"{path}:{row.line}", tz)
        except RowError as exc:
            yield RejectedRow(path=str(path), line=row.line, reason=str(exc), raw=row.raw)


__all__ = ["call_draft", "is_blank", "parse_plain_text", "parse_subtitles", "read", "speaker_of"]
