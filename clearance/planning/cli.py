"""`clearance report what-if`: the planner's answer from the database, as JSON or a PNG."""

import argparse
import sys

from clearance.reports.cli import write_report

# Kept beside the argument parser, which must not import the service to start quickly.
BOUND_HELP = "2026-12-01 (midnight at the gate) or 2026-12-01T08:00+07:00; default last week"
SHIFTS = ("morning", "afternoon", "evening")


def add_what_if_command(
    reports: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> None:
    what_if = reports.add_parser(
        "what-if",
        help="release time and queues if officers, channel rates or traffic were different",
    )
    what_if.add_argument("--from", dest="period_from", default=None, help=BOUND_HELP)
    what_if.add_argument("--to", dest="period_to", default=None, help=BOUND_HELP)
    what_if.add_argument("--gate", default=None, help="a gate code; default the busiest")
    for shift in SHIFTS:
        what_if.add_argument(
            f"--officers-{shift}", default=None, metavar="N", help="+1, -1 (change) or 3 (set)"
        )
    what_if.add_argument("--red-rate", type=float, default=None, help="e.g. 0.03")
    what_if.add_argument("--yellow-rate", type=float, default=None)
    what_if.add_argument("--traffic", type=float, default=1.0, help="lodgements times this")
    what_if.add_argument("--runs", type=int, default=20)
    what_if.add_argument("--seed", type=int, default=0)
    what_if.add_argument("--format", choices=("json", "png"), default="json")
    what_if.add_argument("--out", default=None, help="a file; standard output when left out")
    what_if.set_defaults(handler=what_if_command)


def what_if_command(args: argparse.Namespace) -> None:
    """Answer the question for the period and write it; a wrong argument says which."""
    from pydantic import ValidationError

    from clearance.errors import InvalidInput

    try:
        content = _answer(args)
    except InvalidInput as error:
        print(f"refused: {error.detail}", file=sys.stderr)
        raise SystemExit(2) from error
    except ValidationError as error:
        print(f"refused: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    write_report(content, args.out, "what-if")


def _answer(args: argparse.Namespace) -> bytes:
    from clearance import db
    from clearance.clock import get_clock
    from clearance.errors import invalid_field
    from clearance.messages import Message
    from clearance.planning import chart, params, service
    from clearance.planning.schemas import ShiftName
    from clearance.settings import get_settings

    settings, now = get_settings(), get_clock().now()
    changes = params.parse_changes(
        officers={ShiftName(s): getattr(args, f"officers_{s}") for s in SHIFTS},
        shifts=settings.shift_hours,
        red_rate=args.red_rate,
        yellow_rate=args.yellow_rate,
        traffic=args.traffic,
    )
    if not 1 <= args.runs <= service.MAX_RUNS:
        raise invalid_field("runs", Message("field.runs_range", {"most": service.MAX_RUNS}))
    with db.new_session() as session:
        report = service.what_if(
            session=session,
            period=params.parse_period(args.period_from, args.period_to, now),
            now=now,
            changes=changes,
            settings=settings,
            gate=args.gate,
            runs=args.runs,
            seed=args.seed,
        )
    if args.format == "png":
        return chart.render_png(report)
    return (report.model_dump_json(indent=2) + "\n").encode()
