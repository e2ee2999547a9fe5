"""Synthetic traffic stands above the service: only the entry points may import it."""

import ast
from pathlib import Path

import clearance

ROOT = Path(clearance.__file__).parent
ENTRY_POINTS = {ROOT / "cli.py", ROOT / "embedded.py"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_no_service_module_imports_the_synthetic_package() -> None:
    service = [
        path
        for path in ROOT.rglob("*.py")
        if path not in ENTRY_POINTS and ROOT / "synthetic" not in path.parents
    ]
    assert len(service) > 50
    offenders = [
        str(path.relative_to(ROOT))
        for path in service
        if any(name.startswith("clearance.synthetic") for name in _imports(path))
    ]
    assert offenders == []


def test_synthetic_modules_import_no_private_name_of_each_other() -> None:
    for path in (ROOT / "synthetic").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        private = [
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("clearance")
            for alias in node.names
            if alias.name.startswith("_")
        ]
        assert private == [], path.name


def test_synthetic_modules_and_functions_stay_small() -> None:
    for path in (ROOT / "synthetic").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) < 400, path.name
        long = [
            node.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (node.end_lineno or node.lineno) - node.lineno + 1 > 60
        ]
        assert long == [], path.name
