"""Document errors, each carrying its HTTP status (rendered as RFC 9457 problems)."""

from clearance.errors import ClearanceError, Conflict, NotFound
from clearance.messages import Message


class DocumentNotFound(NotFound):
    code = "document_not_found"


class UnsupportedMediaType(ClearanceError):
    status, code = 415, "unsupported_media_type"
    title = Message("title.unsupported_media_type")


class TooManyDocuments(Conflict):
    code = "too_many_documents"


class DocumentsClosed(Conflict):
    """The declaration is past the point where documents can change anything."""

    code = "documents_closed"


class NotUnderInspection(Conflict):
    """Officers' photos belong to a physical inspection in progress."""

    code = "not_under_inspection"
