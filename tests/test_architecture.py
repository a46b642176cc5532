"""The gait core stays pure: numpy/scipy only, no video, web or database code, no file access."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "midstance" / "core"
ALLOWED_TOP = {
    "numpy",
    "scipy",
    "midstance",
    "__future__",
    "math",
    "dataclasses",
    "typing",
    "collections",
    "functools",
    "logging",
    "types",
    "json",
    "csv",
    "io",
    "enum",
    "itertools",
    "statistics",
}
ALLOWED_MIDSTANCE = ("midstance.core", "midstance.errors", "midstance.settings")
FILE_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink"}


def test_core_imports_only_pure_modules() -> None:
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED_TOP, f"{path.name} imports {name}"
                if top == "midstance":
                    assert name.startswith(ALLOWED_MIDSTANCE), f"{path.name} imports {name}"


def test_core_touches_no_files() -> None:
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                assert name not in FILE_CALLS, f"{path.name}:{node.lineno} calls {name}"
