"""PNG charts for the digest (matplotlib, Agg backend, no display needed).

Chinese labels need a font with CJK glyphs; matplotlib's default (DejaVu Sans) has none and
draws empty boxes. `cjk_font` finds an installed CJK family by name (CI installs Debian's
`fonts-wqy-microhei`); when none is found the caller labels by ASCII taxonomy ids instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache

# Families tried in order: Debian/Ubuntu packages first, then macOS/Windows names.
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)
_LATIN = "DejaVu Sans"  # matplotlib's bundled font, fallback for glyphs the CJK font lacks


@lru_cache(maxsize=1)
def _register_system_fonts() -> None:
    """Add system fonts that matplotlib's cached font list does not know yet.

    matplotlib builds its font cache once; fonts installed afterwards (e.g. by `.ci/run`)
    stay invisible until the cache is rebuilt, so they are registered here instead.
    """
    from matplotlib import font_manager

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # unreadable or unsupported font file: not ours to fix


def _installed_families() -> set[str]:
    from matplotlib import font_manager

    return {entry.name for entry in font_manager.fontManager.ttflist}


@lru_cache(maxsize=8)
def cjk_font(families: tuple[str, ...] = CJK_FAMILIES) -> str | None:
    """The first of `families` that matplotlib can use, or None when none is installed."""
    if not families:
        return None
    found = _installed_families()
    if not any(name in found for name in families):
        _register_system_fonts()
        found = _installed_families()
    return next((name for name in families if name in found), None)


@contextmanager
def _style(font: str | None) -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    families = [font, _LATIN] if font else [_LATIN]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        yield


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def trend_lines(
    weeks: Sequence[str],
    series: Mapping[str, Sequence[float]],
    title: str,
    font: str | None = None,
) -> bytes:
    """Weekly lines, one per named series (e.g. volume of the top touchpoints).

    `font` is a CJK family from `cjk_font` when series names or the title hold Chinese.
    """
    with _style(font):
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
    names: Sequence[str],
    negative: Sequence[int],
    total: Sequence[int],
    title: str,
    font: str | None = None,
) -> bytes:
    """Horizontal bars: clauses per touchpoint this week, negative part highlighted."""
    with _style(font):
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
