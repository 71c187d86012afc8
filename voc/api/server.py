"""The app as uvicorn builds it in each worker: settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI


def app_from_environment() -> FastAPI:
    """`create_app` with `VOC_*` / `VOC_API_*` settings (uvicorn `--factory` target)."""
    from voc.api.main import create_app
    from voc.api.settings import get_api_settings
    from voc.config import get_settings

    return create_app(get_settings(), api_settings=get_api_settings())
