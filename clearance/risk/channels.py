"""Channels by budget: thresholds fitted to recent scores so realised rates track targets."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from clearance import hot
from clearance.declarations.models import Assessment, Channel
from clearance.quantiles import quantile
from clearance.risk.models import ChannelPolicy
from clearance.settings import Settings

# Below this many recent scores the fixed thresholds of the settings apply.
MIN_SCORES_TO_FIT = 200
# A score this low is never reason enough to inspect, whatever the budget says.
MIN_THRESHOLD = 0.05


@dataclass(frozen=True)
class Thresholds:
    yellow: float
    red: float
    random_share: float
    aeo_relief: float
    policy_version: int
    fitted_on: int  # how many recent scores; 0 means the fixed thresholds


def fit(*, session: Session, settings: Settings, policy: ChannelPolicy) -> Thresholds:
    """Red above the (1 - red share) quantile of recent scores, yellow below it by its share.

    Hard hits and random selections are left out: they go red whatever the threshold, and
    the random share is taken from the red budget.
    """
    # Refitted at most every `hot_cache_seconds` per process: a quantile of the last thousands
    # of scores moves slowly, and reading them costs more than the rest of a screening.
    recent = hot.cached(
        "recent_scores",
        policy.window,
        [],
        lambda: session.exec(
            select(Assessment.score)
            .where(col(Assessment.hard_hit).is_(False), col(Assessment.random_selected).is_(False))
            .order_by(col(Assessment.id).desc())
            .limit(policy.window)
        ).all(),
    )
    if len(recent) < MIN_SCORES_TO_FIT:
        return Thresholds(
            settings.yellow_threshold,
            settings.red_threshold,
            policy.random_share,
            policy.aeo_relief,
            policy.version,
            0,
        )
    ordered = sorted(recent)
    red_share = max(policy.red_share - policy.random_share, 0.0)
    red = max(quantile(ordered, 1 - red_share), MIN_THRESHOLD)
    yellow = max(quantile(ordered, 1 - red_share - policy.yellow_share), MIN_THRESHOLD)
    return Thresholds(
        min(yellow, red), red, policy.random_share, policy.aeo_relief, policy.version, len(ordered)
    )


def assign_channel(
    *,
    score: float,
    hard_hit: bool,
    randomly_selected: bool,
    floor: Channel | None,
    thresholds: Thresholds,
    aeo: bool = False,
) -> Channel:
    """Hard hits and random selection are red for everyone, AEO traders included."""
    if hard_hit or randomly_selected:
        return Channel.red
    judged = score * (1 - thresholds.aeo_relief) if aeo else score
    if judged >= thresholds.red:
        channel = Channel.red
    elif judged >= thresholds.yellow:
        channel = Channel.yellow
    else:
        channel = Channel.green
    if floor is not None and floor.strictness > channel.strictness:
        return floor
    return channel
