"""The ingest pipeline: masking before storage, hashing, de-duplication, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from voc.ingest.errors import FileError
from voc.ingest.pipeline import FeedbackPreparer, Ingestor, adapter_for
from voc.store.feedback import iter_feedback, list_rejects
from voc.store.tables import feedback

SURVEY_HEADER = "response_id,submitted_at,csat,nps,text,channel,customer_id\n"


def _luhn_complete(prefix: str) -> str:
    """`prefix` plus the Luhn check digit (a valid-looking, made-up card number)."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return prefix + str((10 - total % 10) % 10)


CARD = _luhn_complete("622202123456789012")


def _write(path: Path, body: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(body.encode(encoding))
    return path


@pytest.fixture
def ingestor(engine, settings) -> Ingestor:
    return Ingestor(engine, FeedbackPreparer(settings.pii_salt), batch_size=3)


def test_pipeline_unknown_source_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid: \\['app_review'"):
        adapter_for("tweets")


def test_pipeline_masks_pii_and_hashes_customer_before_storing(ingestor, engine, tmp_path) -> None:
    path = _write(
        tmp_path / "s.csv",
        SURVEY_HEADER
        + "r1,2026-10-05 10:00,2,3,转账失败，请回电13812345678,app,CUST-0001\n"
        + "r2,2026-10-05 11:00,5,10,客户经理張先生服務很好,branch,CUST-0002\n",
    )
    summary = ingestor.ingest_file(path, "survey")
    assert summary.as_dict() == {"read": 2, "stored": 2, "duplicates": 0, "rejected": 0}
    stored = {f.external_id: f for f in iter_feedback(engine)}
    assert stored["r1"].text == "转账失败，请回电[手机号]"
    assert "张" not in stored["r2"].text and "服务很好" in stored["r2"].text  # t2s + name masked
    assert stored["r1"].customer_key and "CUST" not in stored["r1"].customer_key
    with engine.connect() as connection:
        dump = "\n".join(str(tuple(r)) for r in connection.execute(select(feedback)))
    assert "13812345678" not in dump and "CUST-0001" not in dump


def test_pipeline_masks_turns_resolutions_and_rejects(ingestor, engine, tmp_path) -> None:
    call = {
        "call_id": "c1",
        "started_at": "2026-10-05T09:00:00+08:00",
        "turns": [
            {"speaker": "agent", "start": 0, "end": 2, "text": "您好，请问有什么可以帮您"},
            {"speaker": "customer", "start": 2, "end": 6, "text": f"我的卡{CARD}被盗刷了"},
        ],
    }
    calls = _write(tmp_path / "c.jsonl", json.dumps(call, ensure_ascii=False) + "\n")
    ingestor.ingest_file(calls, "call_transcript")
    stored = next(iter_feedback(engine, source="call_transcript"))
    assert "[银行卡]" in stored.text and CARD not in stored.turns[1].text
    assert [t.speaker for t in stored.turns] == ["agent", "customer"]
    bad = _write(tmp_path / "bad.csv", SURVEY_HEADER + "r9,not a date,9,3,请打13912345678,app,x\n")
    ingestor.ingest_file(bad, "survey")
    reject = list_rejects(engine)[0]
    assert reject["line"] == 2 and "submitted_at" in reject["reason"]
    assert "13912345678" not in reject["raw"] and "[手机号]" in reject["raw"]


def test_pipeline_reingest_stores_nothing_new(ingestor, engine, tmp_path) -> None:
    rows = "".join(
        f"r{i},2026-10-0{1 + i % 9} 10:00,4,8,第{i}条：还可以,app,c{i}\n" for i in range(10)
    )
    path = _write(
        tmp_path / "s.csv", SURVEY_HEADER + rows + "r0,2026-10-01 10:00,4,8,第0条：还可以,app,c0\n"
    )
    first = ingestor.ingest_file(path, "survey")
    second = ingestor.ingest_file(path, "survey")
    assert (first.stored, first.duplicates) == (10, 1)
    assert (second.stored, second.duplicates, second.read) == (0, 11, 11)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(feedback)) == 10


def test_pipeline_same_text_other_source_or_id_is_kept(ingestor, engine, tmp_path) -> None:
    survey = _write(
        tmp_path / "s.csv",
        SURVEY_HEADER + "a,2026-10-01,3,5,垃圾软件,app,\n" + "b,2026-10-01,3,5,垃圾软件,app,\n",
    )
    reviews = _write(
        tmp_path / "r.csv", "review_id,created_at,rating,text\na,2026-10-01,1,垃圾软件\n"
    )
    assert ingestor.ingest_file(survey, "survey").stored == 2
    assert ingestor.ingest_file(reviews, "app_review").stored == 1


def test_pipeline_unreadable_file_fails_whole_and_records_run(ingestor, engine, tmp_path) -> None:
    path = _write(tmp_path / "s.csv", "foo,bar\n1,2\n")
    with pytest.raises(FileError, match="no column for"):
        ingestor.ingest_file(path, "survey")
    with engine.connect() as connection:
        status, error = connection.execute(text("select status, error from ingest_runs")).one()
    assert status == "failed" and "no column" in error


def _count(db_path: Path) -> int:
    probe = create_engine(f"sqlite:///{db_path}")
    try:
        with probe.connect() as connection:
            return connection.scalar(text("select count(*) from feedback")) or 0
    except Exception:
        return 0
    finally:
        probe.dispose()


def test_pipeline_kill_mid_ingest_leaves_whole_batches_and_rerun_completes(tmp_path) -> None:
    n_rows, batch = 40_000, 1000
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(SURVEY_HEADER)
        for i in range(n_rows):
            handle.write(f"r{i},2026-10-01 10:00,4,8,第{i}条反馈：转账有点慢,app,c{i % 97}\n")
    env = {**os.environ, "VOC_HOME": str(tmp_path / "home"), "VOC_INGEST_BATCH_SIZE": str(batch)}
    command = [sys.executable, "-m", "voc", "ingest", str(path), "--source", "survey", "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db_path = tmp_path / "home" / "voc.db"
    deadline = time.monotonic() + 60
    while _count(db_path) < batch and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    landed = _count(db_path)
    assert 0 < landed < n_rows, "the kill should land mid-file"
    assert landed % batch == 0, "a crash must never leave half a batch"
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    counts = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert counts == {
        "read": n_rows,
        "stored": n_rows - landed,
        "duplicates": landed,
        "rejected": 0,
    }
    assert _count(db_path) == n_rows
