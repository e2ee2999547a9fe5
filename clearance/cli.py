"""The `clearance` command: run everything embedded, or each part on its own."""

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from clearance import logs
from clearance.auth.models import Role
from clearance.planning.cli import add_what_if_command
from clearance.queues import NOTIFICATIONS_QUEUE, SCREENING_QUEUE, TRAINING_QUEUE
from clearance.reports.cli import add_report_commands
from clearance.risk.cli import add_model_commands


def _migrate(_args: argparse.Namespace) -> None:
    from clearance.migrations import migrate
    from clearance.settings import get_settings

    added = migrate(get_settings().database_url)
    print(f"database at head; {added} reference rows added")


def _create_key(args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.auth.service import create_key
    from clearance.clock import get_clock
    from clearance.settings import get_settings

    with db.unit_of_work() as session:
        key, plain = create_key(
            session=session,
            clock=get_clock(),
            secret_key=get_settings().secret_key,
            role=Role(args.role),
            tax_code=args.tax_code,
            name=args.name,
        )
    print(f"created {key.role} key {key.prefix}... (id {key.id}); it is shown only now:")
    print(plain)


def _import_tariff(args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.reference.nomenclature import EditionInForce, import_edition
    from clearance.reference.tariff_files import MalformedEdition

    try:
        with db.unit_of_work() as session:
            diff = import_edition(
                session=session,
                directory=args.directory,
                effective_from=args.effective_from,
                created_by="import",
            )
    except (MalformedEdition, EditionInForce) as error:
        print(f"refused, nothing changed: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    print(f"edition in force from {args.effective_from}:")
    print(diff.summary())


def _demo_mandates(args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.clock import get_clock
    from clearance.synthetic.mandates import grant_demo_mandates

    with db.unit_of_work() as session:
        granted = grant_demo_mandates(session=session, clock=get_clock(), brokers=args.tax_code)
    print(f"{granted} demo mandates recorded")


def _api(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "clearance.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.processes,
        log_level=logs.log_level().lower(),
        log_config=logs.dict_config(),
        access_log=logs.log_level() in {"DEBUG", "INFO"},
    )


def _worker(args: argparse.Namespace) -> None:
    from workers import worker

    worker.run(
        burst=args.burst,
        metrics_port=args.metrics_port,
        sweep=not args.no_sweeper,
        queues=args.queue or worker.QUEUES,
    )


def _demo(args: argparse.Namespace) -> None:
    from clearance import embedded

    embedded.demo(
        url=args.url,
        count=args.count,
        interval=args.interval,
        seed=args.seed,
        officers=args.officers,
        quiet=args.quiet,
    )


def _run(args: argparse.Namespace) -> None:
    if not args.verbose:  # the demo's lines stand out; restarts are warnings and still show
        os.environ.setdefault(logs.LOG_LEVEL_VARIABLE, "WARNING")  # this process and its children
        logs.configure()
    from clearance import embedded

    embedded.run(
        port=args.port,
        data_dir=args.data_dir,
        workers=args.workers,
        demo_interval=None if args.no_demo else args.demo_interval,
        demo_model=not args.no_model,
        officers=args.officers,
        verbose=args.verbose,
    )


def _import_history(args: argparse.Namespace) -> None:
    from pathlib import Path

    from clearance import db
    from clearance.clock import get_clock
    from clearance.reference import service as reference_service
    from clearance.risk import learning
    from clearance.risk.history import read_jsonl

    path = Path(args.file)
    clock = get_clock()
    with db.unit_of_work() as session:
        added, skipped = learning.import_history(
            session=session,
            clock=clock,
            reference=reference_service.snapshot(session=session, today=clock.now().date()),
            records=read_jsonl(path),
            source=args.source or path.stem,
        )
    print(f"{added} labeled declarations imported, {skipped} skipped (unlabeled or already there)")


def _train(args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.clock import get_clock
    from clearance.risk import learning
    from clearance.risk.model import train

    with db.unit_of_work() as session:
        records = learning.training_records(session=session)
        if not records:
            print("error: no labeled history; run `clearance risk import-history FILE` first")
            raise SystemExit(2)
        model = train(records, seed=args.seed, goods=learning.goods_table(session))
        row = learning.store_model(
            session=session,
            clock=get_clock(),
            model=model,
            trained_on=len(records),
            actor="cli",
            activate=not args.no_activate,
        )
    print(f"model {row.version} trained on {len(records)} declarations: {row.metrics}")
    print("active" if row.active else "stored, not active (activate it through the API)")


def _backtest(args: argparse.Namespace) -> None:
    from datetime import date
    from pathlib import Path

    from clearance.reference.seed import reference_from_files

    try:
        from clearance.risk.backtest import backtest
    except ModuleNotFoundError as missing:
        raise SystemExit(
            f"the backtest needs the `eval` extra ({missing.name} is not installed):"
            " pip install 'clearance[eval]'"
        ) from None
    from clearance.risk.history import read_jsonl
    from clearance.risk.rules import hard_hit_by_goods

    reference = reference_from_files()
    report = backtest(
        list(read_jsonl(Path(args.history))),
        split_date=date.fromisoformat(args.split_date),
        seed=args.seed,
        progress=not args.json,
        lookup_baseline=args.lookup_baseline,
        # Prohibited goods are red by rule whatever the model says: ranking them proves nothing.
        exclude=lambda record: hard_hit_by_goods(
            (line.hs_code for line in record.lines), record.kind.value, reference
        ),
    )
    print(report.to_json() if args.json else report.to_table())
    if args.scores_out:
        Path(args.scores_out).write_text(report.scores_jsonl(), encoding="utf-8")


def _simulate_online(args: argparse.Namespace) -> None:
    from pathlib import Path

    from clearance.risk.exploration import Exploration
    from clearance.risk.history import read_jsonl
    from clearance.risk.online import simulate_online
    from clearance.settings import get_settings

    if args.history:
        records = list(read_jsonl(Path(args.history)))
    else:
        from datetime import UTC, datetime

        from clearance.synthetic.history import simulate

        start = datetime(2025, 1, 1, tzinfo=UTC)
        records = simulate(seed=args.seed, count=args.count, start=start, days=args.days)
    random_share = (
        get_settings().random_red_share if args.random_share is None else args.random_share
    )
    report = simulate_online(
        records,
        weeks=args.weeks,
        budget=args.budget,
        seed=args.seed,
        progress=not args.json,
        exploration=Exploration(random_share, args.uncertain_share),
    )
    print(report.to_json() if args.json else report.to_table())


def _risk_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    risk = commands.add_parser("risk", help="the risk engine: history, training, backtests")
    risk_commands = risk.add_subparsers(dest="risk_command", required=True)
    imported = risk_commands.add_parser("import-history", help="load labeled JSON Lines")
    imported.add_argument("file")
    imported.add_argument("--source", default=None, help="a name for this history (file stem)")
    imported.set_defaults(handler=_import_history)
    train = risk_commands.add_parser("train", help="train a model on all labeled history")
    train.add_argument("--seed", type=int, default=7)
    train.add_argument("--no-activate", action="store_true")
    train.set_defaults(handler=_train)
    test = risk_commands.add_parser("backtest", help="train before a date, score after it")
    test.add_argument("--history", required=True)
    test.add_argument("--split-date", required=True)
    test.add_argument("--seed", type=int, default=7)
    test.add_argument("--json", action="store_true")
    test.add_argument("--scores-out", default=None)
    test.add_argument(
        "--lookup-baseline", action="store_true", help="also rank by an exact goods-tuple lookup"
    )
    test.set_defaults(handler=_backtest)
    online = risk_commands.add_parser(
        "simulate-online",
        help="replay history week by week, learning only from what each policy inspects",
    )
    online.add_argument("--weeks", type=int, required=True)
    online.add_argument("--budget", type=float, default=0.05, help="share inspected each week")
    online.add_argument("--history", default=None, help="labeled JSONL (default: simulated)")
    online.add_argument("--seed", type=int, default=1)
    online.add_argument("--count", type=int, default=20_000, help="simulated declarations")
    online.add_argument("--days", type=int, default=365, help="simulated span")
    online.add_argument(
        "--random-share",
        type=float,
        default=None,
        help="share of declarations inspected at random (default: the policy's setting)",
    )
    online.add_argument(
        "--uncertain-share",
        type=float,
        default=0.005,
        help="share of declarations inspected for the model's uncertainty",
    )
    online.add_argument("--json", action="store_true")
    online.set_defaults(handler=_simulate_online)
    add_model_commands(risk_commands)


def _process_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The processes: everything embedded, the API alone, a worker alone."""
    run = commands.add_parser("run", help="everything embedded: API, workers, Redis, SQLite, demo")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--data-dir", default=".clearance")
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--demo-interval", type=float, default=2.0)
    run.add_argument("--no-demo", action="store_true")
    run.add_argument(
        "--no-model", action="store_true", help="skip training a first model on simulated history"
    )
    run.add_argument("--officers", type=int, default=0, help="simulated officers working the queue")
    run.add_argument(
        "--verbose", action="store_true", help="every request, job and demo step, not one line each"
    )
    run.set_defaults(handler=_run)

    api = commands.add_parser("api", help="the HTTP API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--processes", type=int, default=1)
    api.set_defaults(handler=_api)

    worker = commands.add_parser("worker", help="a worker for screening and notifications")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument(
        "--queue",
        action="append",
        choices=[SCREENING_QUEUE, NOTIFICATIONS_QUEUE, TRAINING_QUEUE],
        help="listen to this queue only (repeatable); default all, screening first, training last",
    )
    worker.add_argument("--metrics-port", type=int, default=None)
    worker.add_argument("--no-sweeper", action="store_true")
    worker.set_defaults(handler=_worker)


def _data_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """The schema, API keys, mandates and reference data."""
    migrate = commands.add_parser("migrate", help="upgrade the schema and load reference data")
    migrate.set_defaults(handler=_migrate)

    keys = commands.add_parser("keys", help="API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="make a key; prints it alone on its last line")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--tax-code", default=None)
    create.add_argument("--name", default="")
    create.set_defaults(handler=_create_key)

    mandates = commands.add_parser("mandates", help="brokers' mandates")
    mandate_commands = mandates.add_subparsers(dest="mandates_command", required=True)
    demo_mandates = mandate_commands.add_parser(
        "demo", help="record the mandates the demo traffic's brokers lodge under"
    )
    demo_mandates.add_argument("--tax-code", action="append", required=True)
    demo_mandates.set_defaults(handler=_demo_mandates)

    reference = commands.add_parser("reference", help="reference data")
    reference_commands = reference.add_subparsers(dest="reference_command", required=True)
    tariff = reference_commands.add_parser(
        "import-tariff", help="load an edition of the tariff (tariff.csv, procedures.csv)"
    )
    tariff.add_argument("directory", type=Path)
    tariff.add_argument("--effective-from", type=date.fromisoformat, required=True)
    tariff.set_defaults(handler=_import_tariff)


def _demo_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    demo = commands.add_parser("demo", help="lodge realistic Ma Lù Thàng traffic")
    demo.add_argument("--url", default="http://127.0.0.1:8000")
    demo.add_argument("--count", type=int, default=20, help="0 runs until stopped")
    demo.add_argument("--interval", type=float, default=0.5)
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument(
        "--officers", type=int, default=0, help="simulated officers working the queue"
    )
    demo.add_argument(
        "--quiet", action="store_true", help="a line per lodgement and per truck that leaves"
    )
    demo.set_defaults(handler=_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clearance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _process_commands(commands)
    _data_commands(commands)
    _demo_command(commands)
    _risk_commands(commands)
    add_what_if_command(add_report_commands(commands))
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    logs.configure()
    args = build_parser().parse_args(argv)
    from clearance.errors import ClearanceError

    try:
        args.handler(args)
    except ClearanceError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130 if os.name != "nt" else 1)
