"""PNG charts for the digest (matplotlib, Agg backend, no display needed).

No CJK font is installed on the reference machine (`fc-list :lang=zh` is empty), so the
charts label touchpoints by their ASCII taxonomy ids and topics as `topic N`; the digest
text around them carries the Chinese names.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def trend_lines(weeks: Sequence[str], series: Mapping[str, Sequence[float]], title: str) -> bytes:
    """Weekly lines, one per named series (e.g. volume of the top touchpoints)."""
    fig = _figure(8, 3.6)
    ax = fig.add_subplot()
    for name, values in series.items():
        ax.plot(range(len(weeks)), values, marker="o", markersize=3, label=name)
    ax.set_xticks(range(len(weeks)), [w[-3:] for w in weeks], fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("items / week")
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=7, loc="upper left")
    return _png(fig)


def touchpoint_bars(
    names: Sequence[str], negative: Sequence[int], total: Sequence[int], title: str
) -> bytes:
    """Horizontal bars: clauses per touchpoint this week, negative part highlighted."""
    fig = _figure(8, max(2.5, 0.28 * len(names) + 1))
    ax = fig.add_subplot()
    ys = range(len(names))
    ax.barh(ys, total, color="#c8d3e0", label="clauses")
    ax.barh(ys, negative, color="#d9534f", label="negative clauses")
    ax.set_yticks(ys, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)
