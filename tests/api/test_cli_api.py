"""`voc keys create|list|revoke` and `voc serve`'s refusal of insecure production settings."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from voc.api.keys import authenticate
from voc.api.settings import get_api_settings
from voc.cli import app
from voc.cli_common import configured_engine

runner = CliRunner()


@pytest.fixture
def api_env(voc_env, monkeypatch):  # type: ignore[no-untyped-def]
    for name in ("VOC_API_ADMIN_KEY", "VOC_ENV", "VOC_PII_SALT"):
        monkeypatch.delenv(name, raising=False)
    get_api_settings.cache_clear()
    yield voc_env
    get_api_settings.cache_clear()


def test_cli_api_keys_create_list_revoke(api_env) -> None:
    created = runner.invoke(app, ["keys", "create", "--role", "handler", "--name", "投诉组"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"voc_[0-9a-f]{12}_[A-Za-z0-9_\-]{43}", key)
    engine = configured_engine()
    principal = authenticate(engine, key)
    assert principal is not None and principal.role == "handler"
    listed = runner.invoke(app, ["keys", "list", "--json"])
    assert principal.key_id in listed.stdout and key not in listed.stdout
    revoked = runner.invoke(app, ["keys", "revoke", principal.key_id])
    assert revoked.exit_code == 0 and authenticate(engine, key) is None
    assert "revoked" in runner.invoke(app, ["keys", "list"]).stdout


def test_cli_api_keys_refuse_unknown_role_and_id(api_env) -> None:
    bad_role = runner.invoke(app, ["keys", "create", "--role", "root"])
    assert bad_role.exit_code == 2 and "valid" in bad_role.stderr
    bad_id = runner.invoke(app, ["keys", "revoke", "000000000000"])
    assert bad_id.exit_code == 2 and "unknown key id" in bad_id.stderr


def test_cli_api_serve_refuses_prod_without_keys(api_env, monkeypatch) -> None:
    monkeypatch.setenv("VOC_ENV", "prod")
    monkeypatch.setenv("VOC_PII_SALT", "a-real-secret-salt-for-this-test")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "refusing to start" in result.stderr and "no API keys" in result.stderr


def test_cli_api_serve_refuses_prod_with_default_admin_key(api_env, monkeypatch) -> None:
    monkeypatch.setenv("VOC_ENV", "prod")
    monkeypatch.setenv("VOC_PII_SALT", "a-real-secret-salt-for-this-test")
    monkeypatch.setenv("VOC_API_ADMIN_KEY", "voc-dev-admin-key")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "VOC_API_ADMIN_KEY" in result.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_cli_api_demo_curl_lines_work(live) -> None:
    from voc.cli_api import example_requests

    for line in example_requests(live.url, live.keys["admin"]):
        result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, line
        body = json.loads(result.stdout)
        assert "error" not in body, (line, body)
