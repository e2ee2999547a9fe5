"""Paper and UCR numbers stay unique in a process however many declarations it makes."""

import random

from clearance.synthetic.declarations import unique


def test_a_number_space_that_runs_out_still_gives_unique_numbers() -> None:
    rng = random.Random(1)

    made = [unique(rng, lambda r: f"RUNS-OUT-{r.randrange(3)}") for _ in range(12)]

    assert len(set(made)) == 12
    assert {"RUNS-OUT-0", "RUNS-OUT-1", "RUNS-OUT-2"} <= set(made)
    assert all(n.startswith("RUNS-OUT-") for n in made)
