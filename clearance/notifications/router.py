"""Traders' callbacks and their pull queue: each trader sees only its own."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from clearance.deps import ClockDep, SessionDep, SettingsDep, TraderDep
from clearance.errors import PROBLEM_RESPONSES
from clearance.notifications import service, views
from clearance.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
)

router = APIRouter(prefix="/v1", tags=["notifications"], responses=PROBLEM_RESPONSES)


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    caller: TraderDep,
) -> SubscriptionCreated:
    """Register a callback URL; the secret (yours, or generated) is shown in this answer only."""
    subscription, secret = service.subscribe(
        session=session, clock=clock, settings=settings, caller=caller, subscription_in=body
    )
    response.headers["Location"] = f"/v1/subscriptions/{subscription.id}"
    return views.subscription_created(subscription, secret)


@router.get("/subscriptions")
def list_subscriptions(session: SessionDep, caller: TraderDep) -> SubscriptionList:
    """Your callbacks, active and disabled, oldest first; never their secrets."""
    rows = service.list_subscriptions(session=session, caller=caller)
    return SubscriptionList(items=[views.subscription_out(row) for row in rows])


@router.delete("/subscriptions/{subscription_id}")
def disable_subscription(
    subscription_id: uuid.UUID, session: SessionDep, clock: ClockDep, caller: TraderDep
) -> SubscriptionOut:
    """Stop pushing to this callback (the row is kept); undelivered events stay pullable."""
    subscription = service.disable(
        session=session, clock=clock, caller=caller, subscription_id=subscription_id
    )
    return views.subscription_out(subscription)


@router.get("/notifications")
def pull(
    query: Annotated[NotificationQuery, Query()], session: SessionDep, caller: TraderDep
) -> NotificationPage:
    """Events not delivered or acknowledged yet (pending or failed), oldest first."""
    rows = service.pull(session=session, caller=caller, after=query.after, limit=query.limit)
    next_after = rows[-1].id if len(rows) == query.limit else None
    return NotificationPage(
        items=[views.notification_out(row) for row in rows], next_after=next_after
    )


@router.post("/notifications/{event_id}/ack")
def acknowledge(
    event_id: uuid.UUID, session: SessionDep, clock: ClockDep, caller: TraderDep
) -> NotificationOut:
    """You have this event: it is never pushed again; acknowledging twice changes nothing."""
    row = service.acknowledge(session=session, clock=clock, caller=caller, event_id=event_id)
    return views.notification_out(row)
