"""Properties of the one state machine: random moves by random actors never leave its table."""

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from clearance.clock import FrozenClock
from clearance.declarations import states
from clearance.declarations.errors import InvalidTransition
from clearance.declarations.models import Declaration, DeclarationEvent, State
from tests.helpers import lodge

ACTORS = [states.TRADER, states.WORKER, states.OFFICER, states.GATE, states.SYSTEM, states.SWEEPER]
ANY_MOVE = st.tuples(st.sampled_from(ACTORS), st.sampled_from(list(State)))


def _allowed(state: State | None, to: State, actor: str) -> bool:
    return actor in states.TRANSITIONS.get((state, to), frozenset())


def _legal_from(state: State) -> list[tuple[str, State]]:
    return sorted(
        (a, to) for (s, to), actors in states.TRANSITIONS.items() if s is state for a in actors
    )


@st.composite
def move_lists(draw: st.DrawFn, max_moves: int = 40) -> list[tuple[str, State]]:
    """Moves by any actor to any state, half of them legal where the walk stands."""
    # Random moves alone almost never get a declaration as far as its exit.
    state = State.lodged
    moves: list[tuple[str, State]] = []
    for _ in range(draw(st.integers(0, max_moves))):
        legal = _legal_from(state)
        pick_legal: bool = draw(st.booleans())
        actor, to = draw(st.sampled_from(legal)) if legal and pick_legal else draw(ANY_MOVE)
        state = to if _allowed(state, to, actor) else state
        moves.append((actor, to))
    return moves


MOVES = move_lists()
QUICK = settings(max_examples=200, deadline=None, database=None)
TARGETS = {to for (_from, to) in states.TRANSITIONS}


def walk(moves: list[tuple[str, State]]) -> list[tuple[State | None, State, str]]:
    """Try every move from a new declaration; returns the moves the machine accepted."""
    state: State | None = None
    taken: list[tuple[State | None, State, str]] = []
    for actor, to in [(states.TRADER, State.lodged), *moves]:
        try:
            states.check(state=state, to=to, actor_kind=actor)
        except InvalidTransition as refused:
            assert refused.status == 409 and str(refused)
            assert not _allowed(state, to, actor)
            continue
        assert _allowed(state, to, actor)
        taken.append((state, to, actor))
        state = to
    return taken


@QUICK
@given(MOVES)
def test_random_moves_only_ever_take_a_move_of_the_table(moves: list[tuple[str, State]]) -> None:
    for state, to, actor in walk(moves):
        assert actor in states.TRANSITIONS[(state, to)]
        assert to in TARGETS


@QUICK
@given(st.sampled_from(sorted(states.FINAL)), st.sampled_from(ACTORS), st.sampled_from(list(State)))
def test_a_final_state_has_no_way_out(final: State, actor: str, to: State) -> None:
    with pytest.raises(InvalidTransition):
        states.check(state=final, to=to, actor_kind=actor)


@QUICK
@given(st.sampled_from(list(State)), st.sampled_from(ACTORS))
def test_only_a_declaration_not_yet_decided_can_be_cancelled(state: State, actor: str) -> None:
    if _allowed(state, State.cancelled, actor):
        assert state in states.CANCELLABLE <= states.BEFORE_DECISION
        assert actor in {states.TRADER, states.SWEEPER}
    if state in {State.decided, State.released, *states.FINAL}:
        assert not _allowed(state, State.cancelled, actor)


@QUICK
@given(MOVES)
def test_release_and_exit_come_only_through_their_one_way_in(
    moves: list[tuple[str, State]],
) -> None:
    for state, to, actor in walk(moves):
        if to is State.released:
            assert (state, actor) == (State.decided, states.SYSTEM)  # the release gates
        if to is State.exited:
            assert (state, actor) == (State.released, states.GATE)
        if to is State.decided:
            assert actor in {states.WORKER, states.OFFICER}


@QUICK
@given(MOVES)
def test_a_new_declaration_is_only_ever_lodged_by_a_trader(moves: list[tuple[str, State]]) -> None:
    for actor, to in moves:
        assert _allowed(None, to, actor) == (to is State.lodged and actor == states.TRADER)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    # Each example lodges a declaration of its own inside the test's rolled-back transaction.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(MOVES)
def test_the_stored_state_is_the_last_event_after_random_moves(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    clock: FrozenClock,
    moves: list[tuple[str, State]],
) -> None:
    declaration = session.get(Declaration, lodge(client, keys["trader"], documents=False))
    assert declaration is not None
    expected: list[tuple[State | None, State]] = [(None, State.lodged)]
    for actor, to in moves:
        before = declaration.state
        try:
            states.transition(
                session=session,
                clock=clock,
                declaration=declaration,
                to=to,
                actor_kind=actor,
                actor=actor,
                action="property",
            )
        except InvalidTransition:
            assert declaration.state is before  # a refused move changes nothing
            continue
        expected.append((before, to))
    session.flush()
    events = session.exec(
        select(DeclarationEvent)
        .where(DeclarationEvent.declaration_id == declaration.id)
        .order_by(col(DeclarationEvent.id))
    ).all()
    assert [(e.from_state, e.to_state) for e in events] == expected
    assert events[-1].to_state is declaration.state
    session.rollback()
