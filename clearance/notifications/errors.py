"""Errors of the notifications domain."""

from clearance.errors import Conflict, FieldError, InvalidInput, NotFound


class UnsafeCallback(InvalidInput):
    """A callback URL the service refuses to call (SSRF guard); names the field."""

    code = "unsafe_callback"

    def __init__(self, message: str, *, field: str = "url") -> None:
        super().__init__(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class SubscriptionConflict(Conflict):
    code = "subscription_conflict"
