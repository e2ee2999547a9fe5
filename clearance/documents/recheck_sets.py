"""Re-checks a set at a time (`rechecks` says why and in what order): claim the declarations
waiting, run the lifecycle's upload hooks on each in a savepoint, one commit."""

import logging
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlmodel import Session, col, delete

from clearance import db
from clearance.clock import Clock
from clearance.declarations.lifecycle import Lifecycle, attach
from clearance.declarations.models import Declaration
from clearance.documents import rechecks, service
from clearance.documents.checks import OtherUse
from clearance.documents.models import DocumentRecheck
from clearance.documents.papers import Paper

logger = logging.getLogger(__name__)
# A set holds its declarations' rows until it commits: an upload, an arrival or an amendment
# of one of them waits that long. Small sets: a re-check costs tens of milliseconds (the whole
# dossier checked, the duty, the gates), a set's own cost (a claim, a commit) a few.
RECHECK_BATCH = 20
RECHECK_ATTEMPTS = 3
ERROR_CHARS = 2000
# The database away for a moment: nobody's fault, the whole job is tried again.
TRANSIENT = (OperationalError, InterfaceError, DisconnectionError)


@dataclass
class Outcome:
    """What one set came to."""

    claimed: int = 0
    done: int = 0
    failed: set[uuid.UUID] = field(default_factory=set)
    parked: int = 0


def transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


@contextmanager
def _unit_of_work(lifecycle: Lifecycle) -> Iterator[Session]:
    with db.unit_of_work() as session:
        yield attach(session, lifecycle)


def recheck_set(
    *,
    clock: Clock,
    lifecycle: Lifecycle,
    limit: int = RECHECK_BATCH,
    skip: Collection[uuid.UUID] = (),
) -> Outcome:
    """Claim up to `limit` declarations waiting and run the lifecycle's upload hooks on each, in
    one transaction; a declaration whose hooks fail is rolled back to its savepoint, its
    failure noted (and parked after `RECHECK_ATTEMPTS`), and left out of the rest of the job
    (`Outcome.failed`: pass it as `skip`). A transient failure raises: the job is tried again.
    """
    outcome = Outcome()
    with _unit_of_work(lifecycle) as session:
        declarations = rechecks.claim(session=session, limit=limit, skip=skip)
        outcome.claimed = len(declarations)
        if not declarations:
            return outcome
        papers = _read_papers(session, declarations)
        done: list[uuid.UUID] = []
        for declaration in declarations:
            declaration_id = declaration.id
            try:
                with session.begin_nested():
                    _recheck(session, clock, lifecycle, declaration, papers)
            except Exception as exc:
                if transient(exc):
                    raise
                logger.exception("documents re-check of %s failed", declaration_id)
                outcome.failed.add(declaration_id)
                outcome.parked += _failed(session, clock, declaration_id, repr(exc))
                continue
            done.append(declaration_id)
        if done:
            session.execute(
                delete(DocumentRecheck).where(col(DocumentRecheck.declaration_id).in_(done))
            )
        outcome.done = len(done)
    return outcome


Papers = dict[uuid.UUID, tuple[list[Paper], list[OtherUse]]]


def _read_papers(session: Session, declarations: list[Declaration]) -> Papers:
    """Each declaration's documents and their uses elsewhere, one query each for the set."""
    checked = [d for d in declarations if rechecks.needs_recheck(d)]
    found = service.documents_of(session=session, declarations=checked)
    uses = service.other_uses(
        session=session, documents={i: service.dossier(d) for i, d in found.items()}
    )
    return {i: (documents, uses[i]) for i, documents in found.items()}


def _recheck(
    session: Session, clock: Clock, lifecycle: Lifecycle, declaration: Declaration, papers: Papers
) -> None:
    """The report of the papers, kept for this transaction's gate and duties
    (`service.remember_report`), then every upload hook, in order."""
    if declaration.id in papers:
        documents, uses = papers[declaration.id]
        report = service.check_declaration(
            session=session, declaration=declaration, documents=documents, uses=uses
        )
        service.remember_report(
            session=session, declaration=declaration, report=report, documents=documents
        )
    for hook in lifecycle.upload_hooks:
        hook(session, clock, declaration)


def _failed(session: Session, clock: Clock, declaration_id: uuid.UUID, error: str) -> int:
    """Note a failed re-check; 1 if that parks it."""
    row = session.get(DocumentRecheck, declaration_id)
    if row is None:
        return 0
    row.attempts += 1
    row.error = error[-ERROR_CHARS:]
    if row.attempts >= RECHECK_ATTEMPTS:
        row.failed_at = clock.now()
    session.add(row)
    session.flush()
    return 1 if row.failed_at is not None else 0
