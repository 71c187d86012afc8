"""Digest: content from a small store, and md/html/json renderings with embedded charts."""

from __future__ import annotations

import base64
import json
import re

from typer.testing import CliRunner

from tests.analytics.conftest import add_items, add_topic, weekly_items
from tests.analytics.test_alerts import _incident_store
from voc.analytics.digest import build_digest, write_digest
from voc.cli import app
from voc.config import get_settings
from voc.store.db import open_engine

PNG = b"\x89PNG\r\n\x1a\n"


def _store(engine) -> None:  # type: ignore[no-untyped-def]
    _incident_store(engine)
    add_topic(engine, 3, "转账失败", ["转账", "失败"])
    add_items(
        engine,
        weekly_items(
            {41: 3},
            sentiment="negative",
            nps=0,
            topic_id=3,
            text="转账失败，我要打12378投诉",
        ),
    )


def test_digest_content(engine) -> None:  # type: ignore[no-untyped-def]
    _store(engine)
    page = build_digest(engine, "2026-W41")
    assert page["week"] == "2026-W41" and page["previous_week"] == "2026-W40"
    assert page["hurts_most"][0]["touchpoint"] == "app_transfer"
    assert page["hurts_most"][0]["name"] == "转账汇款"  # Chinese name from the taxonomy
    assert any(a["kind"] == "volume_spike" for a in page["alerts"])
    assert page["topics"][0]["label"] == "转账失败"
    assert page["flags"]["escalation_count"] == 3
    assert "12378" in page["flags"]["escalation"][0]["cues"]
    json.dumps(page, ensure_ascii=False)  # JSON-ready


def test_digest_renders_md_html_json(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _store(engine)
    page = build_digest(engine, "2026-W41", refresh=False)
    md, *images = write_digest(page, "md", tmp_path)
    text = md.read_text(encoding="utf-8")
    assert "## What hurts most" in text and "转账汇款" in text
    for image in images:
        assert image.read_bytes().startswith(PNG) and image.name in text
    (html,) = write_digest(page, "html", tmp_path)
    markup = html.read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', markup)
    assert len(uris) == 2
    for uri in uris:
        png = base64.b64decode(uri)
        assert png.startswith(PNG) and len(png) > 5000  # a drawn chart, not an empty image
    assert "http://" not in markup and "https://" not in markup  # opens offline
    (js,) = write_digest(page, "json", tmp_path)
    assert json.loads(js.read_text(encoding="utf-8"))["week"] == "2026-W41"


def test_cli_digest(voc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(get_settings())
    _store(engine)
    engine.dispose()
    result = CliRunner().invoke(
        app, ["digest", "2026-W41", "--format", "html", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "digest-2026-W41.html").is_file()
    empty = CliRunner().invoke(app, ["digest", "--week", "2025-W01", "--out", str(tmp_path)])
    assert empty.exit_code == 2 and "no analysed feedback" in empty.output
    drivers = CliRunner().invoke(app, ["drivers", "2026-W30", "2026-W42", "--json"])
    assert drivers.exit_code == 0, drivers.output
    assert json.loads(drivers.output.strip().splitlines()[-1])["target"] == "nps"


def test_run_demo_analytics_prints_alerts_and_writes_digest(engine, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from voc.cli_analytics import run_demo_analytics

    _store(engine)
    found = run_demo_analytics(engine, tmp_path)
    out = capsys.readouterr().out
    assert found and "volume_spike app_transfer" in out and "8.2.0" in out
    assert (tmp_path / "digest-2026-W42.md").is_file()
    assert (tmp_path / "digest-2026-W42.html").is_file()
