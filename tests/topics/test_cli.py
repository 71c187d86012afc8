"""`voc topics list|show` and `voc eval topics` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.topics.synthetic import make_data
from tests.topics.test_service import _stock, fast_model
from voc.cli import app
from voc.cli_topics import fill_weeks, sparkline
from voc.config import get_settings
from voc.store.db import open_engine
from voc.topics.service import fit_topics

runner = CliRunner()

LABELLED = [
    ("转账失败提示系统繁忙", "转账"),
    ("跨行转账一直转圈不到账", "转账"),
    ("转账超时交易结果未知", "转账"),
    ("给家里转账老是失败", "转账"),
    ("转账到账太慢了", "转账"),
    ("转账提示收款人户名不符", "转账"),
    ("信用卡分期手续费太高", "分期"),
    ("账单分期手续费计算复杂", "分期"),
    ("分期利率说得不清楚", "分期"),
    ("分期手续费比说的多", "分期"),
    ("分期费率不透明", "分期"),
    ("分期还款多收了手续费", "分期"),
    ("网点排队排了两个小时", "网点"),
    ("柜台窗口只开一个", "网点"),
    ("网点柜员态度很差", "网点"),
    ("周末网点排队太久", "网点"),
    ("大堂经理不耐烦", "网点"),
    ("去网点办业务等了一上午", "网点"),
]


@pytest.mark.slow  # the real encoder and UMAP (numba compiles on first use)
def test_cli_eval_topics_prints_the_json_contract(tmp_path: Path, voc_env: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,cat\n" + "".join(f"{t},{c}\n" for t, c in LABELLED), encoding="utf-8")
    cache = tmp_path / "emb.npy"
    args = ["eval", "topics", "--data", str(data), "--text-col", "text", "--label-col", "cat"]
    result = runner.invoke(app, [*args, "--embeddings-cache", str(cache)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert {"n", "nmi", "ari", "outlier_share", "n_topics", "seconds"} <= set(out)
    assert out["n"] == len(LABELLED)
    assert 0.0 <= out["nmi"] <= 1.0 and -1.0 <= out["ari"] <= 1.0
    assert 0.0 <= out["outlier_share"] <= 1.0 and out["n_topics"] >= 1
    assert cache.is_file() and cache.with_suffix(".json").is_file()  # reused next time


def test_cli_eval_topics_names_a_missing_column(tmp_path: Path, voc_env: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,cat\n转账失败,转账\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "topics", "--data", str(data), "--label-col", "label"])
    assert result.exit_code == 2
    assert "label" in result.output


def test_cli_topics_list_and_show(voc_env: Path) -> None:
    settings = get_settings()
    engine = open_engine(settings)
    texts, vectors, names = make_data()
    _stock(engine, texts, vectors, names)
    fit_topics(engine, settings, min_topic_size=10, model_factory=fast_model)
    listed = runner.invoke(app, ["topics", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output.strip().splitlines()[-1])
    assert len(rows) == 4 and all(r["keywords"] and r["label"] for r in rows)
    shown = runner.invoke(app, ["topics", "show", str(rows[0]["id"])])
    assert shown.exit_code == 0, shown.output
    assert rows[0]["label"] in shown.output
    assert "weekly 2026-W41…2026-W43" in shown.output
    assert any(ch in shown.output for ch in "▁▂▃▄▅▆▇█")
    assert "examples:" in shown.output
    missing = runner.invoke(app, ["topics", "show", "999"])
    assert missing.exit_code == 2


def test_cli_sparkline_fills_empty_weeks() -> None:
    weeks, counts = fill_weeks([{"week": "2026-W52", "count": 4}, {"week": "2027-W02", "count": 8}])
    assert weeks == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert counts == [4, 0, 0, 8]
    assert sparkline(counts) == "▅▁▁█"
