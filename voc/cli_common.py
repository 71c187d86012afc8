"""Helpers every `voc` sub-command shares: one error format, the configured database."""

from __future__ import annotations

import typer
from sqlalchemy import Engine

from voc.config import get_settings


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `error: …` on stderr and return the exit to raise (no traceback for users)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def configured_engine() -> Engine:
    """The database named by the settings, migrated to the newest schema."""
    from voc.store.db import open_engine

    return open_engine(get_settings())
