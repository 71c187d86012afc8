"""Per-source character TF-IDF experts behind a source gate, the n-gram half of sentiment-v3.

One TF-IDF model pooled over every training source learns a compromise: stock-forum posts
have a neutral class, reviews do not, and the same words ("便宜", "快") weigh differently
in a takeaway review than in a shopping one. Here each source gets its own expert (a
character 1–3-gram TF-IDF + logistic regression on that source's rows only, over the labels
that source has; a label its source never has — neutral, for reviews — gets the mean of
the expert's other logits, so a review expert ranks neutral between negative and positive
instead of ruling it out), and a gate (TF-IDF + multinomial regression) reads which source a text
resembles. The caller pools them with the fine-tuned network
(`voc.models.sentiment_finetuned`): Σ_g gate_g · softmax(a_g · net + b_g · log p_expert_g).

The gate also learns one class with no expert, `other`, from unlabelled bank text (app
reviews, customer questions): bank feedback is none of the review sources, and routing it to
a review expert would lose the neutral class that complaints and questions need. The caller
scores `other` with its general model.

Nothing here needs to be told where a text came from: the gate infers it from the text, so
the model runs on any input, bank feedback included. Saved as config JSON + safetensors
(sparse, fp16 values), never pickle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voc.models.sentiment import LABELS, CharTfidf, softmax

NAME = "voc.sentiment.experts"
OTHER = "other"  # the gate class of unlabelled domain text (no expert; the general model)


def _as_stored(values: np.ndarray) -> np.ndarray:
    """float32 holding exactly the fp16 values saved: a loaded model equals the fitted one."""
    return values.astype(np.float16).astype(np.float32)


class _LinearBlock:
    """TF-IDF + logistic regression over a subset of classes (a gate or one expert)."""

    def __init__(
        self, tfidf: CharTfidf, coef: np.ndarray, intercept: np.ndarray, classes: list[int]
    ):
        self.tfidf = tfidf
        self.coef = coef
        self.intercept = intercept
        self.classes = classes

    @classmethod
    def fit(
        cls, texts: Sequence[str], y: np.ndarray, c: float, min_df: int, max_iter: int
    ) -> _LinearBlock:
        from sklearn.linear_model import LogisticRegression

        tfidf = CharTfidf(3, 2**20, min_df).fit(texts)
        tfidf.idf_ = _as_stored(tfidf.idf_)
        model = LogisticRegression(C=c, max_iter=max_iter, tol=1e-4)
        model.fit(tfidf.transform(texts), y)
        coef = _as_stored(model.coef_)
        intercept = model.intercept_.astype(np.float32)
        if len(model.classes_) == 2:  # sklearn keeps one row for two classes
            coef = np.vstack([-coef / 2, coef / 2]) + 0.0  # + 0.0: no -0.0 in the digest
            intercept = np.r_[-intercept / 2, intercept / 2]
        return cls(tfidf, coef, intercept, [int(k) for k in model.classes_])

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Logits over this block's classes [n, len(classes)]."""
        features = self.tfidf.transform(list(texts))
        return np.asarray(features @ self.coef.T) + self.intercept

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities over this block's classes [n, len(classes)]."""
        return softmax(self.logits(texts))

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        used = np.flatnonzero(self.tfidf.idf_)
        return {
            f"{prefix}.index": used.astype(np.int32),
            f"{prefix}.idf": self.tfidf.idf_[used].astype(np.float16),
            f"{prefix}.coef": np.ascontiguousarray(self.coef[:, used]).astype(np.float16),
            f"{prefix}.intercept": self.intercept.astype(np.float32),
            f"{prefix}.classes": np.asarray(self.classes, dtype=np.int32),
        }

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str, min_df: int) -> _LinearBlock:
        used = tensors[f"{prefix}.index"].astype(np.int64)
        tfidf = CharTfidf(3, 2**20, min_df)
        tfidf.idf_ = np.zeros(tfidf.n_features, dtype=np.float32)
        tfidf.idf_[used] = tensors[f"{prefix}.idf"]
        small = tensors[f"{prefix}.coef"].astype(np.float32)
        coef = np.zeros((small.shape[0], tfidf.n_features), dtype=np.float32)
        coef[:, used] = small
        classes = [int(k) for k in tensors[f"{prefix}.classes"]]
        return cls(tfidf, coef, tensors[f"{prefix}.intercept"], classes)


class SourceExperts:
    """Estimator: a source gate and one sentiment expert per training source.

    Args:
        c: inverse L2 strength of each expert's logistic regression.
        gate_c: the same for the gate.
        min_df: experts drop n-grams seen in fewer texts of their source.
        gate_min_df: the same for the gate (over all texts).
    """

    def __init__(
        self,
        c: float = 10.0,
        gate_c: float = 10.0,
        min_df: int = 1,
        gate_min_df: int = 2,
        max_iter: int = 3000,
    ) -> None:
        self.c = c
        self.gate_c = gate_c
        self.min_df = min_df
        self.gate_min_df = gate_min_df
        self.max_iter = max_iter

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        sources: Sequence[str],
        other_texts: Sequence[str] = (),
    ) -> SourceExperts:
        """Fit the gate on all texts (target: source) and one expert per source.

        `other_texts` (unlabelled, e.g. bank feedback) become one more gate class, `OTHER`,
        with no expert: text like them goes to the caller's general model instead.
        """
        texts = [str(t).strip() for t in texts]
        y = np.asarray(labels, dtype=int)
        source = np.asarray(sources)
        self.sources_ = sorted(set(source.tolist()))
        if len(self.sources_) < 2:
            raise ValueError("SourceExperts needs texts from at least two sources")
        if OTHER in self.sources_:
            raise ValueError(f"{OTHER!r} is reserved for the unlabelled texts")
        source_index = np.searchsorted(self.sources_, source)
        others = [str(t).strip() for t in other_texts]
        self.has_other_ = bool(others)
        gate_index = np.r_[source_index, np.full(len(others), len(self.sources_))]
        self.gate_ = _LinearBlock.fit(
            texts + others, gate_index, self.gate_c, self.gate_min_df, self.max_iter
        )
        self.experts_ = []
        for k in range(len(self.sources_)):
            rows = np.flatnonzero(source_index == k)
            self.experts_.append(
                _LinearBlock.fit(
                    [texts[i] for i in rows], y[rows], self.c, self.min_df, self.max_iter
                )
            )
        self._set_digest()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "gate_"):
            raise RuntimeError("SourceExperts is not fitted; call fit() or load() first")

    def parts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(gate probabilities [n, sources (+ OTHER last)], expert log-probabilities
        [n, sources, 3])."""
        self._check_fitted()
        texts = [str(t).strip() for t in texts]
        gate = self.gate_.proba(texts)
        expert_log = np.empty((len(texts), len(self.experts_), len(LABELS)), dtype=np.float32)
        for k, expert in enumerate(self.experts_):
            present = expert.logits(texts)
            full = np.repeat(present.mean(axis=1, keepdims=True), len(LABELS), axis=1)
            full[:, expert.classes] = present
            expert_log[:, k] = np.log(softmax(full))
        return gate.astype(np.float32), expert_log

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The mixture of the experts alone [n, 3] (without the network; the OTHER share is
        spread over the experts by their gate weights)."""
        gate, expert_log = self.parts(texts)
        labelled = gate[:, : len(self.sources_)]
        labelled = labelled / labelled.sum(axis=1, keepdims=True)
        return (labelled[:, :, None] * np.exp(expert_log)).sum(axis=1)

    @property
    def version(self) -> str:
        """Name plus a digest of the weights, so a refit re-analyses."""
        return f"{NAME}:{getattr(self, 'digest_', 'unfitted')}"

    def _set_digest(self) -> None:
        digest = hashlib.sha1()
        for block in (self.gate_, *self.experts_):
            digest.update(block.coef.tobytes())
        self.digest_ = digest.hexdigest()[:10]

    def save(self, folder: Path) -> None:
        """Write `config.json` + `weights.safetensors`."""
        from safetensors.numpy import save_file

        self._check_fitted()
        folder.mkdir(parents=True, exist_ok=True)
        tensors = self.gate_.tensors("gate")
        for k, expert in enumerate(self.experts_):
            tensors.update(expert.tensors(f"expert{k}"))
        save_file(tensors, str(folder / "weights.safetensors"))
        config = {
            "name": NAME,
            "labels": list(LABELS),
            "sources": self.sources_,
            "other": self.has_other_,
            "params": {
                "c": self.c,
                "gate_c": self.gate_c,
                "min_df": self.min_df,
                "gate_min_df": self.gate_min_df,
                "max_iter": self.max_iter,
            },
        }
        (folder / "config.json").write_text(
            json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> SourceExperts:
        """Load a saved model; refuses folders written by another model."""
        from safetensors.numpy import load_file

        config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
        if config.get("name") != NAME:
            raise ValueError(f"{folder}: model {config.get('name')!r} is not {NAME!r}")
        model = cls(**config["params"])
        tensors = load_file(str(Path(folder) / "weights.safetensors"))
        model.sources_ = list(config["sources"])
        model.has_other_ = bool(config.get("other", False))
        model.gate_ = _LinearBlock.from_tensors(tensors, "gate", model.gate_min_df)
        model.experts_ = [
            _LinearBlock.from_tensors(tensors, f"expert{k}", model.min_df)
            for k in range(len(model.sources_))
        ]
        model._set_digest()
        return model
