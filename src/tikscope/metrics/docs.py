"""docs/metrics.md, generated from the registry.

Regenerate with `.venv/bin/python -m tikscope.metrics.docs > docs/metrics.md` (or `make docs`);
a test fails when the file is stale.
"""

from __future__ import annotations

from tikscope.metrics.model import Scope
from tikscope.metrics.registry import METRICS, POST_COLUMNS

HEADER = """# Metrics

Generated from `src/tikscope/metrics/registry.py` by `make docs`; do not edit by hand.

Every number tikscope shows for an account is one of these metrics, computed for one account and
one period (days in the account's time zone; see docs/reconciliation.md for why a number can
differ from TikTok Studio's). "Business only" metrics read "not available for personal accounts"
on personal accounts, never 0. Engagement's multiplier (100 or 1000) and denominator (reach,
views or followers) are settings, and every output names the formula it used.
"""


def render_metrics_markdown() -> str:
    """The whole of docs/metrics.md."""
    lines = [HEADER, "## Scopes", ""]
    lines += [f"- **{scope.name.lower()}**: {scope.value}." for scope in Scope]
    sections = dict.fromkeys(metric.section for metric in METRICS)
    for section in sections:
        lines += ["", f"## {section.capitalize()}", ""]
        lines += [
            "| metric | label | meaning | unit | scope | over days | over posts | sources "
            "| accounts |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for metric in (m for m in METRICS if m.section == section):
            sources = ", ".join(f"`{source}`" for source in metric.sources)
            accounts = "business only" if metric.business_only else "business and personal"
            lines.append(
                f"| `{metric.name}` | {metric.label} | {metric.description} | {metric.unit.value} "
                f"| {metric.scope.name.lower()} | {metric.over_days} | {metric.over_posts} "
                f"| {sources} | {accounts} |"
            )
    lines += ["", "## List of posts: columns", "", "| column | label | meaning | unit | accounts |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for column in POST_COLUMNS:
        accounts = "business only" if column.business_only else "business and personal"
        lines.append(
            f"| `{column.name}` | {column.label} | {column.description} | {column.unit.value} "
            f"| {accounts} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_metrics_markdown(), end="")
