"""Rules and channel policy as data: the newest version of each is in force."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from clearance import hot
from clearance.clock import Clock
from clearance.errors import invalid_field
from clearance.messages import Message
from clearance.risk.models import ChannelPolicy, RiskRule
from clearance.risk.rules import RULES, RuleConfig, default_configs
from clearance.settings import Settings

DEFAULT_RED_SHARE = 0.05
DEFAULT_YELLOW_SHARE = 0.15
DEFAULT_AEO_RELIEF = 0.3
DEFAULT_WINDOW = 2000


def rule_configs(*, session: Session, settings: Settings) -> dict[str, RuleConfig]:
    """Each rule's newest settings; rules never edited run on their built-in ones."""
    below = settings.new_trader_declarations
    return dict(
        hot.cached("rules", below, [RiskRule.__tablename__], lambda: _rule_configs(session, below))
    )


def _rule_configs(session: Session, below: int) -> dict[str, RuleConfig]:
    configs = default_configs({"R-NEW-TRADER": {"below": below}})
    newest = (
        select(RiskRule.rule_id, func.max(RiskRule.version).label("version"))
        .group_by(col(RiskRule.rule_id))
        .subquery()
    )
    rows = session.exec(
        select(RiskRule).join(
            newest,
            (col(RiskRule.rule_id) == newest.c.rule_id)
            & (col(RiskRule.version) == newest.c.version),
        )
    ).all()
    for row in rows:
        if row.rule_id in configs:
            configs[row.rule_id] = RuleConfig(
                row.rule_id, row.version, row.enabled, row.severity, row.params
            )
    return configs


def _check_params(rule_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the rule's own settings, each of the type of its default."""
    defaults = RULES[rule_id].defaults
    checked: dict[str, Any] = {}
    for name, value in params.items():
        field = f"params.{name}"
        if name not in defaults:
            raise invalid_field(
                field,
                Message(
                    "field.not_rule_setting", {"rule_id": rule_id, "settings": sorted(defaults)}
                ),
            )
        default = defaults[name]
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise invalid_field(field, Message("field.list_of_strings"))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_field(field, Message("field.number"))
        elif not 0 <= value <= 1_000_000_000:
            raise invalid_field(field, Message("field.number_range"))
        checked[name] = value
    return checked


def update_rule(
    *,
    session: Session,
    clock: Clock,
    settings: Settings,
    rule_id: str,
    enabled: bool,
    severity: str,
    params: Mapping[str, Any],
    note: str,
    actor: str,
) -> RiskRule:
    """A new version of the rule's settings; earlier versions stay for the audit."""
    current = rule_configs(session=session, settings=settings)[rule_id]
    row = RiskRule(
        rule_id=rule_id,
        version=current.version + 1,
        enabled=enabled,
        severity=severity,
        params={**current.params, **_check_params(rule_id, params)},
        note=note,
        created_by=actor,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def rule_versions(*, session: Session, rule_id: str) -> list[RiskRule]:
    return list(
        session.exec(
            select(RiskRule)
            .where(RiskRule.rule_id == rule_id)
            .order_by(col(RiskRule.version).desc())
        ).all()
    )


def policy(*, session: Session, settings: Settings) -> ChannelPolicy:
    """The channel policy in force; version 0 is the built-in one."""
    newest = hot.cached(
        "policy",
        None,
        [ChannelPolicy.__tablename__],
        lambda: next(
            (
                hot.copied(row)
                for row in session.exec(
                    select(ChannelPolicy).order_by(col(ChannelPolicy.version).desc()).limit(1)
                )
            ),
            None,
        ),
    )
    if newest is not None:
        return newest
    return ChannelPolicy(
        version=0,
        red_share=DEFAULT_RED_SHARE,
        yellow_share=DEFAULT_YELLOW_SHARE,
        random_share=settings.random_red_share,
        aeo_relief=DEFAULT_AEO_RELIEF,
        window=DEFAULT_WINDOW,
        note="built-in",
        created_by="system",
    )


def update_policy(
    *, session: Session, clock: Clock, settings: Settings, values: Mapping[str, Any], actor: str
) -> ChannelPolicy:
    current = policy(session=session, settings=settings)
    merged = {
        name: values.get(name, getattr(current, name))
        for name in ("red_share", "yellow_share", "random_share", "aeo_relief", "window", "note")
    }
    if merged["random_share"] > merged["red_share"]:
        raise invalid_field("random_share", Message("field.random_over_red"))
    if merged["red_share"] + merged["yellow_share"] > 1:
        raise invalid_field("yellow_share", Message("field.shares_over_one"))
    row = ChannelPolicy(
        version=current.version + 1, **merged, created_by=actor, created_at=clock.now()
    )
    session.add(row)
    session.flush()
    return row
