"""A real API server for the API tests: uvicorn on a free port, temporary SQLite, real models.

Components are light but real: the e5 encoder, the shipped sentiment model and a touchpoint
classifier fitted on a three-item taxonomy (so start-up encodes a handful of texts only).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.api.server import LiveServer
from voc.analysis.pipeline import Analyzer
from voc.api.components import Components
from voc.api.keys import ROLES, create_key
from voc.api.main import create_app
from voc.api.settings import ApiSettings
from voc.config import Settings
from voc.models.encoders import E5SmallQ4Encoder
from voc.models.touchpoints import TouchpointClassifier, load_taxonomy
from voc.registry import build_sentiment
from voc.store.db import open_engine

TAXONOMY = """\
version: 1
touchpoints:
  - id: app_transfer
    name: 转账汇款
    stage: 留存
    description: 手机银行转账失败、到账慢、转账闪退
    keywords: [转账, 汇款, 到账]
  - id: card_instalment
    name: 信用卡分期与手续费
    stage: 转化
    description: 信用卡分期手续费高、利率不透明
    keywords: [分期, 手续费]
  - id: hotline_ivr
    name: 客服热线与语音导航
    stage: 接触
    description: 客服电话打不通、排队久、转人工难
    keywords: [客服电话, 热线, 转人工]
"""
TEST_LIMITS = {
    "max_body_bytes": 64 * 1024,
    "max_upload_bytes": 256 * 1024,
    "sync_upload_bytes": 4 * 1024,
    "max_batch_records": 50,
}


@pytest.fixture(scope="session")
def components(tmp_path_factory: pytest.TempPathFactory) -> Components:
    """Real, light models shared by every server in the session."""
    path = tmp_path_factory.mktemp("taxonomy") / "touchpoints.yaml"
    path.write_text(TAXONOMY, encoding="utf-8")
    encoder = E5SmallQ4Encoder(batch_size=32)
    touchpoints = TouchpointClassifier(encoder).fit(load_taxonomy(path))
    analyzer = Analyzer(encoder, build_sentiment(Settings()), touchpoints)
    return Components.from_analyzer(analyzer)


@dataclass
class Live:
    """A running server: its URL, one key per role, and its database."""

    url: str
    keys: dict[str, str]
    engine: Engine
    settings: Settings

    def client(self, role: str | None = None, header: str = "bearer") -> httpx.Client:
        """An HTTP client sending `role`'s key (as Bearer or X-API-Key), or none."""
        headers = {}
        if role is not None:
            key = self.keys[role]
            headers = (
                {"Authorization": f"Bearer {key}"} if header == "bearer" else {"X-API-Key": key}
            )
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def boom() -> None:
    """A route that fails, to pin the shape of 500s."""
    raise RuntimeError("boom with 13812345678")


@contextmanager
def serve(home: Path, components: Components, **api_overrides: object) -> Iterator[Live]:
    """A server over a new store in `home`, with small limits so limit tests stay cheap."""
    settings = Settings(home=home, ingest_batch_size=20)
    engine = open_engine(settings)
    keys = {role: create_key(engine, role, f"test-{role}")[1] for role in ROLES}
    limits = ApiSettings(**{**TEST_LIMITS, **api_overrides})
    app = create_app(settings, components=components, api_settings=limits)
    app.add_api_route("/_test/boom", boom, methods=["GET"], include_in_schema=False)
    try:
        with LiveServer(app) as url:
            yield Live(url, keys, engine, settings)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, components: Components) -> Iterator[Live]:
    """One server for the session."""
    with serve(tmp_path_factory.mktemp("api-home"), components) as server:
        yield server


@pytest.fixture(scope="module")
def own_live(tmp_path_factory: pytest.TempPathFactory, components: Components) -> Iterator[Live]:
    """A server with its own store for one module (results that depend on what is stored)."""
    with serve(tmp_path_factory.mktemp("api-own-home"), components) as server:
        yield server
