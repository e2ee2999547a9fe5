"""`GET /v1/reports/what-if`: the period replayed with an operator's changes, JSON or PNG."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from clearance.auth.models import Role
from clearance.auth.service import Caller
from clearance.deps import ClockDep, SessionDep, SettingsDep, require
from clearance.errors import PROBLEM_RESPONSES
from clearance.planning import chart, params, service
from clearance.planning.schemas import ShiftName, WhatIfFormat, WhatIfReport
from clearance.reports import period

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

ReportReaderDep = Annotated[Caller, Depends(require(Role.operator, Role.supervisor))]
PNG_MEDIA_TYPE = "image/png"
BOUND = f"{period.EXPECTED}; both or neither (the seven days before today at the gate)"
Officers = Annotated[str | None, Query(max_length=8, description=params.OFFICERS_HELP)]
Rate = Annotated[float | None, Query(ge=0, le=1, description="the share sent to this channel")]


@router.get(
    "/what-if",
    response_model=WhatIfReport,
    responses={
        200: {"content": {PNG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def what_if(
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _caller: ReportReaderDep,
    period_from: Annotated[str | None, Query(alias="from", description=BOUND)] = None,
    period_to: Annotated[str | None, Query(alias="to", description=BOUND)] = None,
    gate: Annotated[str | None, Query(pattern=r"^[A-Z]{2,8}$")] = None,
    officers_morning: Officers = None,
    officers_afternoon: Officers = None,
    officers_evening: Officers = None,
    red_rate: Rate = None,
    yellow_rate: Rate = None,
    traffic: Annotated[float, Query(gt=0, le=10, description="lodgements times this")] = 1.0,
    runs: Annotated[int, Query(ge=1, le=service.MAX_RUNS)] = service.DEFAULT_RUNS,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    format: WhatIfFormat = WhatIfFormat.json,
) -> WhatIfReport | Response:
    """Release time per channel and queues by hour, replayed and with the changes asked."""
    now = clock.now()
    changes = params.parse_changes(
        officers={
            ShiftName.morning: officers_morning,
            ShiftName.afternoon: officers_afternoon,
            ShiftName.evening: officers_evening,
        },
        shifts=settings.shift_hours,
        red_rate=red_rate,
        yellow_rate=yellow_rate,
        traffic=traffic,
    )
    report = service.what_if(
        session=session,
        period=params.parse_period(period_from, period_to, now),
        now=now,
        changes=changes,
        settings=settings,
        gate=gate,
        runs=runs,
        seed=seed,
    )
    if format is WhatIfFormat.png:
        return Response(chart.render_png(report), media_type=PNG_MEDIA_TYPE)
    return report
