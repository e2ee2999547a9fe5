"""Schema migrations, run with `clearance migrate`."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@lru_cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def at_head(connection: Connection) -> bool:
    """Whether the database's schema is the one this code was written for."""
    return MigrationContext.configure(connection).get_current_revision() == head_revision()


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def migrate(url: str) -> int:
    """Upgrade the schema, then load the shipped reference data; returns rows added."""
    from sqlmodel import Session

    from clearance.db import make_engine
    from clearance.documents.requirements import load_required_documents
    from clearance.reference.seed import load_seed

    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            added = load_seed(session=session) + load_required_documents(session)
            session.commit()
    finally:
        engine.dispose()
    return added
