"""How much the processes log: `CLEARANCE_LOG_LEVEL` (INFO unless told; `clearance run` sets
WARNING for its children unless `--verbose`, so that its console shows the demo's lines)."""

import logging
import os

LOG_LEVEL_VARIABLE = "CLEARANCE_LOG_LEVEL"


def log_level() -> str:
    """The level's name, INFO when unset or not a level logging knows."""
    name = os.environ.get(LOG_LEVEL_VARIABLE, "INFO").upper()
    return name if isinstance(logging.getLevelName(name), int) else "INFO"


def configure() -> None:
    logging.basicConfig(level=log_level(), format="%(asctime)s %(name)s %(message)s")
