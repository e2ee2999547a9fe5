"""Errors of the duties domain."""

from clearance.errors import Conflict, NotFound


class TariffVersionExists(Conflict):
    code = "tariff_version_exists"


class PaymentReferenceReused(Conflict):
    code = "bank_reference_reused"


class PaidDeclarationNotFound(NotFound):
    code = "declaration_not_found"
