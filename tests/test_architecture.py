"""The house rules, read from the source: who may import whom, and how big things may grow.

- only ``oligomet.tracking`` imports mlflow;
- ``tracking`` imports nothing above it (no library subpackage, no report, no workflow, no CLI);
- no library module imports the CLI, the workflow layer, the report or tracking;
- ``report`` (built from runs read back through tracking) imports neither the workflow nor the
  CLI;
- no module is over 700 lines, no function over 80 lines of code (docstrings, comments and blank
  lines excluded).

Imports are read with :mod:`ast`, wherever they sit (module level or inside a function), so a
lazy import counts as much as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oligomet"
LIBRARY = ("datasets", "evaluation", "io", "labels", "models", "pp", "signatures", "snf")
ABOVE_TRACKING = (*LIBRARY, "report", "workflow", "cli")
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80


def _modules(root: Path = PACKAGE) -> list[Path]:
    return sorted(root.rglob("*.py"))


def _name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute (relative imports resolved), with its line."""
    tree = ast.parse(path.read_text())
    name = _name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from . import cli`` names a submodule in the alias.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "oligomet" else parts[0]


def _violations(check, root: Path = PACKAGE) -> list[str]:
    problems = {}
    for path in _modules(root):
        source = _layer(_name(path, root))
        for line, target in _imports(path, root):
            message = check(source, target)
            where = f"{path.relative_to(root.parent)}:{line}"
            if message and where not in problems:  # one report per import statement
                problems[where] = f"{where} imports {target}: {message}"
    return list(problems.values())


def _tracking_above(source, target):
    if source == "tracking" and target.startswith("oligomet.") and _layer(target) in ABOVE_TRACKING:
        return "tracking depends on nothing above it"
    return None


def _mlflow_outside_tracking(source, target):
    if target.split(".")[0] == "mlflow" and source != "tracking":
        return "only oligomet.tracking may import mlflow"
    return None


def _library_upwards(source, target):
    if source in LIBRARY and target.startswith("oligomet."):
        if _layer(target) in ("cli", "workflow", "report", "tracking"):
            return "a library module imports a layer above the library"
    return None


def _report_upwards(source, target):
    if source == "report" and target.startswith("oligomet."):
        if _layer(target) in ("cli", "workflow"):
            return "the report reads runs; it never imports the workflow or the CLI"
    return None


def test_only_tracking_imports_mlflow():
    assert _violations(_mlflow_outside_tracking) == []


def test_tracking_imports_nothing_above_it():
    assert _violations(_tracking_above) == []


def test_library_never_imports_cli_workflow_or_tracking():
    assert _violations(_library_upwards) == []


def test_the_report_never_imports_workflow_or_cli():
    assert _violations(_report_upwards) == []


def test_the_rules_catch_violations(tmp_path):
    """The checks can fail: planted imports in a copy of the layout are all found."""
    root = tmp_path / "oligomet"
    for folder in ("models", "tracking", "workflow"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "models" / "_bad.py").write_text("from ..workflow import train\nimport mlflow\n")
    (root / "tracking" / "_bad.py").write_text("def f():\n    from ..models import make_model\n")
    assert len(_violations(_library_upwards, root)) == 1
    assert len(_violations(_mlflow_outside_tracking, root)) == 1
    assert _violations(_tracking_above, root) == [
        "oligomet/tracking/_bad.py:2 imports oligomet.models: tracking depends on nothing above it"
    ]


def _code_lines(node: ast.AST, lines: list[str]) -> int:
    body = getattr(node, "body", [])
    span = set(range(node.lineno, node.end_lineno + 1))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            span -= set(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i in span if lines[i - 1].strip() and not lines[i - 1].strip().startswith("#"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    text = path.read_text()
    lines = text.splitlines()
    assert len(lines) <= MAX_MODULE_LINES, f"{path.name}: {len(lines)} lines; split it"
    long = [
        f"{node.name} ({_code_lines(node, lines)} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _code_lines(node, lines) > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines of code: {long}"
