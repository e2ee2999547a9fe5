"""`clearance report release-time`: the TRS report from the database, for a period."""

import argparse
import sys
from datetime import datetime
from pathlib import Path

FORMATS = ("json", "csv", "png")


def add_report_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    report = commands.add_parser("report", help="reports computed from the database")
    reports = report.add_subparsers(dest="report_command", required=True)
    release = reports.add_parser(
        "release-time", help="TRS time release per stage and channel for a period"
    )
    release.add_argument("--from", dest="period_from", required=True, help="ISO 8601 with zone")
    release.add_argument("--to", dest="period_to", required=True, help="ISO 8601 with zone")
    release.add_argument("--format", choices=FORMATS, default="json")
    release.add_argument("--out", default=None, help="a file; standard output when left out")
    release.add_argument("--outliers", type=int, default=10, help="how many slowest to list")
    release.set_defaults(handler=report_command)


def _moment(name: str, value: str) -> datetime:
    from clearance.errors import invalid_field
    from clearance.fields import plausible_utc

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid_field(name, f"{value!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise invalid_field(name, "needs a time zone, e.g. 2026-12-01T00:00+07:00")
    try:
        return plausible_utc(moment)
    except ValueError as exc:
        raise invalid_field(name, str(exc)) from None


def report_command(args: argparse.Namespace) -> None:
    """Compute the report for [--from, --to) and write it as JSON, CSV or PNG."""
    from clearance import db
    from clearance.clock import get_clock
    from clearance.errors import invalid_field
    from clearance.reports import chart, service

    period_from = _moment("from", args.period_from)
    period_to = _moment("to", args.period_to)
    if period_to <= period_from:
        raise invalid_field("to", "must be after from")
    with db.new_session() as session:
        report = service.release_time(
            session=session,
            period_from=period_from,
            period_to=period_to,
            generated_at=get_clock().now(),
            target=service.release_target(),
            outliers=max(args.outliers, 0),
        )
    if args.format == "png":
        content = chart.render_png(report)
    elif args.format == "csv":
        content = service.to_csv(report).encode()
    else:
        content = (report.model_dump_json(indent=2) + "\n").encode()
    if args.out:
        Path(args.out).write_bytes(content)
        print(f"release-time report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
