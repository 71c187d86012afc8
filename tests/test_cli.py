"""The `voc` command line: ingest contract, export, rejects, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from voc.cli import app

runner = CliRunner()
SURVEYS = (
    "response_id,submitted_at,csat,nps,text,channel\n"
    "r1,2026-10-05 10:00,2,3,转账一直失败，电话13812345678,app\n"
    "r2,2026-10-06 09:30,5,10,客服很耐心，点赞👍,app\n"
    "r3,2026-10-06 09:31,7,10,还行,app\n"
)


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_cli_ingest_json_last_line_is_the_contract(voc_env, tmp_path) -> None:
    path = _write(tmp_path, "s.csv", SURVEYS)
    result = runner.invoke(app, ["ingest", str(path), "--source", "survey", "--json"])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert json.loads(last) == {"read": 3, "stored": 2, "duplicates": 0, "rejected": 1}
    again = runner.invoke(app, ["ingest", str(path), "--source", "survey", "--json"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["stored"] == 0


def test_cli_rejects_lists_file_line_reason(voc_env, tmp_path) -> None:
    path = _write(tmp_path, "s.csv", SURVEYS)
    runner.invoke(app, ["ingest", str(path), "--source", "survey"])
    result = runner.invoke(app, ["rejects"])
    assert f"{path}:4: csat: '7' is out of range 1-5" in result.stdout


def test_cli_export_writes_masked_jsonl_and_csv(voc_env, tmp_path) -> None:
    runner.invoke(app, ["ingest", str(_write(tmp_path, "s.csv", SURVEYS)), "--source", "survey"])
    jsonl = runner.invoke(app, ["export", "--format", "jsonl"])
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(records) == 2 and "13812345678" not in jsonl.stdout
    assert {r["source"] for r in records} == {"survey"}
    out = tmp_path / "out.csv"
    runner.invoke(app, ["export", "--format", "csv", "-o", str(out)])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,source,external_id") and len(lines) == 3


def test_cli_unknown_source_and_missing_file_fail_clearly(voc_env, tmp_path) -> None:
    bad_source = runner.invoke(app, ["ingest", str(tmp_path), "--source", "tweets"])
    assert bad_source.exit_code == 2 and "valid: ['app_review'" in bad_source.stderr
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--source", "survey"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.output


def test_cli_unreadable_file_is_one_message_not_a_traceback(voc_env, tmp_path) -> None:
    path = _write(tmp_path, "s.csv", "a,b\n1,2\n")
    result = runner.invoke(app, ["ingest", str(path), "--source", "survey", "--json"])
    assert result.exit_code == 2
    assert "no column for" in result.stderr and "Traceback" not in result.output


def test_cli_ingest_folder_takes_every_supported_file(voc_env, tmp_path) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    _write(folder, "20261005_101500.txt", "坐席：您好，星海银行\n客户：我的卡被冻结了\n")
    _write(folder, "20261005_111500.txt", "客服：您好\n客户：分期手续费怎么算\n")
    _write(folder, "notes.md", "ignored")
    result = runner.invoke(app, ["ingest", str(folder), "--source", "call_transcript", "--json"])
    assert json.loads(result.stdout.strip().splitlines()[-1])["stored"] == 2
