"""`voc eval …`: quality on a labelled file; the last stdout line is one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from voc.cli_common import fail
from voc.config import get_settings

eval_app = typer.Typer(no_args_is_help=True, help="Evaluate the shipped models on labelled data.")


def _emit(result: dict) -> None:
    for key, value in result.items():
        typer.echo(f"{key:>14}: {value}")
    typer.echo(json.dumps(result, ensure_ascii=False))


def _read(path: Path, columns: list[str]) -> dict[str, list]:
    from voc.evaluation.data import read_columns
    from voc.ingest.errors import FileError

    try:
        return read_columns(path, columns)
    except FileError as exc:
        raise fail(str(exc)) from None


def _encoder(cache: bool = False):  # type: ignore[no-untyped-def]
    """The configured encoder; with `cache`, embeddings persist in VOC_HOME/eval-cache.db.

    The cache is a separate database so evaluation texts never mix with customer feedback.
    """
    from voc.registry import build_encoder

    settings = get_settings()
    if not cache:
        return build_encoder(settings)
    from voc.store.db import make_engine, migrate

    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{(settings.home / 'eval-cache.db').resolve()}")
    migrate(engine)
    return build_encoder(settings, engine)


CacheOption = Annotated[
    bool, typer.Option("--cache/--no-cache", help="Keep embeddings in VOC_HOME/eval-cache.db.")
]


@eval_app.command("sentiment")
def eval_sentiment(
    data: Annotated[Path, typer.Option("--data", help="CSV/TSV/JSONL/XLSX with labels.")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    label_col: Annotated[str, typer.Option("--label-col")] = "label",
) -> None:
    """Accuracy and macro-F1 (binary sets scored binary); labels as 0/1/2 or names."""
    from voc.evaluation.sentiment import evaluate_sentiment
    from voc.registry import build_sentiment

    columns = _read(data, [text_col, label_col])
    try:
        model = build_sentiment(get_settings())
        result = evaluate_sentiment(model, _encoder(), columns[text_col], columns[label_col])
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    _emit(result)


@eval_app.command("touchpoints")
def eval_touchpoints(
    data: Annotated[Path, typer.Option("--data", help="Clauses with a touchpoint id or none.")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    label_col: Annotated[str, typer.Option("--label-col")] = "touchpoint",
    cache: CacheOption = False,
) -> None:
    """Accuracy of the touchpoint classifier (configured encoder, taxonomy and threshold)."""
    from voc.evaluation.touchpoints import evaluate_touchpoints
    from voc.registry import build_touchpoints

    columns = _read(data, [text_col, label_col])
    try:
        classifier = build_touchpoints(get_settings(), _encoder(cache))
        result = evaluate_touchpoints(classifier, columns[text_col], columns[label_col])
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    _emit(result)


@eval_app.command("pairs")
def eval_pairs(
    data: Annotated[Path, typer.Option("--data")],
    a_col: Annotated[str, typer.Option("--a-col")] = "text_a",
    b_col: Annotated[str, typer.Option("--b-col")] = "text_b",
    label_col: Annotated[str, typer.Option("--label-col")] = "label",
    cache: CacheOption = False,
) -> None:
    """AUC and accuracy at the shipped link threshold for same-problem pairs (label 1)."""
    from voc.evaluation.pairs import evaluate_pairs

    columns = _read(data, [a_col, b_col, label_col])
    try:
        result = evaluate_pairs(
            _encoder(cache),
            columns[a_col],
            columns[b_col],
            columns[label_col],
            get_settings().link_threshold,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    _emit(result)


@eval_app.command("retrieval")
def eval_retrieval(
    corpus: Annotated[Path, typer.Option("--corpus")],
    queries: Annotated[Path, typer.Option("--queries")],
    text_col: Annotated[str, typer.Option("--text-col")] = "text",
    id_col: Annotated[str, typer.Option("--id-col")] = "id",
    mode: Annotated[
        str | None, typer.Option("--mode", help="dense | hybrid (default: VOC_SEARCH_MODE).")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare/--no-compare", help="Also report the other mode.")
    ] = True,
    cache: CacheOption = False,
) -> None:
    """recall@1/5 and MRR@10 of finding each query's group in the corpus (shipped search)."""
    from voc.evaluation.retrieval import evaluate_retrieval
    from voc.text.segment import make_segmenter

    settings = get_settings()
    corpus_columns = _read(corpus, [text_col, id_col])
    query_columns = _read(queries, [text_col, id_col])
    try:
        result = evaluate_retrieval(
            _encoder(cache),
            make_segmenter("jieba").tokens,
            corpus_columns[text_col],
            corpus_columns[id_col],
            query_columns[text_col],
            query_columns[id_col],
            mode=mode or settings.search_mode,
            compare=compare,
            candidates=settings.search_candidates,
            rrf_k=settings.rrf_k,
            lexical_weight=settings.lexical_weight,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    _emit(result)
