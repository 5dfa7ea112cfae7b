"""The schema is made by migrations: upgrading an empty database gives exactly the models."""

from __future__ import annotations

import os
import uuid
import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from digiflow import create_app
from digiflow.core.db import db, migration_include_object
from tests.conftest import USING_POSTGRES


@pytest.fixture
def empty_database_url(tmp_path):
    if not USING_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    base = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_matches_the_models_and_downgrade_empties(empty_database_url, instance_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn, warnings.catch_warnings():
            # Alembic cannot compare the expression index for full-text search; checked below
            warnings.filterwarnings("ignore", message=".*expression-based index")
            diff = compare_metadata(
                MigrationContext.configure(
                    conn,
                    opts={"compare_type": True, "include_object": migration_include_object},
                ),
                db.metadata,
            )
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("measures")}
        assert diff == [], f"models and migrations differ: {diff}"
        assert ("ix_measures_fulltext" in indexes) == (db.engine.dialect.name == "postgresql")
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
