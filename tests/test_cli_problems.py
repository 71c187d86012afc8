"""`voc problems`: import the demo library, list, show, add, link, export."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from voc.cli import app
from voc.resources import data_path

runner = CliRunner()


def test_cli_problems_import_list_show_export(voc_env, tmp_path) -> None:
    imported = runner.invoke(app, ["problems", "import", str(data_path("demo", "problems.yaml"))])
    assert imported.exit_code == 0 and "imported 36 problems" in imported.stdout
    listed = runner.invoke(app, ["problems", "list", "--touchpoint", "app_transfer", "--json"])
    rows = json.loads(listed.stdout.strip().splitlines()[-1])
    assert rows and {r["touchpoint"] for r in rows} == {"app_transfer"}
    shown = runner.invoke(app, ["problems", "show", "P001"])
    assert "root cause:" in shown.stdout and "8.2.0" in shown.stdout
    out = tmp_path / "lib.csv"
    assert runner.invoke(app, ["problems", "export", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,title,description")


def test_cli_problems_add_link_and_errors(voc_env, tmp_path) -> None:
    added = runner.invoke(
        app, ["problems", "add", "--id", "P100", "--title", "网点叫号系统故障", "--status", "open"]
    )
    assert added.exit_code == 0
    bad = runner.invoke(app, ["problems", "add", "--id", "P101", "--title", "x", "--status", "?"])
    assert bad.exit_code == 2 and "status" in bad.stderr
    path = tmp_path / "c.csv"
    path.write_text("ticket_id,opened_at,text\nT1,2026-10-05 09:00,叫号机坏了\n", encoding="utf-8")
    runner.invoke(app, ["ingest", str(path), "--source", "complaint"])
    exported = runner.invoke(app, ["export"])
    feedback_id = json.loads(exported.stdout.splitlines()[0])["id"]
    assert runner.invoke(app, ["problems", "link", "P100", feedback_id]).exit_code == 0
    assert "叫号机坏了" in runner.invoke(app, ["problems", "show", "P100"]).stdout
    missing = runner.invoke(app, ["problems", "show", "P404"])
    assert missing.exit_code == 2 and "unknown problem" in missing.stderr


def test_cli_problems_candidates_write_drafts_that_import(voc_env, tmp_path) -> None:
    from tests.search.conftest import BigramEncoder, add_analysed
    from voc.config import get_settings
    from voc.problems_io import read_problems
    from voc.schema import Problem
    from voc.search.candidates import MIN_CENTRE_ITEMS
    from voc.search.linking import link_feedback
    from voc.search.problems import ProblemMatcher
    from voc.store.db import open_engine
    from voc.store.problems import upsert_problem
    from voc.text.segment import make_segmenter

    engine = open_engine(get_settings())
    encoder = BigramEncoder()
    for i in range(MIN_CENTRE_ITEMS):
        text = f"第{i}次来网点办业务服务很好{i % 7}号窗口"
        add_analysed(engine, encoder, text, source="survey", sentiment="positive")
    for text in ["积分莫名其妙清零了", "积分突然清零了，我叫张三", "我的积分怎么清零了"]:
        add_analysed(engine, encoder, text, touchpoint="marketing_rewards")
    known = Problem(id="P1", title="转账失败提示系统繁忙", description="转账失败")
    upsert_problem(engine, known)
    matcher = ProblemMatcher(encoder, make_segmenter("jieba").tokens, threshold=0.99)
    link_feedback(engine, matcher.fit([known]), encoder)
    engine.dispose()

    draft = tmp_path / "drafts.yaml"
    result = runner.invoke(app, ["problems", "candidates", "--draft", str(draft)])
    assert result.exit_code == 0, result.output
    (problem,) = read_problems(draft)
    assert problem.id.startswith("CAND-") and problem.touchpoint == "marketing_rewards"
    assert "3 条未匹配投诉" in problem.description and "积分" in problem.description
    assert "张三" not in draft.read_text(encoding="utf-8")  # drafts hold masked text only
    imported = runner.invoke(app, ["problems", "import", str(draft)])
    assert imported.exit_code == 0 and "imported 1 problems" in imported.stdout


def test_cli_problems_import_refuses_an_id_that_is_an_api_route(voc_env, tmp_path) -> None:
    path = tmp_path / "lib.yaml"
    path.write_text("problems:\n  - id: candidates\n    title: 名字撞了路由\n", encoding="utf-8")
    result = runner.invoke(app, ["problems", "import", str(path)])
    assert result.exit_code == 2 and "names an API route" in result.stderr
