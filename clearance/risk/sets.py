"""Screening what is pending, a set at a time: claim, screen, one commit; a version that makes
its set fail is isolated by bisection and parked as a dead letter while the rest go on."""

import logging
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from rq.timeouts import BaseTimeoutException
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlmodel import Session

from clearance import db
from clearance.clock import Clock
from clearance.deadletters import service as deadletters
from clearance.declarations.lifecycle import Lifecycle, attach
from clearance.queues import screening_job_id
from clearance.risk import pending, screening
from clearance.settings import Settings

logger = logging.getLogger(__name__)
# The database or Redis away for a moment: nobody's fault, the whole job is tried again (and
# the sweeper takes over after its last try). Anything else is isolated to its declaration.
TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, RedisError)


@dataclass
class Outcome:
    """What one set came to: versions claimed, channels given, duplicates skipped, parked."""

    claimed: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    parked: list[tuple[uuid.UUID, int]] = field(default_factory=list)
    # Pending versions the claim skipped: another transaction held their rows (a claimer, or
    # a request on that declaration, such as a document upload).
    held_elsewhere: int = 0


def transient(exc: BaseException) -> bool:
    """Not the fault of any version in the set: the database or Redis away for a moment, or
    the job's time run out (RQ's timeout strikes wherever the job is)."""
    return isinstance(exc, (*TRANSIENT, BaseTimeoutException)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def screen_set(
    *,
    clock: Clock,
    settings: Settings,
    lifecycle: Lifecycle,
    versions: Sequence[tuple[uuid.UUID, int]] | None = None,
    full: Callable[[], None] | None = None,
    count_waiting: bool = True,
) -> Outcome:
    """Claim up to `screening_batch_size` pending versions (or those of `versions` still
    pending)
    and screen them in one transaction. What every screening needs (rules, model, thresholds)
    is read before the claim: a failure there raises, as does a transient one. `full` is
    called when the claim took a whole set (more may wait), before the set is screened.
    `count_waiting`: after a claim short of a whole set, count the pending versions it skipped
    (`Outcome.held_elsewhere`; one more statement). Each transaction runs the entry point's
    `lifecycle` (gates, hooks)."""
    outcome = Outcome()
    _Run(clock, settings, lifecycle, full, count_waiting).screen(versions, outcome)
    return outcome


@dataclass
class _Run:
    clock: Clock
    settings: Settings
    lifecycle: Lifecycle
    full: Callable[[], None] | None
    count_waiting: bool = True
    common: screening.Shared | None = None

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with db.unit_of_work() as session:
            yield attach(session, self.lifecycle)

    def screen(self, versions: Sequence[tuple[uuid.UUID, int]] | None, outcome: Outcome) -> None:
        claimed: list[tuple[uuid.UUID, int]] = []
        try:
            with self.unit_of_work() as session:
                common = self.common or screening.shared(
                    session=session, clock=self.clock, settings=self.settings
                )
                self.common = common
                declarations = pending.claim(
                    session=session, limit=self.settings.screening_batch_size, versions=versions
                )
                claimed = [(d.id, d.version) for d in declarations]
                if versions is None:
                    outcome.claimed = len(claimed)
                    if self.count_waiting and len(claimed) < self.settings.screening_batch_size:
                        waiting, _oldest = pending.waiting(session=session)
                        outcome.held_elsewhere = waiting - len(claimed)
                if not declarations:
                    return
                if self.full is not None and len(claimed) == self.settings.screening_batch_size:
                    self.full()
                assessed = screening.screen_set(
                    session=session,
                    clock=self.clock,
                    settings=self.settings,
                    declarations=declarations,
                    common=common,
                )
        except Exception as exc:
            if transient(exc) or not claimed:
                raise
            self.bisect(claimed, exc, outcome)
            return
        outcome.channels.update(a.channel.value for a in assessed.values())
        outcome.skipped += len(claimed) - len(assessed)

    def bisect(
        self, claimed: list[tuple[uuid.UUID, int]], exc: Exception, outcome: Outcome
    ) -> None:
        if len(claimed) == 1:
            self.isolated(claimed[0], outcome)
            return
        logger.warning("a set of %d failed (%r); screening it in halves", len(claimed), exc)
        half = len(claimed) // 2
        for part in (claimed[:half], claimed[half:]):
            self.screen(part, outcome)

    def isolated(self, version: tuple[uuid.UUID, int], outcome: Outcome) -> None:
        """The one version its set failed on: parked, unless it was screened meanwhile (a
        duplicate assessment refused by its unique constraint is skipped, not failed)."""
        error = traceback.format_exc()
        declaration_id, number = version
        with self.unit_of_work() as session:
            if not _still_pending(session, declaration_id, number):
                outcome.skipped += 1
                return
            deadletters.park(
                session=session,
                clock=self.clock,
                job="screen",
                job_id=screening_job_id(declaration_id, number),
                declaration_id=declaration_id,
                version=number,
                error=error,
            )
        logger.error("screening %s v%d failed on its own: parked", declaration_id, number)
        outcome.parked.append(version)


def _still_pending(session: Session, declaration_id: uuid.UUID, version: int) -> bool:
    return bool(pending.claim(session=session, limit=1, versions=[(declaration_id, version)]))


def park_pending(
    *, clock: Clock, settings: Settings, lifecycle: Lifecycle, job_id: str, error: str
) -> int:
    """A job's last try failed before any one declaration was at fault (a broken model): the
    set it would have claimed is parked for an operator. Returns how many."""
    with db.unit_of_work() as session:
        attach(session, lifecycle)
        declarations = pending.claim(session=session, limit=settings.screening_batch_size)
        for declaration in declarations:
            deadletters.park(
                session=session,
                clock=clock,
                job="screen",
                job_id=screening_job_id(declaration.id, declaration.version),
                declaration_id=declaration.id,
                version=declaration.version,
                error=error,
            )
        logger.error("job %s failed its last try: %d versions parked", job_id, len(declarations))
        return len(declarations)
