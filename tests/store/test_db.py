"""Schema migrations: Alembic creates exactly the tables the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from voc.store.db import MIGRATIONS_DIR, make_engine, migrate
from voc.store.tables import metadata


def test_db_migrate_creates_declared_tables(engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"feedback", "rejects", "ingest_runs", "alembic_version"} <= names


def test_db_migrations_match_table_metadata(engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_db_migrate_twice_is_a_no_op(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    migrate(engine)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("select version_num from alembic_version").scalar()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert version == ScriptDirectory.from_config(config).get_current_head()
