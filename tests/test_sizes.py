"""The size check names what is too long and passes what is not."""

import subprocess
import sys
from pathlib import Path

from tests import sizes


def _function(name: str, body_lines: int) -> str:
    return f"def {name}() -> None:\n" + "    x = 1\n" * (body_lines - 1)


def test_a_long_function_and_a_long_module_are_named(tmp_path: Path) -> None:
    (tmp_path / "fine.py").write_text(_function("short", 60))
    (tmp_path / "long.py").write_text(_function("short", 60) + _function("too_long", 61))
    (tmp_path / "big.py").write_text("x = 1\n" * 401)

    problems = sizes.check([tmp_path])

    assert problems == [
        f"{tmp_path / 'big.py'}: 401 lines (at most 400)",
        f"{tmp_path / 'long.py'}:61: too_long is 61 lines (at most 60)",
    ]
    assert sizes.main([str(tmp_path)]) == 1


def test_migrations_are_history_and_are_left_out(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_initial.py").write_text(_function("upgrade", 400))

    assert sizes.check([tmp_path]) == []
    assert sizes.main([str(tmp_path)]) == 0


def test_the_command_exits_non_zero_on_a_break_so_make_lint_fails(tmp_path: Path) -> None:
    (tmp_path / "fine.py").write_text(_function("short", 60))
    command = [sys.executable, "-m", "tests.sizes", str(tmp_path)]
    root = Path(__file__).parents[1]

    assert subprocess.run(command, cwd=root, capture_output=True).returncode == 0

    (tmp_path / "long.py").write_text(_function("too_long", 61))
    broken = subprocess.run(command, cwd=root, capture_output=True, text=True)

    assert broken.returncode == 1
    assert "too_long is 61 lines" in broken.stdout
