"""Lodging: checked on the event loop, stored together with the lodgements that came meanwhile.

A request validates its body, checks its codes against the process's reference snapshot and
hands the lodgement to `GroupCommit`, which writes every lodgement waiting at that moment in
one transaction (`lodging.write`) on a thread of its own, then answers each request. A set
waits `lodging_linger_seconds` (a few milliseconds) for those close behind its first; under
load, those that arrive while a set is being written form the next set. The screening jobs of a
set go to Redis after its commit.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Generic, TypeVar

import anyio

from clearance import db, logs, metrics
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.declarations import lodging, service
from clearance.declarations.lifecycle import Lifecycle
from clearance.declarations.lodgement import Lodged, Lodgement, Outcome, RequestFacts
from clearance.declarations.schemas import DeclarationIn
from clearance.errors import InvalidInput
from clearance.queues import enqueue_screenings
from clearance.reference import service as reference_service
from clearance.reference.service import ReferenceData
from clearance.settings import get_settings

# At most this many lodgements in one transaction; more wait for the next.
MAX_SET = 200

T = TypeVar("T")
R = TypeVar("R")
logger = logging.getLogger(__name__)


class GroupCommit(Generic[T, R]):
    """Items submitted while a set is being written are written together, next.

    `write` runs on one thread of its own, a set at a time, and returns an outcome per item in
    order. Each `submit` returns its item's outcome. A request that goes away meanwhile leaves
    its item in the set: it is written all the same (a retry with its key replays it).
    """

    def __init__(
        self,
        write: Callable[[list[T]], list[R]],
        *,
        max_set: int = MAX_SET,
        linger: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._write = write
        self._max_set = max_set
        self._linger = linger
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._draining: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="clearance-group-commit")

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        draining = self._draining
        # A new loop (a test's client after another's) starts its own drain.
        if draining is None or draining.done() or draining.get_loop() is not loop:
            self._draining = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                if len(self._waiting) < self._max_set and (linger := self._linger()) > 0:
                    # Those close behind join the set: its fixed cost (the round trip, the
                    # driver's work per statement) is shared by more lodgements.
                    await asyncio.sleep(linger)
                batch = self._waiting[: self._max_set]
                self._waiting = self._waiting[self._max_set :]
                items = [item for item, _ in batch]
                try:
                    outcomes = await loop.run_in_executor(self._thread, self._write, items)
                except Exception as exc:  # the writer failed as a whole: every item with it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            if self._draining is asyncio.current_task():
                self._draining = None


def _schedule_screening(created: list[Lodgement]) -> None:
    """After the set's commit: each new declaration's screening job, and the counters."""
    for item in created:  # counted first: a failed enqueue is the sweeper's, not a lost count
        metrics.DECLARATIONS_LODGED.labels(item.declaration_in.kind.value).inc()
    enqueue_screenings([(item.declaration_id, 1, item.trace) for item in created])


def _write_set(items: list[Lodgement]) -> list[Outcome]:
    started = time.thread_time()
    try:
        return lodging.write(items, clock=get_clock(), committed=_schedule_screening)
    finally:
        metrics.LODGING_WRITER_CPU.inc(time.thread_time() - started)


_lodgements: GroupCommit[Lodgement, Outcome] = GroupCommit(
    _write_set, linger=lambda: get_settings().lodging_linger_seconds
)


def _load_reference(today: date) -> ReferenceData:
    with db.new_session(writes=False) as session:
        return reference_service.snapshot(session=session, today=today)


# The snapshot being read, per day: requests that find it stale meanwhile wait for that read.
_loading: dict[date, "asyncio.Future[ReferenceData]"] = {}


async def reference_data(clock: Clock) -> ReferenceData:
    """The process's reference snapshot; read from the database (on a thread) when stale.

    One read at a time: every request that comes while it runs waits for it. Each used to read
    the snapshot itself (a process starting under load: dozens of reads of half a second's CPU
    each, all at once)."""
    today = clock.now().date()
    found = reference_service.fresh_snapshot(today)
    if found is not None:
        return found
    loop = asyncio.get_running_loop()
    loading = _loading.get(today)
    if loading is None or loading.get_loop() is not loop:  # a test's new loop reads its own
        loading = loop.create_task(anyio.to_thread.run_sync(_load_reference, today))
        _loading[today] = loading
        loading.add_done_callback(lambda done: _forget_loading(today, done))
    # Shielded: a request that goes away does not cancel the read the others wait for.
    return await asyncio.shield(loading)


def _forget_loading(today: date, done: "asyncio.Future[ReferenceData]") -> None:
    if _loading.get(today) is done:
        del _loading[today]
    if not done.cancelled():
        done.exception()  # retrieved: raised to each waiter, not logged again as never retrieved


async def lodge(
    *,
    clock: Clock,
    caller: Caller,
    declaration_in: DeclarationIn,
    idempotency_key: str | None,
    facts: RequestFacts,
    lifecycle: Lifecycle,
) -> Lodged:
    """Store a new declaration and queue it for screening; a retry with its key replays it."""
    reference = await reference_data(clock)
    payload, body_sha256 = service.stored_payload(declaration_in)
    reference_error = None
    try:
        service.check_references(reference=reference, declaration_in=declaration_in)
    except InvalidInput as exc:
        reference_error = exc
    outcome = await _lodgements.submit(
        Lodgement(
            caller=caller,
            declaration_in=declaration_in,
            payload=payload,
            body_sha256=body_sha256,
            idempotency_key=idempotency_key,
            facts=facts,
            lifecycle=lifecycle,
            reference_error=reference_error,
        )
    )
    if isinstance(outcome, Exception):
        raise outcome
    logs.bind(declaration_id=str(outcome.declaration_id))
    if outcome.created:
        logger.info(
            "declaration lodged",
            extra={"ucr": declaration_in.ucr, "kind": declaration_in.kind.value},
        )
    return outcome
