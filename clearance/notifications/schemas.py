"""Subscriptions and events as traders send and read them."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from clearance.declarations.models import Channel, State
from clearance.fields import NoControlCharacters
from clearance.notifications.models import NotificationStatus, NotificationType
from clearance.notifications.signing import SECRET_MIN_LENGTH, key_problem
from clearance.pydantic_errors import invalid

MAX_PAGE = 500

CallbackUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    NoControlCharacters,
    Field(description="https://... answering 2xx; resolves to public addresses only"),
]


def _usable_key(secret: str) -> str:
    if (problem := key_problem(secret)) is not None:
        raise invalid(problem.code, **problem.params)
    return secret


Secret = Annotated[
    str,
    StringConstraints(min_length=SECRET_MIN_LENGTH, max_length=200),
    NoControlCharacters,
    AfterValidator(_usable_key),
    Field(
        description="the signing key: `whsec_` and base64 (Standard Webhooks), or any other"
        " string used as its UTF-8 bytes; leave out to have one generated (shown once)"
    ),
]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: CallbackUrl
    secret: Secret | None = None


class SubscriptionOut(BaseModel):
    """A registration as listed: the secret is never shown again."""

    id: uuid.UUID
    url: str
    created_at: datetime
    disabled_at: datetime | None
    active: bool


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="shown only in this answer: keep it to verify signatures")


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class DeclarationChange(BaseModel):
    """What a trader may know of an event (DESIGN §1): never a score, a reason or a rule."""

    id: uuid.UUID
    ucr: str
    version: int
    from_state: State | None
    to_state: State
    channel: Channel | None
    at: datetime


class NotificationEvent(BaseModel):
    """The JSON body of a delivery, signed as sent; the same in the pull queue."""

    event_id: uuid.UUID = Field(description="the same on every retry: de-duplicate on it")
    type: NotificationType
    sequence: int = Field(description="per declaration, one up per event: the order of events")
    declaration: DeclarationChange


class NotificationOut(BaseModel):
    event: NotificationEvent
    subscription_id: uuid.UUID
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None


class NotificationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after: Annotated[int | None, Field(ge=1, le=2**31 - 1, description="next_after of a page")] = (
        None
    )
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 100


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null at the end")
