"""The HTML digest in a real browser (headless Debian `chromium`), and the charts' CJK font.

The browser checks load the digest, unchanged, in an iframe of a probe page written to the
test's tmp dir; the probe writes each chart's natural size and share of inked pixels into
its own DOM, which `--dump-dom` prints. Console output is read from `--enable-logging`;
the digest has no scripts, so any console line is a failure. A broken page proves the
probe and the console scan catch what they are meant to catch.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.test_digest import _store
from voc.analytics import charts
from voc.analytics.digest import build_digest, render_charts, write_digest
from voc.config import Settings
from voc.store.db import open_engine

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs chromium and fonts-wqy-microhei)",
)
WEEK = "2026-W41"
PNG = b"\x89PNG\r\n\x1a\n"

PROBE = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<pre id="probe">pending</pre>
<iframe id="page" src="{src}" width="1200" height="900"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var out = document.getElementById("probe");
  try {{
    var doc = this.contentDocument;
    var images = Array.prototype.map.call(doc.images, function (img) {{
      var inked = 0;
      if (img.naturalWidth > 0) {{
        var canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        var ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
        var px = ctx.getImageData(0, 0, canvas.width, canvas.height).data, dark = 0;
        for (var i = 0; i < px.length; i += 4) {{ if (px[i] + px[i+1] + px[i+2] < 600) dark++; }}
        inked = dark / (px.length / 4);
      }}
      return {{id: img.id, complete: img.complete, width: img.naturalWidth,
               height: img.naturalHeight, inked: inked}};
    }});
    out.textContent = JSON.stringify({{title: doc.title, h2: doc.querySelectorAll("h2").length,
                                       images: images}});
  }} catch (e) {{ out.textContent = JSON.stringify({{error: String(e)}}); }}
}});
</script></body></html>
"""


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",  # tests may run as root in CI containers
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def _console(stderr: str) -> list[str]:
    """Console messages (any level) and uncaught errors from chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def _probe(page: Path, work: Path) -> tuple[dict[str, Any], list[str]]:
    """Load `page` in the probe; returns what the probe saw and the console lines."""
    wrapper = work / f"probe-{page.stem}.html"
    wrapper.write_text(PROBE.format(src=page.resolve().as_uri()), encoding="utf-8")
    run = _chromium(
        work / "profile",
        "--allow-file-access-from-files",  # lets the probe read the iframe's file:// page
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=5000",
        "--dump-dom",
        wrapper.as_uri(),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stdout[-2000:]
    return json.loads(html.unescape(found.group(1))), _console(run.stderr)


@pytest.fixture(scope="module")
def digest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One analysed store with the app_transfer incident, and its digest for W41."""
    home = tmp_path_factory.mktemp("digest-home")
    engine = open_engine(Settings(home=home))
    try:
        _store(engine)
        return build_digest(engine, WEEK)
    finally:
        engine.dispose()


def _glyph_warnings(render) -> list[str]:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        render()
    return [str(w.message) for w in got if "missing from font" in str(w.message)]


@needs_chromium
def test_digest_charts_render_in_chromium(digest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (page,) = write_digest(digest, "html", tmp_path / "out")
    seen, console = _probe(page, tmp_path)
    assert "error" not in seen, seen
    assert WEEK in seen["title"] and seen["h2"] >= 6
    assert [image["id"] for image in seen["images"]] == ["chart-trend", "chart-touchpoints"]
    for image in seen["images"]:
        assert image["complete"] and image["width"] == 800 and image["height"] >= 250, image
        assert 0.01 < image["inked"] < 0.9, image  # something drawn, not a blank or black box
    assert console == []

    shot = tmp_path / "digest.png"
    run = _chromium(
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1200,2400",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        page.resolve().as_uri(),
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert _console(run.stderr) == []
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2400, 1200)
    assert pixels[..., :3].std() > 0.05  # text and charts, not an empty page


@needs_chromium
def test_probe_catches_broken_images_and_script_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><title>bad</title><img id="gone" src="missing.png">'
        '<img id="junk" src="data:image/png;base64,AAAA">'
        '<script>throw new Error("boom")</script>',
        encoding="utf-8",
    )
    seen, console = _probe(bad, tmp_path)
    assert [(i["id"], i["width"]) for i in seen["images"]] == [("gone", 0), ("junk", 0)]
    assert any("Uncaught Error: boom" in line for line in console)


def test_charts_name_touchpoints_in_chinese_with_a_cjk_font(digest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    font = charts.cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (.ci/run installs fonts-wqy-microhei)")
    assert _glyph_warnings(lambda: render_charts(digest, font)) == []
    # the same labels drawn with a Latin-only font lose their glyphs: they are Chinese
    assert _glyph_warnings(lambda: render_charts(digest, "DejaVu Sans"))
    (page,) = write_digest(digest, "html", tmp_path)
    assert f"font: {font}" in page.read_text(encoding="utf-8")


def test_charts_fall_back_to_taxonomy_ids_without_a_cjk_font(digest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert charts.cjk_font(("No Such Font 404",)) is None and charts.cjk_font(()) is None
    assert _glyph_warnings(lambda: render_charts(digest, None)) == []
    md, *images = write_digest(digest, "md", tmp_path, font_families=("No Such Font 404",))
    assert "by taxonomy id" in md.read_text(encoding="utf-8")
    assert len(images) == 2 and all(p.read_bytes().startswith(PNG) for p in images)
