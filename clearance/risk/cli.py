"""`clearance risk retrain | promote | activate | models`: the model versions by hand, as the
scheduled retraining and the supervisors' API handle them (docs/risk-engine.md); and
`clearance risk rebuild-activity`: the parties' daily counts screening reads, recounted."""

import argparse
import json
import sys

CLI_ACTOR = "cli"


def add_model_commands(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> None:
    retrain = commands.add_parser(
        "retrain",
        help="one round of the scheduled retraining now: decide the trial, train a candidate",
    )
    retrain.set_defaults(handler=_retrain)
    promote = commands.add_parser(
        "promote", help="compare the model on trial with the active one; promote it if better"
    )
    promote.set_defaults(handler=_promote)
    activate = commands.add_parser("activate", help="activate any stored model version")
    activate.add_argument("version")
    activate.set_defaults(handler=_activate)
    listed = commands.add_parser("models", help="every stored model version, newest first")
    listed.set_defaults(handler=_models)
    rebuild = commands.add_parser(
        "rebuild-activity", help="recount each party's declarations per day from the declarations"
    )
    rebuild.set_defaults(handler=_rebuild_activity)


def _rebuild_activity(_args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.declarations import activity

    with db.unit_of_work() as session:
        days = activity.rebuild(session.connection())
    print(f"{days} party-days recounted from the declarations")


def _retrain(_args: argparse.Namespace) -> None:
    from clearance.clock import get_clock
    from clearance.risk import retraining
    from clearance.settings import get_settings

    done = retraining.run_round(clock=get_clock(), settings=get_settings(), actor=CLI_ACTOR)
    print(json.dumps(done.as_json(), indent=2))


def _promote(_args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.clock import get_clock
    from clearance.risk import retraining
    from clearance.settings import get_settings

    with db.unit_of_work() as session:
        trial = retraining.decide(
            session=session, clock=get_clock(), settings=get_settings(), actor=CLI_ACTOR
        )
    if trial is None:
        print("no model is on trial")
        return
    print(json.dumps(trial.as_json(), indent=2))


def _activate(args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.audit import service as audit_service
    from clearance.audit.models import SYSTEM_ROLE
    from clearance.clock import get_clock
    from clearance.errors import ClearanceError
    from clearance.risk import admin

    clock = get_clock()
    try:
        with db.unit_of_work() as session:
            row = admin.activate(session=session, clock=clock, version=args.version)
            audit_service.record(
                session=session,
                at=clock.now(),
                actor=CLI_ACTOR,
                role=SYSTEM_ROLE,
                action="risk.model.activated",
                target_kind="risk_model",
                target_id=row.version[:64],
            )
    except ClearanceError as refused:
        print(f"refused: {refused.detail}", file=sys.stderr)
        raise SystemExit(2) from refused
    print(f"model {row.version} is active; workers score with it from their next screening on")


def _models(_args: argparse.Namespace) -> None:
    from clearance import db
    from clearance.risk import admin

    with db.new_session() as session:
        for row in admin.models(session=session):
            state = "active" if row.active else "-"
            reason = row.comparison.get("reason", "")
            print(f"{row.version}\t{state}\t{row.status}\t{row.created_at:%Y-%m-%d}\t{reason}")
