"""Which file column feeds which field: canonical names, Chinese aliases, user mappings.

Canonical column names work with no mapping file. A mapping (YAML/JSON file or `--map`
flags) names the file's header for a canonical field; `text` may name several columns when a
survey has several free-text questions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voc.ingest.errors import FileError
from voc.ingest.values import zone

SURVEY_ALIASES: dict[str, tuple[str, ...]] = {
    "response_id": ("问卷编号", "答卷编号", "答卷id", "编号", "序号", "id"),
    "submitted_at": ("提交时间", "填写时间", "答题时间", "时间", "日期", "created_at"),
    "csat": ("满意度", "满意度评分", "总体满意度", "满意度(1-5)"),
    "nps": ("推荐意愿", "推荐度", "净推荐值", "推荐意愿(0-10)", "推荐指数"),
    "text": ("意见", "评价", "反馈", "反馈内容", "您的意见", "意见反馈", "评论", "回答"),
    "suggestion": ("建议", "改进建议", "其他建议", "意见建议"),
    "channel": ("渠道", "来源渠道", "调查渠道"),
    "touchpoint": ("触点", "业务环节", "业务类型"),
    "customer_id": ("客户号", "客户编号", "客户id", "用户id"),
    "product": ("产品", "产品名称"),
    "branch": ("网点", "支行", "网点名称"),
}

APP_REVIEW_ALIASES: dict[str, tuple[str, ...]] = {
    "review_id": ("评论id", "评论编号", "编号", "id"),
    "created_at": ("时间", "日期", "评论时间", "发布时间", "date"),
    "rating": ("评分", "星级", "打分", "score"),
    "title": ("标题",),
    "text": ("内容", "评论", "评论内容", "评价内容", "正文", "body", "content", "review"),
    "app_version": ("版本", "版本号", "应用版本", "version"),
    "store": ("应用商店", "商店", "平台", "来源"),
    "app": ("应用", "应用名称", "app名称"),
}

COMPLAINT_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("工单号", "工单编号", "投诉编号", "投诉单号", "编号"),
    "opened_at": ("受理时间", "投诉时间", "创建时间", "登记时间", "提交时间"),
    "first_response_at": ("首次响应时间", "响应时间", "首次回复时间", "首次联系时间"),
    "closed_at": ("结案时间", "办结时间", "关闭时间", "完成时间"),
    "category": ("投诉类别", "类别", "问题分类", "投诉分类"),
    "channel": ("渠道", "投诉渠道", "来源渠道"),
    "status": ("状态", "工单状态", "处理状态"),
    "text": ("投诉内容", "内容", "问题描述", "诉求", "客户诉求"),
    "resolution": ("处理结果", "处理意见", "解决方案", "回复内容", "处理情况"),
    "customer_id": ("客户号", "客户编号", "客户id"),
    "product": ("产品", "业务品种"),
    "branch": ("网点", "支行", "承办网点"),
}


def _key(header: str) -> str:
    return "".join(header.split()).lower().lstrip("\ufeff")


@dataclass
class ColumnMapping:
    """User overrides: canonical field -> file column name(s), plus an optional time zone."""

    columns: dict[str, list[str]] = field(default_factory=dict)
    timezone: str | None = None

    @classmethod
    def from_file(cls, path: Path) -> ColumnMapping:
        """Load `{columns: {field: header | [headers]}, timezone: ...}` from YAML or JSON."""
        import yaml

        try:
            text = path.read_text(encoding="utf-8-sig")
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise FileError(f"{path}: cannot read mapping file ({exc})") from exc
        except (ValueError, yaml.YAMLError) as exc:
            raise FileError(f"{path}: mapping file is not valid JSON/YAML ({exc})") from exc
        if not isinstance(data, dict):
            raise FileError(f"{path}: mapping must be an object with a 'columns' key")
        columns = data.get("columns") or {}
        if not isinstance(columns, dict):
            raise FileError(f"{path}: 'columns' must map field names to column names")
        parsed: dict[str, list[str]] = {}
        for name, value in columns.items():
            headers = [value] if isinstance(value, str) else value
            names_ok = isinstance(headers, list) and all(isinstance(h, str) for h in headers)
            if not names_ok or not headers:
                raise FileError(f"{path}: column for {name!r} must be a name or a list of names")
            parsed[str(name)] = headers
        timezone = data.get("timezone")
        if timezone is not None:
            try:
                zone(str(timezone))
            except ValueError as exc:
                raise FileError(f"{path}: {exc}") from exc
        return cls(columns=parsed, timezone=str(timezone) if timezone else None)

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], base: ColumnMapping | None = None) -> ColumnMapping:
        """Add `field=column` pairs from the command line (repeat a field for several columns).

        A field named on the command line replaces that field's columns from `base`.
        """
        added: dict[str, list[str]] = {}
        for pair in pairs:
            name, sep, column = pair.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise FileError(f"--map expects FIELD=COLUMN, got {pair!r}")
            added.setdefault(name.strip(), []).append(column.strip())
        columns = {k: list(v) for k, v in base.columns.items()} if base else {}
        return cls({**columns, **added}, base.timezone if base else None)


class ColumnResolver:
    """Resolve one file's headers to canonical fields, once per distinct header set."""

    def __init__(
        self, aliases: Mapping[str, tuple[str, ...]], mapping: ColumnMapping | None = None
    ) -> None:
        self._aliases = aliases
        self._mapping = mapping or ColumnMapping()
        unknown = set(self._mapping.columns) - set(aliases)
        if unknown:
            raise FileError(
                f"mapping names unknown fields {sorted(unknown)}; valid: {sorted(aliases)}"
            )
        self._cache: dict[tuple[bool | str, ...], dict[str, list[str]]] = {}

    def resolve(self, headers: Iterable[str], *, strict: bool = True) -> dict[str, list[str]]:
        """Canonical field -> the file headers that feed it (user mapping wins over aliases).

        With `strict` (a fixed header) a mapped column that is absent fails the file; without
        it (JSON records, whose keys vary per row) the column is just left out.
        """
        headers = tuple(headers)
        cached = self._cache.get((strict, *headers))
        if cached is not None:
            return cached
        by_key = {_key(h): h for h in headers}
        resolved: dict[str, list[str]] = {}
        for name, wanted in self._mapping.columns.items():
            missing = [w for w in wanted if _key(w) not in by_key]
            if missing and strict:
                raise FileError(f"mapped column(s) {missing} not in header {list(headers)}")
            found = [by_key[_key(w)] for w in wanted if _key(w) in by_key]
            if found:
                resolved[name] = found
        # A column the user mapped, or one an earlier field took, is not reused by an alias.
        taken = {_key(h) for found in resolved.values() for h in found}
        for name, aliases in self._aliases.items():
            if name in self._mapping.columns:
                continue
            for candidate in (name, *aliases):
                if _key(candidate) in by_key and _key(candidate) not in taken:
                    resolved[name] = [by_key[_key(candidate)]]
                    taken.add(_key(candidate))
                    break
        self._cache[(strict, *headers)] = resolved
        return resolved
