"""API keys as supervisors manage them: the secret is shown once, at creation."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from clearance.auth.models import Role
from clearance.fields import NoControlCharacters, TaxCode


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    tax_code: TaxCode | None = None
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=200), NoControlCharacters
    ] = ""


class KeyOut(BaseModel):
    id: int
    prefix: str
    role: Role
    tax_code: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None


class NewKey(KeyOut):
    key: str  # the only time the secret is ever returned
