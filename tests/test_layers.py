"""The import contract in pyproject.toml holds, and it fails when a lower layer imports a
higher one (here the declarations importing the officer pages)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in ("clearance", "workers"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("*.csv", "data"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_hold(tmp_path: Path) -> None:
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_import_that_climbs_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    states = tree / "clearance" / "declarations" / "states.py"
    states.write_text(states.read_text() + "\nfrom clearance.web import pages  # noqa\n")

    done = _lint(tree)

    assert done.returncode == 1
    assert "clearance.declarations is not allowed to import clearance.web" in done.stdout
    assert "clearance.declarations.states -> clearance.web.pages" in done.stdout
