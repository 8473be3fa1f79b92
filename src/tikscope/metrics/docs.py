"""docs/metrics.md, generated from the registry.

Regenerate with `.venv/bin/python -m tikscope.metrics.docs > docs/metrics.md` (or `make docs`);
a test fails when the file is stale.
"""

from __future__ import annotations

from tikscope.metrics import registry
from tikscope.metrics.model import Scope
from tikscope.metrics.registry import POST_COLUMNS
from tikscope.sources.catalog import sources_of

HEADER = """# Metrics

Generated from `src/tikscope/metrics/registry.py` by `make docs`; do not edit by hand.

Every number tikscope shows for an account is one of these metrics, computed for one account and
one period (days in the account's time zone; see docs/reconciliation.md for why a number can
differ from TikTok Studio's). Whether a metric has a value depends on what the store holds for
the account and period, not on the account's type: a missing value is never shown as 0, and its
reason names what would provide it (the "provided by" column). Engagement's multiplier (100 or
1000) and denominator (reach, views or followers) are settings, and every output names the
formula it used.

Kinds: **simple** (one aggregate over the scope's rows), **ratio** (one aggregate divided by
another), **derived** (computed from other metrics' values, whose names it lists).
"""


def render_metrics_markdown() -> str:
    """The whole of docs/metrics.md."""
    lines = [HEADER, "## Scopes", ""]
    lines += [f"- **{scope.name.lower()}**: {scope.value}." for scope in Scope]
    for section in registry.metric_sections():
        lines += ["", f"## {section.capitalize()}", ""]
        lines += [
            "| metric | label | meaning | unit | kind | scope | over days | over posts | data "
            "| provided by |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for metric in (m for m in registry.METRICS if m.section == section):
            data = ", ".join(f"`{name}`" for name in (*metric.sources, *metric.inputs))
            lines.append(
                f"| `{metric.name}` | {metric.label} | {metric.description} | {metric.unit.value} "
                f"| {metric.kind.value} | {metric.scope.name.lower()} | {metric.over_days} "
                f"| {metric.over_posts} | {data} | {providers(metric.sources)} |"
            )
    lines += ["", "## List of posts: columns", ""]
    lines += [
        "| column | label | meaning | unit | provided by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for column in POST_COLUMNS:
        lines.append(
            f"| `{column.name}` | {column.label} | {column.description} | {column.unit.value} "
            f"| {providers(column.sources) if column.sources else 'every source of posts'} |"
        )
    return "\n".join(lines) + "\n"


def providers(sources: tuple[str, ...]) -> str:
    """The sources that provide a metric's data, in words ("from its inputs" when none)."""
    if not sources:
        return "from its inputs"
    return ", ".join(source.label for source in sources_of(sources)) or "—"


if __name__ == "__main__":
    print(render_metrics_markdown(), end="")
