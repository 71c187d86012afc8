"""Sentiment from the fine-tuned e5-small: the rebuilt base encoder + a small trained delta.

The frozen-embedding model (`voc.sentiment.v1`) tops out near a character TF-IDF baseline;
fine-tuning the encoder's upper layers reads negation, contrast and context that n-grams
miss. Only the trained delta ships (`delta.safetensors`: the upper layers in fp16 + the
head); the base comes from `voc models build-base`, checked by its source hash. Trained by
`python -m training.finetune_sentiment --mode top` (see the model card).

Optionally the folder also holds a linear model (`linear/`, a `voc.sentiment.v1`: character
TF-IDF, with or without the frozen encoder's embedding): the two are pooled as
`softmax(a * net logits + b * log p_linear)`, with `a`, `b` fitted on held-out data
(`calibrate`). N-grams and the fine-tuned encoder make different mistakes, so the pool beats
either alone.

Or (sentiment-v3) it also holds per-source TF-IDF experts behind a source gate
(`experts/`, `voc.models.sentiment_experts`), pooled per source, with the gate's `other`
share (text like none of the sources: bank feedback) on the general pool above:
`Σ_g gate_g · softmax(a_g * net logits + b_g * log p_expert_g) + gate_other · p_general`.

The network reads raw text and runs its own forward pass (one more encoder pass per text);
`needs_embeddings` is True only when the linear part uses the analyzer's embeddings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from voc.models.base_build import DELTA_FILE
from voc.models.sentiment import LABELS, softmax

NAME = "voc.sentiment.ft"


def sentiment_net(encoder, n_labels: int = len(LABELS)):  # type: ignore[no-untyped-def]
    """Encoder + mean pooling over tokens + dropout + linear head (training and serving)."""
    import torch

    class SentimentNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(encoder.config.hidden_size, n_labels)

        def forward(self, input_ids, attention_mask):  # type: ignore[no-untyped-def]
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0].float()
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return SentimentNet()


class FinetunedSentiment:
    """3-class sentiment from a fine-tuned encoder delta over the rebuilt e5 base.

    Args:
        folder: the model folder (`config.json`, `delta.safetensors`, `MODEL_CARD.md`).
        base: the rebuilt base folder (None: build or reuse it in the models cache).
        batch_size: texts per forward pass (sorted by length to cut padding).
        threads: torch intra-op threads (None: leave torch's setting).
        dtype: encoder weights precision ("auto" as `VOC_ENCODER_DTYPE`: bfloat16 on AMX
            CPUs); pooling and the head stay float32.
    """

    def __init__(
        self,
        folder: Path,
        base: Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        dtype: str = "float32",
    ) -> None:
        self.folder = Path(folder)
        self.base = base
        self.batch_size = batch_size
        self.threads = threads
        self.dtype = dtype

    @classmethod
    def load(
        cls,
        folder: Path,
        base: Path | None = None,
        threads: int | None = None,
        dtype: str = "float32",
    ) -> FinetunedSentiment:
        """Read the config and delta, check the base they were trained on, build the net."""
        return cls(folder, base, threads=threads, dtype=dtype)._load()

    def _load(self) -> FinetunedSentiment:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from voc.models.base_build import build_base, check_trained_on
        from voc.models.encoders import load_delta, resolve_dtype
        from voc.models.sentiment import SentimentClassifier
        from voc.models.sentiment_experts import SourceExperts

        config = json.loads((self.folder / "config.json").read_text(encoding="utf-8"))
        if config.get("name") != NAME:
            raise ValueError(f"{self.folder}: model {config.get('name')!r} is not {NAME!r}")
        recipe = config["recipe"]
        if recipe["mode"] == "lora":
            raise ValueError(f"{self.folder}: LoRA deltas are not supported at run time")
        base = self.base or build_base().path
        check_trained_on(base, config["base"]["source_sha256"], self.folder)
        if self.threads:
            torch.set_num_threads(self.threads)
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(base))
        net = sentiment_net(AutoModel.from_pretrained(str(base)))
        delta_path = self.folder / DELTA_FILE
        load_delta(net, delta_path)
        self.dtype_ = resolve_dtype(self.dtype)
        if self.dtype_ == "bfloat16":
            net.encoder.to(torch.bfloat16)
        self.net_ = net.eval()
        self.prefix_ = config.get("prefix", "")
        self.max_len_ = int(recipe["max_len"])
        self.weights_ = tuple(float(w) for w in config.get("weights", (1.0, 0.0)))
        linear = config.get("linear")
        self.linear_ = SentimentClassifier.load(self.folder / linear) if linear else None
        experts = config.get("experts")
        self.experts_ = SourceExperts.load(self.folder / experts) if experts else None
        if self.experts_ is not None:
            self.source_weights_ = np.asarray(config["source_weights"], dtype=np.float32)
        self.classes_ = list(config["labels"])
        self.delta_sha1_ = hashlib.sha1(delta_path.read_bytes()).hexdigest()
        self._set_digest()
        return self

    def _set_digest(self) -> None:
        digest = hashlib.sha1(self.delta_sha1_.encode())
        digest.update(np.asarray(self.weights_, dtype=np.float32).tobytes())
        if self.linear_ is not None:
            digest.update(self.linear_.version.encode())
        if self.experts_ is not None:
            digest.update(self.experts_.version.encode())
            digest.update(self.source_weights_.tobytes())
        self.digest_ = digest.hexdigest()[:10]

    @property
    def needs_embeddings(self) -> bool:
        """Whether `predict_proba` needs the encoder's embeddings (its linear part uses them)."""
        return self.linear_ is not None and bool(self.linear_.embedding_scale)

    @property
    def version(self) -> str:
        """Name plus a digest of delta, weights and TF-IDF part: a retrained model re-analyses."""
        return f"{NAME}:{getattr(self, 'digest_', 'unloaded')}"

    def _check_loaded(self) -> None:
        if not hasattr(self, "net_"):
            raise RuntimeError("FinetunedSentiment is not loaded; use FinetunedSentiment.load()")

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw head outputs [n, 3] (before the pooling weights)."""
        import torch

        self._check_loaded()
        prepared = [self.prefix_ + str(t).strip() for t in texts]
        out = np.zeros((len(prepared), len(LABELS)), dtype=np.float32)
        order = np.argsort([len(t) for t in prepared], kind="stable")
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                batch = self.tokenizer_(
                    [prepared[i] for i in rows],
                    padding=True,
                    truncation=True,
                    max_length=self.max_len_,
                    return_tensors="pt",
                )
                out[rows] = self.net_(batch["input_ids"], batch["attention_mask"]).numpy()
        return out

    def parts(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(net logits, linear part's log-probabilities or zeros) before pooling."""
        net = self.logits(texts)
        if self.linear_ is None:
            return net, np.zeros_like(net)
        if self.needs_embeddings and embeddings is None:
            raise ValueError("this model's linear part needs the texts' embeddings")
        return net, np.log(self.linear_.predict_proba(list(texts), embeddings) + 1e-9)

    def calibrate(
        self, texts: Sequence[str], labels: Sequence[int], embeddings: np.ndarray | None = None
    ) -> FinetunedSentiment:
        """Fit the pooling weights (a temperature when there is no linear part; a pair per
        source with experts) on held-out texts by log loss."""
        from scipy.optimize import minimize

        y = np.asarray(labels)
        rows = np.arange(len(y))
        net, linear = self.parts(texts, embeddings)

        def nll(weights: np.ndarray) -> float:
            p = softmax(weights[0] * net + weights[1] * linear)
            return float(-np.log(p[rows, y] + 1e-12).mean())

        bounds = [(0.01, 20.0), (0.0, 20.0) if self.linear_ is not None else (0.0, 0.0)]
        found = minimize(nll, x0=np.array([1.0, 0.0]), bounds=bounds, method="L-BFGS-B")
        self.weights_ = (float(found.x[0]), float(found.x[1]))
        if self.experts_ is not None:  # then per source, the general pool held fixed
            gate, expert_log = self.experts_.parts(texts)
            general = self.pool(net, linear)
            n = expert_log.shape[1]

            def expert_nll(flat: np.ndarray) -> float:
                p = pool_experts(net, gate, expert_log, flat.reshape(n, 2), general)
                return float(-np.log(p[rows, y] + 1e-12).mean())

            start = np.tile([0.5, 0.5], n)
            bounds = [(0.01, 20.0)] * (2 * n)
            found = minimize(expert_nll, start, bounds=bounds, method="L-BFGS-B")
            self.source_weights_ = found.x.reshape(n, 2).astype(np.float32)
        self._set_digest()
        return self

    def predict_proba(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated probabilities [n, 3] in LABELS order (`embeddings`: kind "query", one
        row per text; only read when `needs_embeddings`)."""
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        self._check_loaded()
        net, linear = self.parts(texts, embeddings)
        if self.experts_ is not None:
            gate, expert_log = self.experts_.parts(texts)
            general = self.pool(net, linear)
            return pool_experts(net, gate, expert_log, self.source_weights_, general).astype(
                np.float32
            )
        return self.pool(net, linear)

    def pool(self, net: np.ndarray, linear: np.ndarray) -> np.ndarray:
        """Probabilities from `parts` output, with the fitted pooling weights."""
        return softmax(self.weights_[0] * net + self.weights_[1] * linear)

    def predict(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> list[str]:
        """Most likely label per text."""
        return [LABELS[i] for i in self.predict_proba(texts, embeddings).argmax(axis=1)]


def pool_experts(
    net: np.ndarray,
    gate: np.ndarray,
    expert_log: np.ndarray,
    weights: np.ndarray,
    general: np.ndarray | None = None,
) -> np.ndarray:
    """Σ_g gate_g · softmax(a_g · net + b_g · log p_expert_g) + gate_other · general.

    `weights` [sources, 2] = (a, b): each source's expert is pooled with the network at its
    own strength. `general` (probabilities [n, 3]) scores the gate's last, expert-less
    column when the gate has one (text like none of the sources)."""
    out = np.zeros(net.shape, dtype=np.float64)
    net64, gate64, expert64 = (x.astype(np.float64) for x in (net, gate, expert_log))
    for g, (a, b) in enumerate(weights):  # float64: the weight fit differentiates numerically
        out += gate64[:, g : g + 1] * softmax(a * net64 + b * expert64[:, g])
    if gate.shape[1] > len(weights):
        if general is None:
            raise ValueError("the gate has an 'other' column: pass the general model's scores")
        out += gate64[:, len(weights) :].sum(axis=1, keepdims=True) * general
    return out
