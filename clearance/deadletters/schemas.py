"""Dead letters as operators read them."""

import uuid
from datetime import datetime

from pydantic import BaseModel


class DeadLetterOut(BaseModel):
    id: int
    job: str
    job_id: str
    declaration_id: uuid.UUID
    version: int
    error: str
    failed_at: datetime
    replayed_at: datetime | None
    replayed_by: str | None
