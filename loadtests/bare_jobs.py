"""The benchmark's bare RQ job, and how to enqueue many of it at once."""

from redis import Redis
from rq import Queue

NOOP_JOB = "loadtests.bare_jobs.noop"
ENQUEUE_CHUNK = 1000  # jobs per pipeline: one round trip each, and bounded memory
# As the service's screening jobs (clearance/queues.py): the same bookkeeping in Redis.
JOB_TIMEOUT_SECONDS = 60
RESULT_TTL_SECONDS = 3600


def noop() -> None:
    """Nothing: what RQ costs per job on its own."""


def enqueue_noops(*, redis: Redis, queue_name: str, count: int) -> list[str]:
    """`count` no-op jobs on `queue_name`, in pipelined chunks; their ids."""
    queue = Queue(queue_name, connection=redis)
    ids: list[str] = []
    for start in range(0, count, ENQUEUE_CHUNK):
        chunk = [
            Queue.prepare_data(NOOP_JOB, timeout=JOB_TIMEOUT_SECONDS, result_ttl=RESULT_TTL_SECONDS)
            for _ in range(min(ENQUEUE_CHUNK, count - start))
        ]
        with redis.pipeline() as pipeline:
            jobs = queue.enqueue_many(chunk, pipeline=pipeline)
            pipeline.execute()
        ids.extend(job.id for job in jobs)
    return ids
