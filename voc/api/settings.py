"""API-only settings (env prefix `VOC_API_`): limits, CORS, the optional settings admin key."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ADMIN_KEY = "voc-dev-admin-key"
MIN_KEY_CHARS = 32


class ApiSettings(BaseSettings):
    """Limits and secrets of the HTTP API; tests build their own instead of patching.

    `admin_key` lets a deployment hand the first admin key in from a secret store
    (`VOC_API_ADMIN_KEY`); keys made with `voc keys create` live hashed in the database.
    """

    model_config = SettingsConfigDict(env_prefix="VOC_API_", extra="ignore")

    admin_key: SecretStr | None = Field(
        default=None, description="An admin key from the environment (at least 32 characters)."
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest JSON request body."
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Largest file upload (multipart body)."
    )
    max_batch_records: int = Field(
        default=1000, ge=1, le=100_000, description="Most records in one POST /v1/feedback."
    )
    sync_upload_bytes: int = Field(
        default=256 * 1024,
        ge=0,
        description="Uploads up to this size finish before the response; larger ones are jobs.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS; empty means CORS is off."
    )
    similar_search: bool = Field(
        default=True,
        description=(
            "Load the case index and problem matcher (POST /v1/similar, problem matching on "
            "ingest and /v1/analyze). Off for a dashboard-only instance: those parts answer 503."
        ),
    )
    metrics_public: bool = Field(
        default=False, description="Serve /metrics without a key (for a scraper on a private net)."
    )


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    """API settings from the environment, read once per process."""
    return ApiSettings()
