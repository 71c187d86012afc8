"""The weekly digest over HTTP: JSON object, Markdown and self-contained HTML; week checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Live, serve
from tests.api.helpers import assert_error
from tests.api.test_scores import build_store


@pytest.fixture(scope="module")
def digest_live(tmp_path_factory: pytest.TempPathFactory, components) -> Iterator[Live]:
    with serve(tmp_path_factory.mktemp("api-digests"), components) as server:
        build_store(server.engine)
        yield server


def test_digests_three_formats(digest_live) -> None:
    with digest_live.client("viewer") as client:
        as_json = client.get("/v1/digests/2026-W40")
        as_md = client.get("/v1/digests/2026-W40", params={"format": "md"})
        as_html = client.get("/v1/digests/2026-W40", params={"format": "html"})
    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    page = as_json.json()
    assert page["week"] == "2026-W40"
    line = next(s for s in page["scorecard"] if s["touchpoint"] == "app_transfer")
    assert line["volume"] == 48
    assert any(a["kind"] == "volume_spike" for a in page["alerts"])
    assert as_md.headers["content-type"].startswith("text/markdown")
    assert "2026-W40" in as_md.text and "data:image/png;base64," in as_md.text
    assert as_html.headers["content-type"].startswith("text/html")
    html = as_html.text
    assert html.lstrip().lower().startswith("<!doctype html") and html.count("data:image/png") >= 2
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside
    for body in (as_json.text, as_md.text, html):
        assert "13812345678" not in body


def test_digests_errors(digest_live) -> None:
    with digest_live.client("viewer") as client:
        assert_error(client.get("/v1/digests/2026-W99"), 422, "validation_error")
        assert_error(client.get("/v1/digests/2026-41"), 422, "validation_error")
        assert_error(client.get("/v1/digests/2026-W40?format=pdf"), 422, "validation_error")
        assert_error(client.get("/v1/digests/2026-W10"), 404, "not_found")
    with digest_live.client("ingest") as client:
        assert_error(client.get("/v1/digests/2026-W40"), 403, "forbidden")
