"""Supervisors tune the risk engine; officers and operators may read how it is set."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.deps import ClockDep, SessionDep, SettingsDep, SupervisorDep, require
from clearance.errors import PROBLEM_RESPONSES, NotFound
from clearance.messages import Message
from clearance.risk import admin, config
from clearance.risk.rules import RULES
from clearance.risk.schemas import (
    ModelOut,
    PolicyIn,
    PolicyOut,
    RuleIn,
    RuleOut,
    RuleVersionOut,
    TraderStandingIn,
    TraderStandingOut,
    WatchlistIn,
    WatchlistOut,
)

router = APIRouter(prefix="/v1/risk", tags=["risk"], responses=PROBLEM_RESPONSES)

RiskReaderDep = Annotated[Caller, Depends(require(Role.officer, Role.supervisor, Role.operator))]
RuleId = Annotated[str, Path(pattern=r"^R-[A-Z0-9-]{2,37}$")]
TaxCodePath = Annotated[str, Path(pattern=r"^[0-9]{10}(-[0-9]{3})?$")]


def _rule(rule_id: str) -> None:
    if rule_id not in RULES:
        raise NotFound(Message("error.rule_not_found", {"rule_id": rule_id, "rules": list(RULES)}))


@router.get("/rules")
def list_rules(session: SessionDep, settings: SettingsDep, caller: RiskReaderDep) -> list[RuleOut]:
    """Every rule with the settings in force and its built-in defaults."""
    configs = config.rule_configs(session=session, settings=settings)
    return [
        RuleOut(
            rule_id=rule_id,
            description=rule.description,
            version=configs[rule_id].version,
            enabled=configs[rule_id].enabled,
            severity=configs[rule_id].severity,
            hard=rule.hard,
            params=dict(configs[rule_id].params),
            defaults=dict(rule.defaults),
        )
        for rule_id, rule in RULES.items()
    ]


@router.put("/rules/{rule_id}")
def update_rule(
    rule_id: RuleId,
    body: RuleIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: SupervisorDep,
) -> RuleVersionOut:
    """A new version of a rule's settings; assessments record the version they used."""
    _rule(rule_id)
    row = config.update_rule(
        session=session,
        clock=clock,
        settings=settings,
        rule_id=rule_id,
        enabled=body.enabled,
        severity=body.severity,
        params=body.params,
        note=body.note,
        actor=caller.actor,
    )
    return RuleVersionOut.model_validate(row, from_attributes=True)


@router.get("/rules/{rule_id}/versions")
def rule_versions(
    rule_id: RuleId, session: SessionDep, caller: RiskReaderDep
) -> list[RuleVersionOut]:
    """Every edit of the rule, newest first."""
    _rule(rule_id)
    return [
        RuleVersionOut.model_validate(row, from_attributes=True)
        for row in config.rule_versions(session=session, rule_id=rule_id)
    ]


@router.get("/policy")
def read_policy(session: SessionDep, settings: SettingsDep, caller: RiskReaderDep) -> PolicyOut:
    """The inspection budget in force."""
    return PolicyOut.model_validate(
        config.policy(session=session, settings=settings), from_attributes=True
    )


@router.put("/policy")
def update_policy(
    body: PolicyIn,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: SupervisorDep,
) -> PolicyOut:
    """Set target shares of red and yellow, the random share, AEO relief."""
    row = config.update_policy(
        session=session,
        clock=clock,
        settings=settings,
        values=body.model_dump(exclude_none=True),
        actor=caller.actor,
    )
    return PolicyOut.model_validate(row, from_attributes=True)


@router.put("/traders/{tax_code}")
def set_trader_standing(
    tax_code: TaxCodePath,
    body: TraderStandingIn,
    session: SessionDep,
    clock: ClockDep,
    caller: SupervisorDep,
) -> TraderStandingOut:
    """Grant or withdraw AEO status: lenient thresholds, never exempt from hard rules."""
    standing = admin.set_standing(
        session=session, clock=clock, tax_code=tax_code, standing_in=body, actor=caller.actor
    )
    return TraderStandingOut.model_validate(standing, from_attributes=True)


@router.get("/watchlist")
def list_watchlist(session: SessionDep, caller: RiskReaderDep) -> list[WatchlistOut]:
    return [
        WatchlistOut.model_validate(party, from_attributes=True)
        for party in admin.watchlist(session=session)
    ]


@router.post("/watchlist", status_code=201)
def add_to_watchlist(
    body: WatchlistIn, session: SessionDep, clock: ClockDep, caller: SupervisorDep
) -> WatchlistOut:
    """A sanctioned or blacklisted party; declarations naming it go to red."""
    party = admin.add_to_watchlist(session=session, clock=clock, party_in=body, actor=caller.actor)
    return WatchlistOut.model_validate(party, from_attributes=True)


@router.delete("/watchlist/{party_id}")
def remove_from_watchlist(
    party_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    caller: SupervisorDep,
) -> WatchlistOut:
    party = admin.remove_from_watchlist(session=session, clock=clock, party_id=party_id)
    return WatchlistOut.model_validate(party, from_attributes=True)


@router.get("/models")
def list_models(session: SessionDep, caller: RiskReaderDep) -> list[ModelOut]:
    """Trained models, newest first, with the metrics stored beside each."""
    return [ModelOut.model_validate(m, from_attributes=True) for m in admin.models(session=session)]


@router.post("/models/{version}/activate")
def activate_model(
    version: Annotated[str, Path(max_length=80)],
    session: SessionDep,
    clock: ClockDep,
    caller: SupervisorDep,
) -> ModelOut:
    """Any stored version: workers score with it from their next screening on (404 for no
    such version, 409 for one saved in a format this engine cannot load)."""
    return ModelOut.model_validate(
        admin.activate(session=session, clock=clock, version=version), from_attributes=True
    )
