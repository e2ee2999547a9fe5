"""Errors of the declarations domain."""

from clearance.errors import Conflict, NotFound


class DeclarationNotFound(NotFound):
    code = "declaration_not_found"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class DuplicateUcr(Conflict):
    code = "duplicate_ucr"


class StaleVersion(Conflict):
    code = "stale_version"
