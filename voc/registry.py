"""Build the configured components by registry name (encoders, sentiment, touchpoints).

One place maps settings to objects, so the CLI, the API and the benchmarks run the same
models. Names carry a version suffix; unknown names fail with the valid ones.
"""

from __future__ import annotations

from sqlalchemy import Engine

from voc.config import Settings
from voc.models.encoders import CachedEncoder, Encoder, make_encoder
from voc.store.embeddings import EmbeddingCache


def build_encoder(settings: Settings, engine: Engine | None = None) -> Encoder:
    """The configured encoder, wrapped in the store's embedding cache when an engine is given."""
    options: dict[str, object] = {}
    if settings.encoder == "sentence-transformers":
        if settings.encoder_path is None:
            raise ValueError("VOC_ENCODER=sentence-transformers needs VOC_ENCODER_PATH")
        options["model_path"] = settings.encoder_path
    if settings.encoder_threads:
        options["threads"] = settings.encoder_threads
    if settings.encoder in ("e5-small-torch", "e5-small-bank", "sentence-transformers"):
        options["dtype"] = settings.encoder_dtype
    encoder = make_encoder(settings.encoder, **options)
    return CachedEncoder(encoder, EmbeddingCache(engine)) if engine is not None else encoder


def build_sentiment(settings: Settings):  # type: ignore[no-untyped-def]
    """The shipped (or configured) sentiment model, loaded from its folder.

    The folder's `config.json` names the model: `voc.sentiment.v1` (frozen embeddings +
    TF-IDF) or `voc.sentiment.ft` (fine-tuned encoder delta); other names fail.
    """
    import json

    from voc.models.sentiment import SentimentClassifier, default_model_dir
    from voc.models.sentiment_finetuned import NAME as FINETUNED
    from voc.models.sentiment_finetuned import FinetunedSentiment

    folder = settings.sentiment_model or default_model_dir()
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(
            f"{folder}: no sentiment model; train one with `python -m training.train_sentiment`"
        )
    name = json.loads(config_path.read_text(encoding="utf-8")).get("name")
    if name == FINETUNED:
        return FinetunedSentiment.load(
            folder, threads=settings.encoder_threads, dtype=settings.encoder_dtype
        )
    if name == SentimentClassifier.name:
        return SentimentClassifier.load(folder)
    raise ValueError(
        f"{folder}: unknown sentiment model {name!r}; valid: "
        f"{[SentimentClassifier.name, FINETUNED]}"
    )


def build_touchpoints(settings: Settings, encoder: Encoder):  # type: ignore[no-untyped-def]
    """The touchpoint classifier fitted on the configured taxonomy file."""
    from voc.models.touchpoints import TouchpointClassifier, load_taxonomy

    taxonomy = load_taxonomy(settings.taxonomy)
    classifier = TouchpointClassifier(encoder, min_similarity=settings.touchpoint_min_similarity)
    return classifier.fit(taxonomy)


def build_analyzer(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    """Encoder (cached in the store) + sentiment + touchpoints, composed for `voc analyze`."""
    from voc.analysis.pipeline import Analyzer

    encoder = build_encoder(settings, engine)
    return Analyzer(encoder, build_sentiment(settings), build_touchpoints(settings, encoder))


def build_problem_matcher(settings: Settings, engine: Engine, encoder: Encoder):  # type: ignore[no-untyped-def]
    """The problem library of the store, embedded, with the configured threshold and mode."""
    from voc.search.problems import ProblemMatcher
    from voc.store.problems import list_problems
    from voc.text.segment import make_segmenter

    matcher = ProblemMatcher(
        encoder,
        make_segmenter("jieba").tokens,
        threshold=settings.link_threshold,
        mode=settings.search_mode,
        rrf_k=settings.rrf_k,
    )
    return matcher.fit(list_problems(engine))


def build_case_index(settings: Settings, engine: Engine, encoder: Encoder):  # type: ignore[no-untyped-def]
    """The on-disk case index of VOC_HOME, opened (rebuilt if missing or corrupt) and synced."""
    from voc.search.cases import CaseIndex, case_index_path
    from voc.text.segment import make_segmenter

    return CaseIndex(
        engine,
        case_index_path(settings.home),
        encoder.name,
        encoder.dim,
        mode=settings.search_mode,
        tokenizer=make_segmenter("jieba").tokens,
        candidates=settings.search_candidates,
        rrf_k=settings.rrf_k,
        lexical_weight=settings.lexical_weight,
    ).open()


def build_similar(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    """Similar-case search over the store: encoder + case index + problem matcher."""
    from voc.search.similar import SimilarSearch

    encoder = build_encoder(settings, engine)
    return SimilarSearch(
        engine,
        encoder,
        build_case_index(settings, engine, encoder),
        build_problem_matcher(settings, engine, encoder),
    )
