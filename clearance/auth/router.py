"""API keys: supervisors issue and revoke them; every key can rotate itself."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from clearance.auth import service
from clearance.auth.models import ApiKey
from clearance.auth.schemas import KeyIn, KeyOut, NewKey
from clearance.deps import AnyRoleDep, ClockDep, SessionDep, SettingsDep, SupervisorDep
from clearance.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=PROBLEM_RESPONSES)


def _new(key: ApiKey, plain: str) -> NewKey:
    return NewKey(**KeyOut.model_validate(key, from_attributes=True).model_dump(), key=plain)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    body: KeyIn, session: SessionDep, clock: ClockDep, settings: SettingsDep, caller: SupervisorDep
) -> NewKey:
    """Issue a key for a role (and a trader's tax code); the secret is in this answer only."""
    key, plain = service.create_key(
        session=session,
        clock=clock,
        secret_key=settings.secret_key,
        role=body.role,
        tax_code=body.tax_code,
        name=body.name,
    )
    return _new(key, plain)


@router.get("")
def list_keys(session: SessionDep, caller: SupervisorDep) -> list[KeyOut]:
    """Every key, by prefix: never a secret, not even its digest."""
    return [
        KeyOut.model_validate(k, from_attributes=True) for k in service.list_keys(session=session)
    ]


@router.post("/{key_id}/revoke")
def revoke(
    key_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    caller: SupervisorDep,
) -> KeyOut:
    """Stop a key at once."""
    key = service.revoke(session=session, clock=clock, key_id=key_id)
    return KeyOut.model_validate(key, from_attributes=True)


@router.post("/rotate", status_code=status.HTTP_201_CREATED)
def rotate(
    session: SessionDep, clock: ClockDep, settings: SettingsDep, caller: AnyRoleDep
) -> NewKey:
    """A successor for the calling key; the old one keeps working for the grace period."""
    key, plain = service.rotate(
        session=session,
        clock=clock,
        secret_key=settings.secret_key,
        caller=caller,
        grace_seconds=settings.key_rotation_grace_seconds,
    )
    return _new(key, plain)
