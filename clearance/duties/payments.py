"""Bank notices and guarantees, and the release gate they open: duty paid or guaranteed."""

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from clearance import metrics
from clearance.auth.service import Caller
from clearance.clock import Clock, get_clock
from clearance.declarations import release, states
from clearance.declarations import service as declarations_service
from clearance.declarations.errors import InvalidTransition
from clearance.declarations.models import Declaration, State
from clearance.duties import service
from clearance.duties.errors import PaidDeclarationNotFound, PaymentReferenceReused
from clearance.duties.models import Guarantee, Payment
from clearance.duties.schemas import GuaranteeIn, PaymentNoticeIn
from clearance.errors import invalid_field
from clearance.messages import Message
from clearance.reference.calendar import local_date

# A bank's clock may run a little ahead of ours; a payment further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)
# Past these a guarantee changes nothing: the goods are gone or the case is closed.
CLOSED_STATES = states.FINAL | {State.released}


@dataclass(frozen=True)
class Balance:
    owed_vnd: int | None  # None while a line's rate is unknown
    paid_vnd: int
    guarantees: list[Guarantee]  # the live ones

    @property
    def guaranteed_vnd(self) -> int:
        return sum(g.amount_vnd for g in self.guarantees)

    @property
    def outstanding_vnd(self) -> int | None:
        if self.owed_vnd is None:
            return None
        return max(0, self.owed_vnd - self.paid_vnd - self.guaranteed_vnd)

    @property
    def overpaid_vnd(self) -> int:
        """Paid beyond what is owed: flagged for a refund or an explanation, never kept quietly."""
        if self.owed_vnd is None:
            return 0
        return max(0, self.paid_vnd - self.owed_vnd)


def paid_vnd(*, session: Session, declaration_id: uuid.UUID) -> int:
    """Every payment counts, whichever version it was made for: an amendment keeps them."""
    total = session.exec(
        select(func.coalesce(func.sum(Payment.amount_vnd), 0)).where(
            Payment.declaration_id == declaration_id
        )
    ).one()
    return int(total)


def live_guarantees(*, session: Session, declaration_id: uuid.UUID, on: date) -> list[Guarantee]:
    return list(
        session.exec(
            select(Guarantee)
            .where(Guarantee.declaration_id == declaration_id, col(Guarantee.expires_on) >= on)
            .order_by(col(Guarantee.id))
        ).all()
    )


def balance(*, session: Session, declaration: Declaration, owed_vnd: int | None) -> Balance:
    remembered = session.info.get(_BALANCES, {}).get(declaration.id)
    if remembered is not None:
        paid, guarantees = remembered
        return Balance(owed_vnd=owed_vnd, paid_vnd=paid, guarantees=guarantees)
    return Balance(
        owed_vnd=owed_vnd,
        paid_vnd=paid_vnd(session=session, declaration_id=declaration.id),
        guarantees=live_guarantees(
            session=session, declaration_id=declaration.id, on=local_date(get_clock().now())
        ),
    )


# session.info: payments and live guarantees read for a screening set, by declaration.
_BALANCES = "duty_balances"


def _remember_balances(session: Session, declaration_ids: Sequence[uuid.UUID]) -> None:
    """What `balance` reads, for many declarations in two queries (a set whose release gates
    are asked next, in the same unit of work, where no payment comes in)."""
    if not declaration_ids:
        return
    paid = dict(
        session.exec(
            select(Payment.declaration_id, func.sum(Payment.amount_vnd))
            .where(col(Payment.declaration_id).in_(declaration_ids))
            .group_by(col(Payment.declaration_id))
        ).all()
    )
    guarantees: dict[uuid.UUID, list[Guarantee]] = {}
    for guarantee in session.exec(
        select(Guarantee)
        .where(
            col(Guarantee.declaration_id).in_(declaration_ids),
            col(Guarantee.expires_on) >= local_date(get_clock().now()),
        )
        .order_by(col(Guarantee.id))
    ):
        guarantees.setdefault(guarantee.declaration_id, []).append(guarantee)
    remembered = session.info.setdefault(_BALANCES, {})
    for declaration_id in declaration_ids:
        remembered[declaration_id] = (
            int(paid.get(declaration_id) or 0),
            guarantees.get(declaration_id, []),
        )


def release_gate(session: Session, declaration: Declaration) -> Message | None:
    """The release gate (DESIGN §2): open when nothing is owed, or it is paid or guaranteed."""
    assessed = service.current(session=session, declaration=declaration)
    if assessed.unknown:
        notes = [
            Message("duty.line_note", {"line": u.line_no, "note": u.note}) for u in assessed.unknown
        ]
        return Message("gate.duty_not_assessed", {"notes": notes})
    if not assessed.owed_vnd:
        return None  # nothing owed: no payment to wait for
    outstanding = balance(
        session=session, declaration=declaration, owed_vnd=assessed.owed_vnd
    ).outstanding_vnd
    return Message("gate.duty_unpaid", {"amount": outstanding}) if outstanding else None


def _request_sha256(notice: PaymentNoticeIn) -> str:
    canonical = json.dumps(notice.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(session: Session, notice: PaymentNoticeIn, sha: str) -> Payment | None:
    payment = session.exec(
        select(Payment).where(Payment.bank_reference == notice.bank_reference)
    ).first()
    if payment is not None and payment.request_sha256 != sha:
        raise PaymentReferenceReused(
            Message("error.payment_reference_reused", {"reference": notice.bank_reference})
        )
    return payment


def _paid_declaration(session: Session, notice: PaymentNoticeIn) -> Declaration:
    """The declaration a notice names, locked: the bank may pay for any declaration."""
    named = (
        Declaration.id == notice.declaration_id
        if notice.declaration_id is not None
        else (Declaration.ucr == notice.ucr)
        & (Declaration.declarant_tax_code == notice.declarant_tax_code)
    )
    declaration = session.exec(select(Declaration).where(named).with_for_update()).first()
    if declaration is None:
        raise PaidDeclarationNotFound(
            Message("error.declaration_not_found", {"declaration_id": str(notice.declaration_id)})
            if notice.declaration_id is not None
            else Message(
                "error.paid_declaration_not_found",
                {"ucr": notice.ucr, "declarant_tax_code": notice.declarant_tax_code},
            )
        )
    return declaration


def record_notice(
    *, session: Session, clock: Clock, caller: Caller, notice: PaymentNoticeIn
) -> tuple[Payment, bool]:
    """Record a bank's payment notice once, then release if that opened the last gate."""
    sha = _request_sha256(notice)
    replayed = _replayed(session, notice, sha)
    if replayed is not None:
        return replayed, False
    if notice.paid_at > clock.now() + CLOCK_SKEW:
        raise invalid_field("paid_at", Message("field.in_future"))
    declaration = _paid_declaration(session, notice)
    if notice.paid_at < declaration.lodged_at - CLOCK_SKEW:
        # Duty is owed from the lodgement: an earlier payment is for something else. A bank
        # stamps whole seconds on a clock of its own, hence the same allowance as above.
        raise invalid_field("paid_at", Message("field.before_lodgement"))
    payment = Payment(
        bank_reference=notice.bank_reference,
        declaration_id=declaration.id,
        amount_vnd=notice.amount_vnd,
        paid_at=notice.paid_at,
        bank_actor=caller.actor,
        request_sha256=sha,
        received_at=clock.now(),
    )
    try:
        # A savepoint: the same notice sent twice at once is a replay, not an error.
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        replayed = _replayed(session, notice, sha)
        if replayed is None:
            raise
        return replayed, False
    # The Time Release Study's duty-payment stamp, in the declaration's own history.
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=caller.actor,
        action="payment",
        reason=Message(
            "event.paid", {"amount": notice.amount_vnd, "reference": notice.bank_reference}
        ),
    )
    _flag_overpayment(session, clock, declaration, caller.actor)
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
    return payment, True


def _flag_overpayment(session: Session, clock: Clock, declaration: Declaration, actor: str) -> None:
    """Record in the history that the payments now exceed the duty, for officers to act on."""
    assessed = service.current(session=session, declaration=declaration)
    over = balance(session=session, declaration=declaration, owed_vnd=assessed.owed_vnd)
    if assessed.unknown or over.overpaid_vnd <= 0:
        return
    metrics.OVERPAYMENTS.inc()
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=actor,
        action="overpayment",
        reason=Message(
            "event.overpaid",
            {"paid": over.paid_vnd, "owed": over.owed_vnd, "refund": over.overpaid_vnd},
        ),
    )


def register_guarantee(
    *,
    session: Session,
    clock: Clock,
    caller: Caller,
    declaration_id: uuid.UUID,
    guarantee_in: GuaranteeIn,
) -> Guarantee:
    """A supervisor registers a guarantee of the duty; release follows if it was the last gate."""
    declaration = declarations_service.get(
        session=session, caller=caller, declaration_id=declaration_id, for_update=True
    )
    if declaration.state in CLOSED_STATES:
        raise InvalidTransition(
            Message("error.guarantee_state", {"state": states.state_word(declaration.state)})
        )
    if guarantee_in.expires_on < local_date(clock.now()):
        raise invalid_field("expires_on", Message("field.guarantee_expired"))
    guarantee = Guarantee(
        declaration_id=declaration.id,
        amount_vnd=guarantee_in.amount_vnd,
        reference=guarantee_in.reference,
        registered_by=caller.actor,
        registered_at=clock.now(),
        expires_on=guarantee_in.expires_on,
    )
    session.add(guarantee)
    session.flush()
    states.note(
        session=session,
        clock=clock,
        declaration=declaration,
        actor=caller.actor,
        action="guarantee",
        reason=Message(
            "event.guarantee",
            {
                "reference": guarantee.reference,
                "amount": guarantee.amount_vnd,
                "until": str(guarantee.expires_on),
            },
        ),
    )
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
    return guarantee


def assessed_set_hook(session: Session, clock: Clock, declarations: Sequence[Declaration]) -> None:
    """Screening assessed a set: store what each version owes, and read what is paid or
    guaranteed for those that owe, before their decisions ask the gate."""
    assessed = service.record_set(session=session, clock=clock, declarations=declarations)
    _remember_balances(session, [d.id for d in declarations if assessed[d.id].owed_vnd])


def documents_hook(session: Session, clock: Clock, declaration: Declaration) -> None:
    """A paper arrived: a C/O may grant (or a bad one refuse) the preference; assess again."""
    if declaration.state in {State.lodged, State.screening}:
        return  # screening, still to come, assesses with every document
    service.record(session=session, clock=clock, declaration=declaration)
    release.release_if_ready(session=session, clock=clock, declaration=declaration)
