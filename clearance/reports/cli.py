"""`clearance report release-time`: the TRS report from the database, for a period."""

import argparse
import sys
from pathlib import Path

FORMATS = ("json", "csv", "png")
# Kept beside the argument parser, which must not import the service to start quickly.
BOUND_HELP = "2026-12-01 (midnight at the gate, Asia/Ho_Chi_Minh) or 2026-12-01T08:00+07:00"


def add_report_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> "argparse._SubParsersAction[argparse.ArgumentParser]":
    """`clearance report ...`; the report commands, for other domains to add theirs."""
    report = commands.add_parser("report", help="reports computed from the database")
    reports = report.add_subparsers(dest="report_command", required=True)
    release = reports.add_parser(
        "release-time", help="TRS time release per stage and channel for a period"
    )
    release.add_argument("--from", dest="period_from", required=True, help=BOUND_HELP)
    release.add_argument("--to", dest="period_to", required=True, help=BOUND_HELP)
    release.add_argument("--format", choices=FORMATS, default="json")
    release.add_argument("--out", default=None, help="a file; standard output when left out")
    release.add_argument("--outliers", type=int, default=10, help="how many slowest to list")
    release.set_defaults(handler=report_command)
    return reports


def report_command(args: argparse.Namespace) -> None:
    """Compute the report for [--from, --to) and write it as JSON, CSV or PNG."""
    from clearance import db
    from clearance.clock import get_clock
    from clearance.reports import chart, period, service

    period_from, period_to = period.parse_period(args.period_from, args.period_to)
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
    write_report(content, args.out, "release-time")


def write_report(content: bytes, out: str | None, name: str) -> None:
    """To the file `--out` names (saying so on standard error), else to standard output."""
    if out:
        Path(out).write_bytes(content)
        print(f"{name} report written to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
