# ruff: noqa: E501
# (template markup lines are kept whole for readability)
"""Jinja2 templates of the weekly digest (Markdown and self-contained HTML)."""

from __future__ import annotations

from typing import Any

MARKDOWN = """\
# 客户之声周报 Weekly digest {{ d.week }}

全行 (all): {{ d.summary.volume }} items ({{ signed(d.summary.volume_change) }} vs {{ d.previous_week }}), \
negative clauses {{ pct(d.summary.negative_share) }}, NPS {{ num(d.summary.nps) }}, \
CSAT 4–5 {{ pct(d.summary.csat_top2) }}, complaints {{ d.summary.complaints }}, \
first response ≤1 h {{ pct(d.summary.response_within_1h) }}, solved ≤24 h {{ pct(d.summary.close_within_24h) }}.
Intervals are 95%; `*` marks cells with few answers.

## Alerts this week ({{ d.alerts | length }})
{% for a in d.alerts -%}
- **[{{ a.severity }}] {{ a.kind }}** {{ where(a) }} {{ a.period }}{% if a.n_periods > 1 %}…{{ a.last_period }}{% endif %}: \
{{ a.metric }} {{ a.baseline }} → {{ a.current }} (effect {{ a.effect }}){% if a.status == 'acked' %} (acked){% endif %}
{%- if a.over_represented %}; over-represented {{ a.over_represented.dim }}={{ a.over_represented.value }}{% endif %}
{%- if a.keywords %}; keywords: {{ a.keywords | join(' ') }}{% endif %}
{% for q in a.examples %}  > {{ q.text }}
{% endfor %}
{%- else -%}
- none
{% endfor %}
## What hurts most
{% for h in d.hurts_most -%}
{{ loop.index }}. **{{ h.name }}** (`{{ h.touchpoint }}`): {{ h.negative_clauses }} negative clauses, \
share {{ pct(h.negative_share) }}, volume {{ h.volume }} ({{ signed(h.volume_change) }})
{% for q in h.quotes %}   > {{ q.text }}
{% endfor %}
{%- endfor %}
## What is new or growing
{% for a in d.new -%}
- {{ a.kind }} {{ where(a) }}: {{ a.baseline }} → {{ a.current }}
{% endfor -%}
{% for g in d.growing -%}
- **{{ g.name }}** (`{{ g.touchpoint }}`): {{ g.volume }} items vs {{ g.baseline }}/week before (×{{ g.ratio }})
{% endfor -%}
{% if not d.new and not d.growing %}- nothing new
{% endif %}
## Complaints no known problem explains
{% for u in d.unexplained -%}
- **{{ u.keywords[:4] | join(' ') or 'group' }}** ({{ u.touchpoint or 'no touchpoint' }}): {{ u.this_week }} this week, {{ u.size }} since {{ u.first_seen }}; nearest known problem {{ u.nearest_problem or '-' }}{% if u.nearest_score is not none %} (cosine {{ u.nearest_score }}){% endif %}
  > {{ u.example }}
{% else -%}
- {{ d.unexplained_note or "none: this week's unmatched complaints do not group (`voc problems candidates` lists all groups)" }}
{% endfor %}
## What got better
{% for b in d.better -%}
- **{{ b.name }}** (`{{ b.touchpoint }}`): negative share {{ pct(b.negative_share) }} vs {{ "%.0f" | format(100 * b.negative_share_baseline) }}% before
{% endfor -%}
{% for a in d.resolved -%}
- alert ended: {{ a.kind }} {{ where(a) }} ({{ a.period }}…{{ a.last_period }})
{% endfor -%}
{% if not d.better and not d.resolved %}- nothing clearly better
{% endif %}
## Touchpoint scorecard
![trend]({{ charts['trend.png'] }})
![touchpoints]({{ charts['touchpoints.png'] }})
{% if note %}
_{{ note }}_
{% endif %}
| touchpoint | volume | Δ WoW | negative clauses | sentiment | CSAT 4–5 | NPS | complaints |
|---|---:|---:|---:|---:|---:|---:|---:|
{% for s in d.scorecard -%}
| {{ s.name }} (`{{ s.touchpoint }}`) | {{ s.volume }} | {{ signed(s.volume_change) }} | {{ pct(s.negative_share) }} | {{ num(s.sentiment_index) }} | {{ pct(s.csat_top2) }} | {{ num(s.nps) }} | {{ s.complaints }} |
{% endfor %}
{%- if d.topics %}
## Topics this week
{% for t in d.topics -%}
- topic {{ t.topic_id }} {{ t.label or '' }}: {{ t.volume }} items (baseline {{ t.baseline }}/week)
{% endfor %}
{%- endif %}
## Key detractor drivers of NPS ({{ d.drivers.window[0] }}…{{ d.drivers.window[1] }}, n={{ d.drivers.n }})
{% for x in d.drivers.detractors -%}
- {{ x.kind }} `{{ x.name }}`{% if x.label %} {{ x.label }}{% endif %}: {{ "%+.2f" | format(x.effect) }} points \
[{{ "%.2f" | format(x.low) }}, {{ "%.2f" | format(x.high) }}], mentioned by {{ x.n_present }}
{% else -%}
- not enough answers
{% endfor %}
## Flags
- escalation cues (12378, 监管, 媒体, 律师 …): {{ d.flags.escalation_count }}
{% for e in d.flags.escalation %}  > [{{ e.cues | join(', ') }}] {{ e.text }}
{% endfor -%}
- score–text disagreement: {{ d.flags.disagreement_count }}
{% for e in d.flags.disagreement %}  > [{{ e.kind }}, NPS {{ e.nps }}, CSAT {{ e.csat }}] {{ e.text }}
{% endfor %}
"""

HTML = """\
<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>客户之声周报 {{ d.week }}</title>
<style>
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
td:first-child,th:first-child{text-align:left}.high{color:#b00}.medium{color:#c60}.low{color:#666}
blockquote{margin:.2em 0 .2em 1.5em;color:#555;font-size:13px}img{max-width:100%}.note{color:#888;font-size:12px}
</style></head><body>
<h1>客户之声周报 Weekly digest {{ d.week }}</h1>
<p>全行: {{ d.summary.volume }} items ({{ signed(d.summary.volume_change) }} vs {{ d.previous_week }}),
negative clauses {{ pct(d.summary.negative_share) }}, NPS {{ num(d.summary.nps) }},
CSAT 4–5 {{ pct(d.summary.csat_top2) }}, complaints {{ d.summary.complaints }},
≤1 h {{ pct(d.summary.response_within_1h) }}, ≤24 h {{ pct(d.summary.close_within_24h) }}.
Intervals 95%; * = few answers.</p>
<h2>Alerts this week ({{ d.alerts | length }})</h2>
<ul>{% for a in d.alerts %}
<li><b class="{{ a.severity }}">[{{ a.severity }}] {{ a.kind }}</b> {{ where(a) }} {{ a.period }}{% if a.n_periods > 1 %}…{{ a.last_period }}{% endif %}:
{{ a.metric }} {{ a.baseline }} → {{ a.current }} (effect {{ a.effect }}){% if a.status == 'acked' %} (acked){% endif %}
{% if a.over_represented %}; over-represented {{ a.over_represented.dim }}={{ a.over_represented.value }}{% endif %}
{% if a.keywords %}; keywords: {{ a.keywords | join(' ') }}{% endif %}
{% for q in a.examples %}<blockquote>{{ q.text }}</blockquote>{% endfor %}</li>
{% else %}<li>none</li>{% endfor %}</ul>
<h2>What hurts most</h2>
<ol>{% for h in d.hurts_most %}
<li><b>{{ h.name }}</b> ({{ h.touchpoint }}): {{ h.negative_clauses }} negative clauses, share {{ pct(h.negative_share) }}, volume {{ h.volume }} ({{ signed(h.volume_change) }})
{% for q in h.quotes %}<blockquote>{{ q.text }}</blockquote>{% endfor %}</li>{% endfor %}</ol>
<h2>What is new or growing</h2>
<ul>{% for a in d.new %}<li>{{ a.kind }} {{ where(a) }}: {{ a.baseline }} → {{ a.current }}</li>{% endfor %}
{% for g in d.growing %}<li><b>{{ g.name }}</b> ({{ g.touchpoint }}): {{ g.volume }} vs {{ g.baseline }}/week (×{{ g.ratio }})</li>{% endfor %}
{% if not d.new and not d.growing %}<li>nothing new</li>{% endif %}</ul>
<h2>Complaints no known problem explains</h2>
<ul>{% for u in d.unexplained %}<li><b>{{ u.keywords[:4] | join(' ') or 'group' }}</b> ({{ u.touchpoint or 'no touchpoint' }}): {{ u.this_week }} this week, {{ u.size }} since {{ u.first_seen }};
nearest known problem {{ u.nearest_problem or '-' }}{% if u.nearest_score is not none %} (cosine {{ u.nearest_score }}){% endif %}<blockquote>{{ u.example }}</blockquote></li>
{% else %}<li>{{ d.unexplained_note or "none: this week's unmatched complaints do not group" }}</li>{% endfor %}</ul>
<h2>What got better</h2>
<ul>{% for b in d.better %}<li><b>{{ b.name }}</b>: negative share {{ pct(b.negative_share) }} vs {{ "%.0f" | format(100 * b.negative_share_baseline) }}% before</li>{% endfor %}
{% for a in d.resolved %}<li>alert ended: {{ a.kind }} {{ where(a) }} ({{ a.period }}…{{ a.last_period }})</li>{% endfor %}
{% if not d.better and not d.resolved %}<li>nothing clearly better</li>{% endif %}</ul>
<h2>Touchpoint scorecard</h2>
<img id="chart-trend" alt="trend" src="{{ charts['trend.png'] }}">
<img id="chart-touchpoints" alt="touchpoints" src="{{ charts['touchpoints.png'] }}">
{% if note %}<p class="note">{{ note }}</p>{% endif %}
<table><tr><th>touchpoint</th><th>volume</th><th>Δ WoW</th><th>negative clauses</th><th>sentiment</th><th>CSAT 4–5</th><th>NPS</th><th>complaints</th></tr>
{% for s in d.scorecard %}<tr><td>{{ s.name }} ({{ s.touchpoint }})</td><td>{{ s.volume }}</td><td>{{ signed(s.volume_change) }}</td><td>{{ pct(s.negative_share) }}</td><td>{{ num(s.sentiment_index) }}</td><td>{{ pct(s.csat_top2) }}</td><td>{{ num(s.nps) }}</td><td>{{ s.complaints }}</td></tr>
{% endfor %}</table>
{% if d.topics %}<h2>Topics this week</h2><ul>{% for t in d.topics %}<li>topic {{ t.topic_id }} {{ t.label or '' }}: {{ t.volume }} (baseline {{ t.baseline }}/week)</li>{% endfor %}</ul>{% endif %}
<h2>Key detractor drivers of NPS ({{ d.drivers.window[0] }}…{{ d.drivers.window[1] }}, n={{ d.drivers.n }})</h2>
<ul>{% for x in d.drivers.detractors %}<li>{{ x.kind }} {{ x.name }}{% if x.label %} {{ x.label }}{% endif %}: {{ "%+.2f" | format(x.effect) }} [{{ "%.2f" | format(x.low) }}, {{ "%.2f" | format(x.high) }}], n={{ x.n_present }}</li>
{% else %}<li>not enough answers</li>{% endfor %}</ul>
<h2>Flags</h2>
<p>Escalation cues: {{ d.flags.escalation_count }}; score–text disagreement: {{ d.flags.disagreement_count }}</p>
{% for e in d.flags.escalation %}<blockquote>[{{ e.cues | join(', ') }}] {{ e.text }}</blockquote>{% endfor %}
{% for e in d.flags.disagreement %}<blockquote>[{{ e.kind }}] {{ e.text }}</blockquote>{% endfor %}
<p class="note">Generated {{ d.generated_at }}.</p>
</body></html>
"""


def _pct(estimate: dict | None) -> str:
    if not estimate or estimate.get("value") is None:
        return "—"
    text = (
        f"{100 * estimate['value']:.0f}% [{100 * estimate['low']:.0f}–{100 * estimate['high']:.0f}]"
    )
    return text + ("*" if estimate["small"] else "")


def _num(estimate: dict | None) -> str:
    if not estimate or estimate.get("value") is None:
        return "—"
    text = f"{estimate['value']:.0f} [{estimate['low']:.0f}, {estimate['high']:.0f}]"
    return text + ("*" if estimate["small"] else "")


def _signed(value: int | float | None) -> str:
    return "—" if value is None else f"{value:+d}" if isinstance(value, int) else f"{value:+.1f}"


def _where(alert: dict) -> str:
    if alert.get("topic_id") is not None:
        return f"topic {alert['topic_id']} {alert.get('topic_label') or ''}".strip()
    return alert.get("touchpoint") or "all touchpoints"


def _environment(autoescape: bool):  # type: ignore[no-untyped-def]
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True)
    env.globals.update(pct=_pct, num=_num, signed=_signed, where=_where)
    return env


def render_markdown(digest: dict[str, Any], charts: dict[str, str], note: str = "") -> str:
    """Markdown page; `charts` maps chart names to the image file names next to it."""
    return _environment(False).from_string(MARKDOWN).render(d=digest, charts=charts, note=note)


def render_html(digest: dict[str, Any], charts: dict[str, str], note: str = "") -> str:
    """Self-contained HTML page; `charts` maps chart names to data: URIs; `note` under them."""
    return _environment(True).from_string(HTML).render(d=digest, charts=charts, note=note)
