"""`voc eval …` through the CLI: the last stdout line is the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.config import Settings
from voc.models.sentiment import default_model_dir

runner = CliRunner()

PAIRS = (
    "text_a,text_b,label\n"
    "转账失败,转账不成功,1\n"
    "APP闪退,手机银行一打开就闪退,1\n"
    "网点排队太久,柜台排了两个小时的队,1\n"
    "信用卡年费太贵,年费收得太高了,1\n"
    "转账失败,理财收益不错,0\n"
    "APP闪退,网点周末营业吗,0\n"
    "网点排队太久,积分可以兑换什么,0\n"
    "信用卡年费太贵,验证码收不到,0\n"
)
CORPUS = (
    "id,text\n"
    "transfer,转账一直失败\n"
    "transfer,跨行转账不到账\n"
    "crash,APP打开就闪退\n"
    "crash,手机银行老是崩溃\n"
    "queue,网点排队太久\n"
    "queue,柜台等了两个小时\n"
)
QUERIES = "id,text\ntransfer,转账不成功怎么办\ncrash,软件一直闪退\nqueue,排队排了一上午\n"


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_cli_eval_pairs_last_line_is_json(voc_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "pairs.csv", PAIRS)
    result = runner.invoke(app, ["eval", "pairs", "--data", str(path)])
    assert result.exit_code == 0, result.output
    metrics = _last_json(result.stdout)
    assert {"n", "auc", "accuracy", "spearman", "pairs_per_s"} <= set(metrics)
    assert metrics["n"] == 8
    assert 0.0 <= metrics["auc"] <= 1.0
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert -1.0 <= metrics["spearman"] <= 1.0
    assert metrics["pairs_per_s"] > 0
    assert metrics["threshold"] == Settings().link_threshold
    assert metrics["auc"] >= 0.75  # paraphrases vs unrelated texts


def test_cli_eval_retrieval_last_line_is_json(voc_env: Path, tmp_path: Path) -> None:
    corpus = _write(tmp_path, "corpus.csv", CORPUS)
    queries = _write(tmp_path, "queries.csv", QUERIES)
    result = runner.invoke(
        app, ["eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries)]
    )
    assert result.exit_code == 0, result.output
    metrics = _last_json(result.stdout)
    assert {"n", "recall_at_1", "recall_at_5", "mrr_at_10", "queries_per_s"} <= set(metrics)
    assert metrics["n"] == 3
    for key in ("recall_at_1", "recall_at_5", "mrr_at_10"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["recall_at_1"] <= metrics["mrr_at_10"] <= metrics["recall_at_5"]
    assert metrics["recall_at_5"] == 1.0  # 3 groups: the right one is always in the top 5
    assert metrics["queries_per_s"] > 0


def test_cli_eval_pairs_missing_column_exits_2(voc_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "pairs.csv", PAIRS.replace("label", "gold", 1))
    result = runner.invoke(app, ["eval", "pairs", "--data", str(path)])
    assert result.exit_code == 2
    assert "no column ['label']" in result.stderr
    assert "columns are ['text_a', 'text_b', 'gold']" in result.stderr
    assert result.stdout == ""


def test_cli_eval_retrieval_missing_column_exits_2(voc_env: Path, tmp_path: Path) -> None:
    corpus = _write(tmp_path, "corpus.csv", CORPUS.replace("id,text", "group,text", 1))
    queries = _write(tmp_path, "queries.csv", QUERIES)
    result = runner.invoke(
        app, ["eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries)]
    )
    assert result.exit_code == 2
    assert "no column ['id']" in result.stderr
    assert "columns are ['group', 'text']" in result.stderr


def test_cli_eval_pairs_custom_label_column_is_checked(voc_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "pairs.csv", PAIRS)
    result = runner.invoke(
        app, ["eval", "pairs", "--data", str(path), "--a-col", "q", "--label-col", "same"]
    )
    assert result.exit_code == 2
    assert "no column ['q', 'same']" in result.stderr


def test_cli_eval_missing_file_exits_2(voc_env: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "pairs", "--data", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_cli_eval_pairs_single_class_exits_2(voc_env: Path, tmp_path: Path) -> None:
    body = "text_a,text_b,label\n转账失败,转账不成功,1\nAPP闪退,手机银行闪退,1\n"
    result = runner.invoke(app, ["eval", "pairs", "--data", str(_write(tmp_path, "p.csv", body))])
    assert result.exit_code == 2
    assert "both positive and negative" in result.stderr


def test_cli_eval_pairs_bad_encoder_setting_exits_2(
    voc_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOC_ENCODER", "bogus")
    path = _write(tmp_path, "pairs.csv", PAIRS)
    result = runner.invoke(app, ["eval", "pairs", "--data", str(path)])
    assert result.exit_code == 2
    assert "unknown encoder 'bogus'" in result.stderr


def test_cli_eval_retrieval_bad_encoder_setting_exits_2(
    voc_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOC_ENCODER", "bogus")
    corpus = _write(tmp_path, "corpus.csv", CORPUS)
    queries = _write(tmp_path, "queries.csv", QUERIES)
    result = runner.invoke(
        app, ["eval", "retrieval", "--corpus", str(corpus), "--queries", str(queries)]
    )
    assert result.exit_code == 2
    assert "unknown encoder 'bogus'" in result.stderr


@pytest.mark.skipif(
    not (default_model_dir() / "config.json").is_file(),
    reason="shipped sentiment model not built",
)
def test_cli_eval_sentiment_last_line_is_json(voc_env: Path, tmp_path: Path) -> None:
    body = (
        "text,label\n太好用了，转账秒到账,positive\n垃圾软件，又闪退了,negative\n"
        "请问信用卡怎么分期,neutral\n客服很耐心,positive\n排队两个小时,negative\n"
    )
    path = _write(tmp_path, "sentiment.csv", body)
    result = runner.invoke(app, ["eval", "sentiment", "--data", str(path)])
    assert result.exit_code == 0, result.output
    metrics = _last_json(result.stdout)
    assert {"n", "accuracy", "macro_f1", "docs_per_s"} <= set(metrics)
    assert metrics["n"] == 5
    assert metrics["task"] == "3-class"
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert 0.0 <= metrics["macro_f1"] <= 1.0


def test_cli_eval_sentiment_missing_column_exits_2(voc_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "sentiment.csv", "review,label\n很好,positive\n")
    result = runner.invoke(app, ["eval", "sentiment", "--data", str(path)])
    assert result.exit_code == 2
    assert "no column ['text']; columns are ['review', 'label']" in result.stderr


def test_cli_eval_touchpoints_last_line_is_json(voc_env: Path, tmp_path: Path) -> None:
    body = (
        "text,touchpoint\n大堂经理态度很好,branch_service\n热线一直占线打不进去,hotline_ivr\n"
        "机器人客服答非所问,chatbot\n开户要带的材料太多,account_opening\n谢谢,none\n"
    )
    path = _write(tmp_path, "touchpoints.csv", body)
    result = runner.invoke(app, ["eval", "touchpoints", "--data", str(path)])
    assert result.exit_code == 0, result.output
    metrics = _last_json(result.stdout)
    assert {"n", "accuracy", "touchpoint_accuracy", "none_accuracy", "min_similarity"} <= set(
        metrics
    )
    assert metrics["n"] == 5
    assert metrics["touchpoint_accuracy"] >= 0.75  # four clauses that name their touchpoint
    assert metrics["min_similarity"] == Settings().touchpoint_min_similarity


def test_cli_eval_touchpoints_unknown_label_exits_2(voc_env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "touchpoints.csv", "text,touchpoint\n柜台排队,queueing\n")
    result = runner.invoke(app, ["eval", "touchpoints", "--data", str(path)])
    assert result.exit_code == 2
    assert "labels not in the taxonomy: ['queueing']" in result.stderr
