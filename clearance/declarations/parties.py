"""Who a declaration is by and for: the declarant and the trader, fixed once lodged."""

from sqlmodel import Session

from clearance.auth.service import Caller
from clearance.clock import Clock
from clearance.declarations.models import Declaration
from clearance.declarations.schemas import DeclarationIn
from clearance.errors import FieldError, Forbidden, InvalidInput
from clearance.mandates import service as mandates_service
from clearance.messages import Message


def check_declarant(
    session: Session, clock: Clock, caller: Caller, declaration_in: DeclarationIn, prefix: str = ""
) -> None:
    """The caller declares, for itself or for a client whose mandate it holds."""
    if caller.tax_code != declaration_in.declarant.tax_code:
        field = f"{prefix}declarant.tax_code"
        raise Forbidden(
            Message("error.declarant_not_caller", {"field": field}),
            errors=[FieldError(field=field, message=Message("field.not_callers_tax_code"))],
        )
    mandates_service.check(
        session=session,
        clock=clock,
        broker=declaration_in.declarant.tax_code,
        client=declaration_in.trader.tax_code,
        kind=declaration_in.kind.value,
        field=f"{prefix}trader.tax_code",
    )


def check_unchanged(declaration: Declaration, declaration_in: DeclarationIn) -> None:
    """An amendment keeps who declares and for whom: visibility and mandates hang on both.

    Were the trader changeable, a broker could name itself and shut its client out of the
    client's own declaration; a change of party is a cancellation and a new lodgement.
    """
    stored = {
        "declaration.declarant.tax_code": (
            declaration.declarant_tax_code,
            declaration_in.declarant,
        ),
        "declaration.trader.tax_code": (declaration.trader_tax_code, declaration_in.trader),
    }
    errors = [
        FieldError(field=field, message=Message("field.party_fixed", {"tax_code": tax_code}))
        for field, (tax_code, party) in stored.items()
        if party.tax_code != tax_code
    ]
    if errors:
        raise InvalidInput(Message("error.parties_fixed"), errors=errors)
