"""The server itself refuses insecure production settings; a proper key set lets it start."""

from __future__ import annotations

import httpx
import pytest

from tests.api.server import LiveServer
from voc.api.keys import create_key
from voc.api.main import create_app
from voc.api.settings import ApiSettings
from voc.config import Settings
from voc.store.db import open_engine

SALT = "a-real-secret-salt-for-this-test"


def _prod(tmp_path) -> Settings:
    return Settings(env="prod", pii_salt=SALT, home=tmp_path / "prod")


@pytest.mark.parametrize(
    "api_settings",
    [ApiSettings(), ApiSettings(admin_key="voc-dev-admin-key"), ApiSettings(admin_key="short")],
    ids=["no-keys", "default-key", "short-key"],
)
def test_startup_refuses_prod_without_a_safe_key(tmp_path, components, api_settings, capfd) -> None:
    app = create_app(_prod(tmp_path), components=components, api_settings=api_settings)
    with pytest.raises(RuntimeError, match="exited during startup"), LiveServer(app):
        pass
    assert "refusing to start with VOC_ENV='prod'" in capfd.readouterr().err


def test_startup_prod_with_a_stored_key_serves(tmp_path, components) -> None:
    settings = _prod(tmp_path)
    engine = open_engine(settings)
    _, key = create_key(engine, "viewer")
    app = create_app(settings, components=components, api_settings=ApiSettings())
    with LiveServer(app) as url:
        headers = {"Authorization": f"Bearer {key}"}
        response = httpx.get(f"{url}/v1/touchpoints/summary", headers=headers)
    assert response.status_code == 200 and response.json() == {"items": []}


def test_startup_settings_admin_key_works(tmp_path, components) -> None:
    admin_key = "k" * 40
    app = create_app(
        _prod(tmp_path), components=components, api_settings=ApiSettings(admin_key=admin_key)
    )
    with LiveServer(app) as url:
        ok = httpx.get(f"{url}/v1/keys", headers={"X-API-Key": admin_key})
        wrong = httpx.get(f"{url}/v1/keys", headers={"X-API-Key": "k" * 39})
    assert ok.status_code == 200 and wrong.status_code == 401
