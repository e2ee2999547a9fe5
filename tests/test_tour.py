"""docs/tour.md runs as written against `clearance run`, demo traffic and all."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from clearance.embedded import free_port

pytestmark = [pytest.mark.slow, pytest.mark.long]
ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "docs" / "tour.md"
# The address and keys file the tour is written for, as `make run` serves and saves them.
DOC_ADDRESS = "127.0.0.1:8000"
DOC_KEYS = ".clearance/keys.txt"
BLOCK_MARK = "@@tour block "
START_SECONDS = 180.0  # the first model is trained before the API starts
TOUR_SECONDS = 300.0


def tour_blocks(markdown: str) -> list[str]:
    """The ```sh blocks between the tour's begin and end markers, in order."""
    tour = markdown.split("<!-- tour:begin -->")[1].split("<!-- tour:end -->")[0]
    return re.findall(r"^```sh\n(.*?)^```$", tour, flags=re.S | re.M)


def expectations(block: str) -> list[list[str]]:
    """Each `# -> a or b` line of a block: one of these must be printed by that block."""
    return [
        line.split("# -> ", 1)[1].strip().split(" or ")
        for line in block.splitlines()
        if line.lstrip().startswith("# -> ")
    ]


def script(blocks: list[str], *, port: int, keys: Path) -> str:
    """The blocks as one bash session, each announced, for this service's address and keys."""
    parts = [f"echo '{BLOCK_MARK}{n}'\n{block}" for n, block in enumerate(blocks)]
    text = "\n".join(parts)
    return text.replace(DOC_ADDRESS, f"127.0.0.1:{port}").replace(DOC_KEYS, str(keys))


def outputs(stdout: str) -> dict[int, str]:
    found = re.split(rf"^{BLOCK_MARK}(\d+)$", stdout, flags=re.M)
    return {int(n): text for n, text in zip(found[1::2], found[2::2], strict=True)}


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_tour_states_what_it_shows() -> None:
    """The blocks exist and promise the steps the text names, so the run below checks them."""
    blocks = tour_blocks(TOUR.read_text())
    promised = {word for block in blocks for one_of in expectations(block) for word in one_of}
    assert len(blocks) >= 8
    assert {"202", "held", "invoice 201", "201", "released", "exited"} <= promised
    assert all(DOC_ADDRESS in block or "$API" in block for block in blocks[1:])


@pytest.mark.parametrize(
    ("service_env", "options"),
    [
        pytest.param({}, [], id="as-it-comes"),
        # Every declaration red: the branch where the officer inspects the goods runs too. Red
        # whatever a model scores, so this run skips training one (as-it-comes trains it).
        pytest.param({"CLEARANCE_RANDOM_RED_SHARE": "1"}, ["--no-model"], id="red"),
    ],
)
def test_the_tour_runs_as_written_beside_the_demo(
    tmp_path: Path, service_env: dict[str, str], options: list[str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PROMETHEUS_")
        and k not in {"CLEARANCE_DATABASE_URL", "CLEARANCE_REDIS_URL", "CLEARANCE_DOCUMENTS_DIR"}
    }
    env.update(service_env)
    data_dir = tmp_path / "data"
    keys = data_dir / "keys.txt"
    command = [sys.executable, "-m", "clearance", "run", "--port", str(port), *options]
    service = subprocess.Popen(
        [*command, "--data-dir", str(data_dir)], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (keys.exists() and _healthy(url)):
            assert service.poll() is None, "clearance run stopped"
            assert time.monotonic() < deadline, "clearance run did not start"
            time.sleep(0.2)
        blocks = tour_blocks(TOUR.read_text())
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script(blocks, port=port, keys=keys)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TOUR_SECONDS,
        )
    finally:
        service.terminate()  # `clearance run` stops its children itself
        service.wait(timeout=30)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    printed = outputs(done.stdout)
    assert sorted(printed) == list(range(len(blocks)))
    for n, block in enumerate(blocks):
        for one_of in expectations(block):
            assert any(word in printed[n] for word in one_of), (n, one_of, printed[n])
