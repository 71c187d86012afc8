"""Small real-shaped topic data: short Chinese complaints around clear embedding clusters."""

from __future__ import annotations

import numpy as np

THEMES: dict[str, list[str]] = {
    "transfer": [
        "转账失败提示系统繁忙",
        "跨行转账一直转圈",
        "转账到账太慢了",
        "转账超时交易结果未知",
        "升级后转账总是失败",
    ],
    "instalment": [
        "信用卡分期手续费太高",
        "账单分期手续费计算复杂",
        "分期利率说得不清楚",
        "分期手续费比说的多",
        "分期费率不透明",
    ],
    "login": [
        "人脸识别登录失败",
        "登录老是闪退",
        "指纹登录用不了",
        "登录验证码收不到",
        "登录密码锁定了",
    ],
    "branch": [
        "网点排队排了两个小时",
        "柜台窗口只开一个",
        "网点柜员态度很差",
        "周末网点排队太久",
        "大堂经理不耐烦",
    ],
}


def make_data(
    per_theme: int = 40, dim: int = 32, noise: float = 0.12, seed: int = 0
) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts, unit embeddings and theme names; each theme sits around its own centre."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(THEMES), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    texts, vectors, names = [], [], []
    for k, (name, phrases) in enumerate(THEMES.items()):
        for i in range(per_theme):
            texts.append(phrases[i % len(phrases)] + ("，真烦人" if i % 4 == 0 else ""))
            vectors.append(centres[k] + noise * rng.normal(size=dim) / np.sqrt(dim))
            names.append(name)
    matrix = np.asarray(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return texts, matrix, names


def fast_parts(seed: int = 0) -> dict:
    """PCA + HDBSCAN instead of UMAP: same slots, no numba compile in tests."""
    from hdbscan import HDBSCAN
    from sklearn.decomposition import PCA

    return {
        "reducer": PCA(n_components=5, random_state=seed),
        "clusterer": HDBSCAN(min_cluster_size=10, metric="euclidean"),
    }
