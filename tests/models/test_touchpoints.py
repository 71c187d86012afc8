"""Tests for voc.models.touchpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voc.config import Settings
from voc.models.encoders import CachedEncoder, E5SmallQ4Encoder
from voc.models.touchpoints import (
    NONE,
    STAGES,
    Taxonomy,
    TouchpointClassifier,
    default_taxonomy_path,
    load_taxonomy,
)
from voc.store.db import open_engine
from voc.store.embeddings import EmbeddingCache

DIGITAL_RMB = """
  - id: digital_rmb
    name: 数字人民币
    stage: 留存
    description: >-
      客户反映数字人民币钱包开通失败、数币钱包无法充值或兑回、用数字人民币支付时提示异常等问题。
    keywords:
      - 数字人民币
      - 数币钱包
"""


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CachedEncoder]:
    """e5 behind a module-wide cache, so refitting an edited taxonomy re-encodes little."""
    engine = open_engine(Settings(home=tmp_path_factory.mktemp("touchpoints-home")))
    yield CachedEncoder(E5SmallQ4Encoder(), EmbeddingCache(engine))
    engine.dispose()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def classifier(encoder: CachedEncoder, taxonomy: Taxonomy) -> TouchpointClassifier:
    return TouchpointClassifier(encoder).fit(taxonomy)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "touchpoints.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _item(id_: str = "a", stage: str = "留存", description: str = "描述", name: str = "名") -> str:
    return (
        f"  - id: {id_}\n    name: {name}\n    stage: {stage}\n"
        f"    description: {description}\n    keywords: [甲乙]\n"
    )


# ------------------------------------------------------------------- taxonomy


def test_touchpoints_shipped_taxonomy_has_20_valid_touchpoints(taxonomy: Taxonomy) -> None:
    assert len(taxonomy.ids) == 20
    assert len(set(taxonomy.ids)) == 20
    assert {"app_transfer", "card_instalment", "branch_service"} <= set(taxonomy.ids)
    assert taxonomy.ids[0] == "branch_service"
    assert all(t.stage in STAGES for t in taxonomy.touchpoints)
    assert all(t.keywords and t.description for t in taxonomy.touchpoints)
    assert len(taxonomy.digest) == 12
    assert load_taxonomy(default_taxonomy_path()).digest == taxonomy.digest


def test_touchpoints_get_by_id_and_unknown_id(taxonomy: Taxonomy) -> None:
    assert taxonomy.get("card_instalment").id == "card_instalment"
    with pytest.raises(KeyError, match="unknown touchpoint 'nope'; valid: \\['branch_service'"):
        taxonomy.get("nope")


def test_touchpoints_description_whitespace_is_collapsed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "touchpoints:\n  - id: a\n    name: 名\n    stage: 接触\n"
        "    description: |\n      第一行\n      第二行\n    keywords: [' 甲乙 ', '', 丙丁]\n",
    )
    touchpoint = load_taxonomy(path).touchpoints[0]
    assert touchpoint.description == "第一行 第二行"
    assert touchpoint.keywords == ("甲乙", "丙丁")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("touchpoints:\n" + _item(stage="售后"), r"touchpoints\[0\]: stage '售后'; valid: \["),
        ("touchpoints:\n" + _item() + _item(), r"touchpoints\[1\]: id 'a' is reserved or used"),
        ("touchpoints:\n" + _item(id_="none"), r"touchpoints\[0\]: id 'none' is reserved"),
        (
            "touchpoints:\n" + _item(description="''"),
            r"touchpoints\[0\]: missing \['description'\]",
        ),
        (
            "touchpoints:\n  - id: a\n    stage: 留存\n",
            r"touchpoints\[0\]: missing \['name', 'description'\]",
        ),
        ("touchpoints:\n  - just a string\n", r"touchpoints\[0\]: expected a mapping"),
        ("touchpoints: []\n", "expected a 'touchpoints' list"),
        ("- id: a\n", "expected a 'touchpoints' list"),
        ("touchpoints:\n" + _item() + "none_examples: 你好\n", "none_examples must be a list"),
    ],
)
def test_touchpoints_invalid_taxonomy_names_the_problem(
    tmp_path: Path, body: str, message: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError, match=message) as info:
        load_taxonomy(path)
    assert str(path) in str(info.value)


def test_touchpoints_keywords_given_as_string_rejected(tmp_path: Path) -> None:
    body = "touchpoints:\n  - id: a\n    name: 名\n    stage: 留存\n"
    body += "    description: 描述\n    keywords: 数字人民币\n"
    with pytest.raises(ValueError, match="keywords"):
        load_taxonomy(_write(tmp_path, body))


# ----------------------------------------------------------------- classifier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("跨行转账一直失败", "app_transfer"),
        ("账单分期手续费太高了", "card_instalment"),
        ("网点排队排了一个小时", "branch_service"),
        ("嗯嗯好的谢谢", NONE),
    ],
)
def test_touchpoints_classifier_predicts_shipped_touchpoints(
    classifier: TouchpointClassifier, text: str, expected: str
) -> None:
    [match] = classifier.predict([text])
    assert match.touchpoint == expected
    assert 0.0 <= match.score <= 1.0


@pytest.mark.parametrize("text", ["你好", "谢谢你们", "那我先挂了"])
def test_touchpoints_classifier_greetings_and_fillers_are_none(
    classifier: TouchpointClassifier, text: str
) -> None:
    assert classifier.predict([text])[0].touchpoint == NONE


def test_touchpoints_none_examples_turn_close_clauses_into_none(
    taxonomy: Taxonomy, encoder: CachedEncoder
) -> None:
    assert "你好" in taxonomy.none_examples
    without = Taxonomy(taxonomy.touchpoints, taxonomy.digest, ())
    text = ["您好您好"]
    plain = TouchpointClassifier(encoder, min_similarity=0.0).fit(without).predict(text)
    guarded = TouchpointClassifier(encoder, min_similarity=0.0).fit(taxonomy).predict(text)
    assert plain[0].touchpoint != NONE
    assert guarded[0].touchpoint == NONE


def test_touchpoints_classifier_batch_and_precomputed_embeddings(
    classifier: TouchpointClassifier, encoder: CachedEncoder
) -> None:
    texts = ["跨行转账一直失败", "网点排队排了一个小时", "嗯嗯好的谢谢"]
    embeddings = encoder.encode(texts, kind="query")
    direct = classifier.predict(texts)
    given = classifier.predict(texts, embeddings=embeddings)
    assert [m.touchpoint for m in direct] == ["app_transfer", "branch_service", NONE]
    assert given == direct
    assert classifier.predict([]) == []


def test_touchpoints_classifier_version_and_prototypes(
    classifier: TouchpointClassifier, taxonomy: Taxonomy
) -> None:
    assert classifier.version_.startswith(f"voc.touchpoints.v1+{taxonomy.digest}+")
    n_prototypes = sum(1 + len(t.keywords) for t in taxonomy.touchpoints)
    assert classifier.prototypes_.shape == (n_prototypes, 384)
    assert sorted(set(classifier.owners_.tolist())) == list(range(20))


def test_touchpoints_keyword_scores_are_character_shares(
    classifier: TouchpointClassifier, taxonomy: Taxonomy
) -> None:
    scores = classifier.keyword_scores("账单分期手续费太高了")
    assert scores.shape == (20,)
    assert scores[taxonomy.ids.index("card_instalment")] > 0
    assert scores[taxonomy.ids.index("branch_service")] == 0
    assert float(scores.max()) <= 1.0
    assert not classifier.keyword_scores("嗯嗯好的谢谢").any()


def test_touchpoints_similarities_take_best_prototype(classifier: TouchpointClassifier) -> None:
    embeddings = classifier.encoder.encode(["网点排队排了一个小时"], kind="query")
    similarity = classifier.similarities(embeddings)
    cosine = embeddings @ classifier.prototypes_.T
    assert similarity.shape == (1, 20)
    np.testing.assert_allclose(similarity[0, 0], cosine[0, classifier.owners_ == 0].max())


def test_touchpoints_edited_taxonomy_is_picked_up(
    tmp_path: Path, encoder: CachedEncoder, classifier: TouchpointClassifier
) -> None:
    shipped = default_taxonomy_path().read_text(encoding="utf-8")
    path = _write(tmp_path, shipped.rstrip("\n") + "\n" + DIGITAL_RMB)
    edited = load_taxonomy(path)
    assert len(edited.ids) == 21
    assert edited.ids[-1] == "digital_rmb"
    assert edited.get("digital_rmb").keywords == ("数字人民币", "数币钱包")
    refitted = TouchpointClassifier(encoder).fit(edited)
    [match] = refitted.predict(["数字人民币钱包开不了"])
    assert match.touchpoint == "digital_rmb"
    assert refitted.version_ != classifier.version_
    assert refitted.predict(["跨行转账一直失败"])[0].touchpoint == "app_transfer"


def test_touchpoints_min_similarity_controls_none(
    encoder: CachedEncoder, taxonomy: Taxonomy
) -> None:
    strict = TouchpointClassifier(encoder, min_similarity=1.01).fit(taxonomy)
    no_examples = Taxonomy(taxonomy.touchpoints, taxonomy.digest, ())
    lenient = TouchpointClassifier(encoder, min_similarity=-1.0).fit(no_examples)
    assert strict.predict(["嗯嗯好的谢谢"])[0].touchpoint == NONE
    assert lenient.predict(["嗯嗯好的谢谢"])[0].touchpoint in taxonomy.ids
    # a keyword hit still wins over the similarity floor
    assert strict.predict(["网点排队排了一个小时"])[0].touchpoint == "branch_service"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.predict(["转账失败"]),
        lambda c: c.keyword_scores("转账失败"),
        lambda c: c.similarities(np.zeros((1, 384), dtype=np.float32)),
    ],
)
def test_touchpoints_predict_before_fit_raises(call) -> None:
    unfitted = TouchpointClassifier(E5SmallQ4Encoder())
    with pytest.raises(RuntimeError, match="not fitted"):
        call(unfitted)
