"""3-class sentiment (negative / neutral / positive) for documents and clauses.

Recipe (chosen on dev data, see `data/models/sentiment-v1/MODEL_CARD.md`): one multinomial
logistic regression over [character 1–3-gram TF-IDF | standardised encoder embedding],
trained on pooled finance + review sets with per-set weights, then temperature-scaled so
probabilities are calibrated. Character n-grams carry the words; the embedding carries
paraphrase and context. Saved as config JSON + safetensors, never pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
_LABEL_ALIASES = {
    "negative": 0, "neg": 0, "neutral": 1, "neu": 1, "positive": 2, "pos": 2,
    "负面": 0, "中性": 1, "正面": 2,
}  # fmt: skip


def label_index(value: object) -> int:
    """Index into LABELS for a label given as name or integer 0/1/2."""
    if isinstance(value, str) and value.strip().lower() in _LABEL_ALIASES:
        return _LABEL_ALIASES[value.strip().lower()]
    if isinstance(value, bool):
        raise ValueError(f"unknown sentiment label {value!r}; valid: {list(LABELS)} or 0/1/2")
    try:
        number_float = float(value)  # type: ignore[arg-type]
        if not number_float.is_integer():
            raise ValueError
        number = int(number_float)
    except (TypeError, ValueError):
        raise ValueError(
            f"unknown sentiment label {value!r}; valid: {list(LABELS)} or 0/1/2"
        ) from None
    if number not in (0, 1, 2):
        raise ValueError(f"sentiment label {value!r} out of range; valid: 0, 1, 2")
    return number


class CharTfidf:
    """Character n-gram TF-IDF on hashed features (stateless vocabulary, small to save)."""

    def __init__(self, ngram_max: int = 3, n_features: int = 2**20, min_df: int = 2) -> None:
        self.ngram_max = ngram_max
        self.n_features = n_features
        self.min_df = min_df

    def _hasher(self):  # type: ignore[no-untyped-def]
        from sklearn.feature_extraction.text import HashingVectorizer

        return HashingVectorizer(
            analyzer="char",
            ngram_range=(1, self.ngram_max),
            n_features=self.n_features,
            alternate_sign=False,
            norm=None,
            lowercase=True,
            dtype=np.float32,
        )

    def fit(self, texts: Sequence[str]) -> CharTfidf:
        """Learn document frequencies; features seen in fewer than `min_df` texts are dropped."""
        counts = self._hasher().transform(texts)
        df = np.bincount(counts.indices, minlength=self.n_features)
        keep = df >= self.min_df
        idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        self.idf_ = np.where(keep, idf, 0.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF × IDF, rows L2-normalised."""
        counts = self._hasher().transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts.multiply(self.idf_[None, :]).tocsr()
        weighted.eliminate_zeros()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ weighted, dtype=np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted for numerical safety."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class SentimentClassifier:
    """Estimator-style sentiment model over texts and their encoder embeddings.

    Args:
        c: inverse L2 strength of the logistic regression.
        embedding_scale: weight of the standardised embedding block against TF-IDF (0: off).
        ngram_max / min_df / n_features: the character TF-IDF block.
        max_iter: solver iterations.
    """

    name = "voc.sentiment.v1"

    def __init__(
        self,
        c: float = 3.0,
        embedding_scale: float = 1.0,
        ngram_max: int = 3,
        min_df: int = 2,
        n_features: int = 2**20,
        max_iter: int = 3000,
    ) -> None:
        self.c = c
        self.embedding_scale = embedding_scale
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.n_features = n_features
        self.max_iter = max_iter

    @property
    def version(self) -> str:
        """Name plus a digest of the fitted weights, so a retrained model re-analyses."""
        return f"{self.name}:{getattr(self, 'digest_', 'unfitted')}"

    def _features(self, texts: Sequence[str], embeddings: np.ndarray) -> sp.csr_matrix:
        blocks = [self.tfidf_.transform(list(texts))]
        if self.embedding_scale:
            if embeddings is None or len(embeddings) != len(texts):
                raise ValueError("embeddings must have one row per text")
            standard = (embeddings - self.embedding_mean_) / self.embedding_std_
            standard *= self.embedding_scale / np.sqrt(embeddings.shape[1])
            blocks.append(sp.csr_matrix(standard.astype(np.float32)))
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[object],
        embeddings: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> SentimentClassifier:
        """Fit on texts with labels (names or 0/1/2) and their embeddings (kind "query")."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray([label_index(v) for v in labels])
        if set(np.unique(y)) != {0, 1, 2}:
            raise ValueError("training labels must contain negative, neutral and positive")
        self.tfidf_ = CharTfidf(self.ngram_max, self.n_features, self.min_df).fit(texts)
        self.embedding_mean_ = embeddings.mean(axis=0).astype(np.float32)
        self.embedding_std_ = (embeddings.std(axis=0) + 1e-6).astype(np.float32)
        model = LogisticRegression(C=self.c, max_iter=self.max_iter, tol=1e-4)
        model.fit(self._features(texts, embeddings), y, sample_weight=sample_weight)
        self.coef_ = model.coef_.astype(np.float32)
        self.intercept_ = model.intercept_.astype(np.float32)
        self.temperature_ = 1.0
        self.classes_ = list(LABELS)
        self._set_digest()
        return self

    def calibrate(
        self, texts: Sequence[str], labels: Sequence[object], embeddings: np.ndarray
    ) -> SentimentClassifier:
        """Fit the softmax temperature on held-out data (minimises log loss)."""
        from scipy.optimize import minimize_scalar

        logits = self.decision_function(texts, embeddings) * self.temperature_
        y = np.asarray([label_index(v) for v in labels])

        def nll(log_t: float) -> float:
            p = softmax(logits / np.exp(log_t))
            return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

        self.temperature_ = float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))
        self._set_digest()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise RuntimeError("SentimentClassifier is not fitted; call fit() or load() first")

    def decision_function(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Temperature-scaled logits [n, 3]."""
        self._check_fitted()
        if len(texts) == 0:
            return np.zeros((0, 3), dtype=np.float32)
        features = self._features(texts, embeddings)
        logits = features @ self.coef_.T + self.intercept_
        return np.asarray(logits) / self.temperature_

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probabilities [n, 3] in LABELS order."""
        return softmax(self.decision_function(texts, embeddings))

    def predict(self, texts: Sequence[str], embeddings: np.ndarray) -> list[str]:
        """Most likely label per text."""
        return [LABELS[i] for i in self.predict_proba(texts, embeddings).argmax(axis=1)]

    def _set_digest(self) -> None:
        import hashlib

        digest = hashlib.sha1(self.coef_.tobytes())
        digest.update(np.float32(self.temperature_).tobytes())
        self.digest_ = digest.hexdigest()[:10]

    def save(self, folder: Path, card: dict | None = None) -> None:
        """Write `config.json` + `weights.safetensors` (sparse: only used TF-IDF features)."""
        from safetensors.numpy import save_file

        self._check_fitted()
        folder.mkdir(parents=True, exist_ok=True)
        n_tfidf = self.n_features
        used = np.flatnonzero(self.tfidf_.idf_).astype(np.int64)
        tensors = {
            "tfidf_index": used,
            "tfidf_idf": self.tfidf_.idf_[used],
            "coef_tfidf": np.ascontiguousarray(self.coef_[:, :n_tfidf][:, used]),
            "coef_embedding": np.ascontiguousarray(self.coef_[:, n_tfidf:]),
            "intercept": self.intercept_,
            "embedding_mean": self.embedding_mean_,
            "embedding_std": self.embedding_std_,
        }
        save_file(tensors, str(folder / "weights.safetensors"))
        config = {
            "name": self.name,
            "labels": list(LABELS),
            "params": {
                "c": self.c,
                "embedding_scale": self.embedding_scale,
                "ngram_max": self.ngram_max,
                "min_df": self.min_df,
                "n_features": self.n_features,
                "max_iter": self.max_iter,
            },
            "temperature": self.temperature_,
            "digest": self.digest_,
            **(card or {}),
        }
        (folder / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> SentimentClassifier:
        """Load a saved model; refuses folders written by another model name."""
        from safetensors.numpy import load_file

        config = json.loads((folder / "config.json").read_text())
        if config.get("name") != cls.name:
            raise ValueError(f"{folder}: model {config.get('name')!r} is not {cls.name!r}")
        model = cls(**config["params"])
        tensors = load_file(str(folder / "weights.safetensors"))
        used = tensors["tfidf_index"]
        idf = np.zeros(model.n_features, dtype=np.float32)
        idf[used] = tensors["tfidf_idf"]
        model.tfidf_ = CharTfidf(model.ngram_max, model.n_features, model.min_df)
        model.tfidf_.idf_ = idf
        coef_tfidf = np.zeros((3, model.n_features), dtype=np.float32)
        coef_tfidf[:, used] = tensors["coef_tfidf"]
        model.coef_ = np.hstack([coef_tfidf, tensors["coef_embedding"]])
        model.intercept_ = tensors["intercept"]
        model.embedding_mean_ = tensors["embedding_mean"]
        model.embedding_std_ = tensors["embedding_std"]
        model.temperature_ = float(config["temperature"])
        model.classes_ = list(LABELS)
        model._set_digest()
        return model


def default_model_dir() -> Path:
    """The shipped model folder: sentiment-v3 (the fine-tuned encoder pooled with per-source
    TF-IDF experts and a general TF-IDF part, `voc.models.sentiment_finetuned`); sentiment-v2
    (without the experts) and sentiment-v1 (frozen embeddings, the lightest) stay as choices
    (`VOC_SENTIMENT_MODEL`)."""
    from voc.resources import data_path

    return data_path("models", "sentiment-v3")
