"""`loadtests.writer_cost --compare`: the sets written in turn both ways, each way's figures."""

import json
import subprocess
import sys

from loadtests.bench_services import REPO_ROOT
from tests.conftest import PG_ADMIN_URL


def test_compare_writes_sets_in_one_statement_and_per_table_and_counts_each() -> None:
    admin_url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    command = [sys.executable, "-m", "loadtests.writer_cost", "--sets", "50", "--set-size", "2"]
    command += ["--compare", "--pg-admin-url", admin_url, "--database-prefix", "test_writer_cost"]

    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=300
    )

    result = json.loads(done.stdout)
    assert result["set_size"] == 2
    for way in ("one_statement", "per_table"):  # 25 sets of 2 each, in turn
        assert result[way]["lodgements"] == 50 and result[way]["refused"] == 0
        assert result[way]["writer_cpu_ms_per_lodgement"] > 0
