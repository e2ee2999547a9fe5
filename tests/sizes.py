"""`make lint`'s size check: a module of the service over 400 lines or a function over 60 is
one to split by responsibility. Migrations are history, written once, and are left out.

    python -m tests.sizes clearance workers
"""

import ast
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
EXEMPT = ("migrations/versions",)


def oversized(path: Path) -> Iterator[str]:
    source = path.read_text(encoding="utf-8")
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        yield f"{path}: {lines} lines (at most {MAX_MODULE_LINES})"
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield (
                    f"{path}:{node.lineno}: {node.name} is {length} lines "
                    f"(at most {MAX_FUNCTION_LINES})"
                )


def check(roots: Sequence[Path]) -> list[str]:
    files = sorted(p for root in roots for p in root.rglob("*.py"))
    return [
        problem
        for path in files
        if not any(part in path.as_posix() for part in EXEMPT)
        for problem in oversized(path)
    ]


def main(argv: Sequence[str]) -> int:
    problems = check([Path(arg) for arg in argv])
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
