"""`voc similar` end to end with the real default encoder: ingest, analyse, link, search."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from voc.cli import app

runner = CliRunner()

COMPLAINTS = """ticket_id,opened_at,status,text,resolution
T1,2026-10-05 09:00,closed,转账一直失败，提示系统繁忙，我的电话13800138000,网关超时已修复
T2,2026-10-06 10:00,closed,信用卡分期手续费算得太复杂了，看不懂,已解释分期手续费规则
T3,2026-10-07 11:00,open,网点排队两个小时都没人管,
"""

PROBLEMS = """problems:
  - id: P1
    title: 转账失败提示系统繁忙
    description: 8.2.0 版本升级后支付网关超时，转账失败
    touchpoint: app_transfer
    root_cause: 网关超时
    fix: 扩容网关并重试
    status: mitigated
  - id: P2
    title: 分期手续费计算不透明
    description: 客户看不懂分期手续费怎么算
    touchpoint: card_instalment
    root_cause: 说明不清
    fix: 展示手续费明细
    status: open
"""


def test_cli_similar_returns_problem_and_masked_cases(voc_env, tmp_path) -> None:
    complaints = tmp_path / "complaints.csv"
    complaints.write_text(COMPLAINTS, encoding="utf-8")
    problems = tmp_path / "problems.yaml"
    problems.write_text(PROBLEMS, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(complaints), "--source", "complaint"]).exit_code == 0
    assert runner.invoke(app, ["problems", "import", str(problems)]).exit_code == 0
    analysed = runner.invoke(app, ["analyze", "--json"])
    assert analysed.exit_code == 0, analysed.output
    assert json.loads(analysed.stdout.strip().splitlines()[-1])["problem_links"]["checked"] == 3

    result = runner.invoke(
        app, ["similar", "转账老是失败，说系统繁忙，手机13900139000", "-k", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["problem"]["id"] == "P1"
    assert "13900139000" not in payload["query"]
    assert payload["cases"][0]["text"].startswith("转账一直失败")
    assert "13800138000" not in payload["cases"][0]["text"]
    assert payload["cases"][0]["resolution"].startswith("网关超时")

    only_open = runner.invoke(app, ["similar", "转账失败", "--status", "open", "--json"])
    cases = json.loads(only_open.stdout.strip().splitlines()[-1])["cases"]
    assert [c["status"] for c in cases] == ["open"]


def test_cli_similar_rejects_empty_text(voc_env) -> None:
    result = runner.invoke(app, ["similar", "   "])
    assert result.exit_code == 2
    assert "empty" in result.stderr
