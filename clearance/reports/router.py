"""`GET /v1/reports/release-time`: the TRS report as JSON, CSV or a PNG chart."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.deps import ClockDep, SessionDep, require
from clearance.errors import PROBLEM_RESPONSES
from clearance.reports import chart, period, service
from clearance.reports.schemas import ReleaseTarget, ReleaseTimeReport, ReportFormat

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

ReportReaderDep = Annotated[Caller, Depends(require(Role.operator, Role.supervisor))]
TargetDep = Annotated[ReleaseTarget, Depends(service.release_target)]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
PNG_MEDIA_TYPE = "image/png"
BOUND = f"{period.EXPECTED.text}; a date is midnight at the gate ({period.GATE_ZONE.key})"


@router.get(
    "/release-time",
    response_model=ReleaseTimeReport,
    responses={
        200: {
            "content": {
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                PNG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def release_time(
    session: SessionDep,
    clock: ClockDep,
    _caller: ReportReaderDep,
    target: TargetDep,
    # No `examples=`: the fuzz run draws its own cases (schemathesis refuses both).
    period_from: Annotated[str, Query(alias="from", description=BOUND)],
    period_to: Annotated[str, Query(alias="to", description=BOUND)],
    format: ReportFormat = ReportFormat.json,
    outliers: Annotated[int, Query(ge=0, le=100)] = service.DEFAULT_OUTLIERS,
) -> ReleaseTimeReport | Response:
    """Time release per stage and channel for declarations lodged in [from, to) (WCO TRS)."""
    start, end = period.parse_period(period_from, period_to)
    report = service.release_time(
        session=session,
        period_from=start,
        period_to=end,
        generated_at=clock.now(),
        target=target,
        outliers=outliers,
    )
    if format is ReportFormat.csv:
        return Response(service.to_csv(report), media_type=CSV_MEDIA_TYPE)
    if format is ReportFormat.png:
        return Response(chart.render_png(report), media_type=PNG_MEDIA_TYPE)
    return report
