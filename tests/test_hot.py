"""Rarely changed tables kept per process: reused, forgotten on a local write, read again later."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import Session

from clearance import db, hot
from clearance.clock import get_clock
from clearance.risk import config
from clearance.risk.models import ChannelPolicy, WatchlistParty
from clearance.settings import get_settings


def counting(value: object) -> tuple[Callable[[], object], list[int]]:
    reads = [0]

    def load() -> object:
        reads[0] += 1
        return value

    return load, reads


def test_a_value_is_read_once_then_shared_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("clearance.hot.time.monotonic", lambda: now[0])
    load, reads = counting("rules")
    assert [hot.cached("rules", None, ["risk_rule"], load) for _ in range(3)] == ["rules"] * 3
    assert reads == [1]
    now[0] += get_settings().hot_cache_seconds + 0.01
    hot.cached("rules", None, ["risk_rule"], load)
    assert reads == [2]


def test_keys_are_kept_apart() -> None:
    assert hot.cached("rate", ("USD", 1), [], lambda: 25_000) == 25_000
    assert hot.cached("rate", ("CNY", 1), [], lambda: 3_500) == 3_500
    assert hot.cached("rate", ("USD", 1), [], lambda: 0) == 25_000


def test_zero_seconds_reads_every_time(configure: Callable[..., None]) -> None:
    configure(hot_cache_seconds=0)
    load, reads = counting([])
    for _ in range(3):
        hot.cached("watchlist", None, ["watchlist_party"], load)
    assert reads == [3]


def test_a_commit_that_writes_the_table_forgets_what_was_read_from_it(session: Session) -> None:
    load, reads = counting("policy")
    other, other_reads = counting("calendar")
    hot.cached("policy", None, [ChannelPolicy.__tablename__], load)
    hot.cached("calendar", None, ["gate", "holiday"], other)
    with db.unit_of_work() as work:
        work.add(
            ChannelPolicy(
                version=7,
                red_share=0.1,
                yellow_share=0.2,
                random_share=0.01,
                aeo_relief=0.3,
                window=100,
                created_by="test",
                created_at=datetime.now(UTC),
            )
        )
    hot.cached("policy", None, [ChannelPolicy.__tablename__], load)
    hot.cached("calendar", None, ["gate", "holiday"], other)
    assert (reads, other_reads) == ([2], [1])


def test_a_bulk_update_forgets_too_and_a_rollback_forgets_nothing(session: Session) -> None:
    session.add(
        WatchlistParty(
            name="Công ty Ma",
            country="VN",
            reason="test",
            source="test",
            added_by="test",
            added_at=datetime.now(UTC),
        )
    )
    session.flush()
    load, reads = counting("watched")
    hot.cached("watchlist", None, [WatchlistParty.__tablename__], load)
    with pytest.raises(RuntimeError), db.unit_of_work() as work:
        work.exec(update(WatchlistParty).values(reason="changed"))
        raise RuntimeError("rolled back")
    hot.cached("watchlist", None, [WatchlistParty.__tablename__], load)
    assert reads == [1]
    with db.unit_of_work() as work:
        work.exec(update(WatchlistParty).values(reason="changed"))
    hot.cached("watchlist", None, [WatchlistParty.__tablename__], load)
    assert reads == [2]


def test_a_new_policy_applies_at_once_in_the_process_that_stored_it(session: Session) -> None:
    settings = get_settings()
    before = config.policy(session=session, settings=settings)
    with db.unit_of_work() as work:
        config.update_policy(
            session=work,
            clock=get_clock(),
            settings=settings,
            values={"red_share": 0.2},
            actor="test",
        )
    after = config.policy(session=session, settings=settings)
    assert (after.version, after.red_share) == (before.version + 1, 0.2)


def test_expired_values_are_dropped_once_many_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("clearance.hot.time.monotonic", lambda: now[0])
    for day in range(hot.MAX_VALUES):
        hot.cached("tariff", day, ["tariff_rate"], lambda: "rates")
    now[0] += get_settings().hot_cache_seconds + 1
    hot.cached("tariff", "today", ["tariff_rate"], lambda: "rates")
    assert list(hot._values) == [("tariff", "today")]


def test_a_rollback_where_a_shared_row_was_read_does_not_spoil_it(session: Session) -> None:
    settings = get_settings()
    with db.unit_of_work() as work:
        config.update_policy(
            session=work,
            clock=get_clock(),
            settings=settings,
            values={"red_share": 0.2},
            actor="test",
        )
    with pytest.raises(RuntimeError), db.unit_of_work() as failing:
        read = config.policy(session=failing, settings=settings)  # cached by this session
        raise RuntimeError("rolled back: the session's rows are expired")
    with db.new_session() as other:
        again = config.policy(session=other, settings=settings)
    assert (again.version, again.red_share) == (read.version, 0.2)
