"""Errors of the notifications domain."""

from clearance.errors import Conflict, FieldError, InvalidInput, NotFound, field_detail
from clearance.messages import Message


class UnsafeCallback(InvalidInput):
    """A callback URL the service refuses to call (SSRF guard); names the field."""

    code = "unsafe_callback"

    def __init__(self, message: Message, *, field: str = "url") -> None:
        super().__init__(
            field_detail([FieldError(field, message)]), errors=[FieldError(field, message)]
        )


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class SubscriptionConflict(Conflict):
    code = "subscription_conflict"
