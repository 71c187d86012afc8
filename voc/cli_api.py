"""`voc serve` and `voc keys …`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from voc.cli_common import configured_engine, fail

keys_app = typer.Typer(no_args_is_help=True, help="API keys: create, list, revoke.")


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="viewer | handler | ingest | admin")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")] = "",
) -> None:
    """Issue a key; the key itself is the last stdout line and is not shown again."""
    from voc.api import audit, keys

    try:
        keys.check_role(role)
    except ValueError as exc:
        raise fail(str(exc)) from None
    engine = configured_engine()
    principal, key = keys.create_key(engine, role, name)
    audit.record(
        engine, audit.CLI_PRINCIPAL, "key.create", "api_key", principal.key_id, {"role": role}
    )
    typer.echo(f"created key {principal.key_id} ({principal.name}, role {role}); store it now:")
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
) -> None:
    """Issued keys (id, name, role, created, revoked); never the keys themselves."""
    from voc.api import keys

    rows = keys.list_keys(configured_engine())
    for row in rows:
        revoked = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        typer.echo(
            f"{row['id']}  {row['role']:<8} {revoked:<24} "
            f"created {row['created_at']:%Y-%m-%d %H:%M}  {row['name']}"
        )
    if as_json:
        typer.echo(json.dumps(rows, default=str, ensure_ascii=False))


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id from `voc keys list`.")],
) -> None:
    """Revoke a key at once (a running server checks every request against the store)."""
    from voc.api import audit, keys

    engine = configured_engine()
    try:
        keys.revoke_key(engine, key_id)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    audit.record(engine, audit.CLI_PRINCIPAL, "key.revoke", "api_key", key_id, None)
    typer.echo(f"revoked {key_id}")


def example_requests(url: str, key: str) -> list[str]:
    """`curl` lines that work against a freshly set-up demo server."""
    auth = f'-H "Authorization: Bearer {key}"'
    return [
        f"curl -s {url}/readyz",
        f"curl -s {auth} {url}/v1/touchpoints/summary",
        f"curl -s {auth} '{url}/v1/problems?limit=5'",
        f"curl -s {auth} -H 'Content-Type: application/json' {url}/v1/analyze "
        """-d '{"text": "升级以后转账老是闪退，客服电话也打不通"}'""",
        f"curl -s {auth} -H 'Content-Type: application/json' {url}/v1/feedback "
        """-d '{"source": "app_review", "records": [{"created_at": "2026-11-20 10:00", """
        """"rating": 1, "text": "分期手续费太高了"}]}'""",
    ]


def serve_demo(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Issue an admin key, print it with example `curl` lines, then serve (for `voc demo`)."""
    from voc.api import audit, keys

    engine = configured_engine()
    principal, key = keys.create_key(engine, "admin", "demo-admin")
    audit.record(
        engine, audit.CLI_PRINCIPAL, "key.create", "api_key", principal.key_id, {"role": "admin"}
    )
    url = f"http://{host}:{port}"
    typer.echo(f"admin key (id {principal.key_id}): {key}")
    typer.echo("try:")
    for line in example_requests(url, key):
        typer.echo(f"  {line}")
    serve(host=host, port=port, workers=1)


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes.")] = 1,
) -> None:
    """Serve the HTTP API on the configured VOC_HOME / VOC_DB_URL (docs at /docs)."""
    from voc.api.keys import count_active_keys
    from voc.api.security import InsecureConfigError, check_startup
    from voc.api.settings import get_api_settings
    from voc.config import get_settings

    settings = get_settings()
    api_settings = get_api_settings()
    try:
        warnings = check_startup(settings, api_settings, count_active_keys(configured_engine()))
    except InsecureConfigError as exc:
        raise fail(str(exc)) from None
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    import uvicorn

    typer.echo(f"voc API on http://{host}:{port} (docs: /docs), database {settings.database_url}")
    uvicorn.run(
        "voc.api.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root `voc` app."""
    app.add_typer(keys_app, name="keys")
    app.command("serve")(serve)
