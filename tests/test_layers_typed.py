"""No untyped row crosses a layer: metrics → reports → web and cli.

Every function and class that a module of `reports/` imports from `metrics/`, or of `web/` or
`cli/` from `metrics/` or `reports/`, is read with its annotations resolved: no parameter,
return value or dataclass field may be a mapping to `Any` (`dict[str, Any]`, `Mapping[str, Any]`,
a `Row` alias of one), bare `Any`, or a bare `dict`/`list` of unknown content, at any depth and
in any dataclass such a value holds. Rows travel as frozen dataclasses and become JSON only at
the response (`web/render.py`) or the CLI's printing.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import sys
import typing
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tikscope"
# Each layer and the layers below it whose values it receives.
LAYERS = {
    "reports": ("tikscope.metrics",),
    "web": ("tikscope.metrics", "tikscope.reports"),
    "cli": ("tikscope.metrics", "tikscope.reports"),
}


def adapter_imports() -> dict[str, set[str]]:
    """Each module of a lower layer imported by a higher one, with the names imported from it.

    A whole module imported (`from tikscope.reports import account_specs as specs`) counts
    with every public name it defines.
    """
    imported: dict[str, set[str]] = {}
    for folder, below in LAYERS.items():
        for path in sorted((SOURCE / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.ImportFrom) or not node.module:
                    continue
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    if whole.startswith(below) and is_module(whole):
                        imported.setdefault(whole, set()).add("*")
                    elif node.module.startswith(below):
                        imported.setdefault(node.module, set()).add(alias.name)
    return imported


def is_module(name: str) -> bool:
    """Whether `name` is a module of the package (rather than a name inside one)."""
    return (SOURCE.parent / (name.replace(".", "/") + ".py")).exists()


def type_checking_names(module: ModuleType) -> dict[str, Any]:
    """The names a module imports only for type checking (`if TYPE_CHECKING:`), imported here."""
    names: dict[str, Any] = {}
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):  # a module made up in a test has no source
        return names
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            block = ast.Module(body=node.body, type_ignores=[])
            exec(compile(block, module.__name__, "exec"), names)
    return names


def crossing_objects() -> Iterator[tuple[str, Any, ModuleType]]:
    """Every function and class web/ or cli/ imports from the analysis layers, by name."""
    for module_name, names in sorted(adapter_imports().items()):
        module = importlib.import_module(module_name)
        if "*" in names:
            names = names | {
                name for name, value in vars(module).items()
                if not name.startswith("_") and getattr(value, "__module__", None) == module_name
            }  # fmt: skip
        for name in sorted(names - {"*"}):
            value = getattr(module, name)
            if inspect.isfunction(value) or inspect.isclass(value):
                yield f"{module_name}.{name}", value, importlib.import_module(value.__module__)


def annotations_of(value: Any, module: ModuleType) -> dict[str, Any]:
    """A function's parameters and return, or a dataclass's fields and public methods, resolved."""
    namespace = {**type_checking_names(module), **vars(module)}
    if inspect.isfunction(value):
        return hints_of(value, namespace)
    found: dict[str, Any] = {}
    if dataclasses.is_dataclass(value):
        found |= {
            f"field {name}": hint
            for name, hint in typing.get_type_hints(value, globalns=namespace).items()
        }
    for name, method in vars(value).items():
        function = method.fget if isinstance(method, property) else method
        if inspect.isfunction(function) and not name.startswith("_"):
            hints = hints_of(function, namespace)
            found |= {f"{name}.{key}": hint for key, hint in hints.items()}
    return found


def hints_of(function: Any, namespace: dict[str, Any]) -> dict[str, Any]:
    """A function's parameters and return, resolved; without `**options` (keywords, not rows)."""
    hints = typing.get_type_hints(function, globalns=namespace)
    variadic = [
        name for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]  # fmt: skip
    return {name: hint for name, hint in hints.items() if name not in variadic}


def untyped(hint: Any) -> bool:
    """Whether a type is, or holds anywhere, a mapping to Any, bare Any, or a bare dict/list."""
    if hint is Any or hint in (dict, list, Mapping):
        return True
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin in (dict, Mapping) and len(arguments) == 2 and arguments[1] is Any:
        return True
    return any(untyped(argument) for argument in arguments if argument is not Ellipsis)


def untyped_crossings() -> list[str]:
    """`module.name where: type` for every untyped annotation that crosses a layer.

    A dataclass in an annotation is read too (once), so that a page model cannot hold rows that
    are untyped further down.
    """
    found, seen = [], set()
    waiting = list(crossing_objects())
    while waiting:
        name, value, module = waiting.pop()
        if value in seen:
            continue
        seen.add(value)
        for where, hint in annotations_of(value, module).items():
            if untyped(hint):
                found.append(f"{name} {where}: {hint}")
            waiting += [
                (f"{held.__module__}.{held.__qualname__}", held, sys.modules[held.__module__])
                for held in dataclasses_in(hint)
            ]
    return sorted(found)


def dataclasses_in(hint: Any) -> list[type]:
    """The dataclasses a type names, at any depth (`tuple[PostRow, ...] | None`: PostRow)."""
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return [hint]
    return [held for argument in typing.get_args(hint) for held in dataclasses_in(argument)]


def test_untyped_finds_mappings_to_any_at_any_depth() -> None:
    assert [untyped(hint) for hint in (
        dict[str, Any], Mapping[str, Any], list[dict[str, Any]], tuple[int, dict[str, Any]],
        dict[str, Any] | None, Any, dict, list,
    )] == [True] * 8  # fmt: skip
    assert [untyped(hint) for hint in (
        dict[str, int], Mapping[str, tuple[str, ...]], list[int] | None, dict[str, object],
        tuple[str, ...],
    )] == [False] * 5  # fmt: skip


def test_adapters_import_typed_analysis_values() -> None:
    crossing = list(crossing_objects())
    # the check reads what it should: the page models, rows and renderers web/ and cli/ use
    names = {name for name, _, _ in crossing}
    assert {"tikscope.reports.pages.gather_posts", "tikscope.metrics.sections.Demographics",
            "tikscope.reports.tables.posts_table", "tikscope.metrics.run.MetricLine"} <= names  # fmt: skip
    assert untyped_crossings() == []


@pytest.mark.parametrize(
    ("source", "crossing"),
    [
        ("def rows() -> list[dict[str, Any]]: ...", "rows return"),
        ("Row = dict[str, Any]\ndef one(row: Row) -> int: ...", "one row"),
        ("@dataclass(frozen=True)\nclass Page:\n    posts: tuple[dict[str, Any], ...]",
         "Page field posts"),
    ],
)  # fmt: skip
def test_a_new_untyped_row_would_be_found(
    source: str, crossing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = ModuleType("tikscope.metrics.made_up")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(
        "from __future__ import annotations\nfrom dataclasses import dataclass\n"
        f"from typing import Any\n{source}\n",
        vars(module),
    )
    name = crossing.split()[0]
    hints = annotations_of(vars(module)[name], module)
    assert [f"{name} {where}" for where, hint in hints.items() if untyped(hint)] == [crossing]


def test_page_models_become_json_only_at_the_response() -> None:
    from tikscope.metrics.registry import metrics_by_name
    from tikscope.metrics.run import MetricLine
    from tikscope.metrics.sections import Demographics
    from tikscope.web.render import encode_json

    @dataclasses.dataclass(frozen=True)
    class Page:
        lines: tuple[MetricLine, ...]
        day: date
        demographics: Demographics

    line = MetricLine(metrics_by_name()["followers"], 50000.0, None, None)
    page = Page((line,), date(2026, 11, 20), Demographics("the account has 70 followers"))
    # a metric line as `tikscope metrics --format json` writes it (50000, not 50000.0), a date
    # as ISO text, demographics in their JSON shape, not their fields
    assert json.loads(encode_json(page)) == {
        "lines": [{"section": "community", "metric": "followers", "label": "Followers",
                   "value": 50000, "unit": "count", "note": "", "missing": None}],
        "day": "2026-11-20",
        "demographics": {"unavailable": "the account has 70 followers"},
    }  # fmt: skip
    assert b'"value":50000,' in encode_json(page)
