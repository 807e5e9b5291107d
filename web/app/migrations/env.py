"""Alembic environment of the web app's database (run through Flask-Migrate: ``wfm db ...``).

The URL and metadata come from the running app (``current_app``), so migrations apply to
whatever ``DATABASE_URL`` the instance is configured with: SQLite by default, PostgreSQL or any
SQLAlchemy URL otherwise. SQLite tables are altered in batch mode (copy and move), which it
needs for most ``ALTER TABLE`` changes.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic import context
from flask import current_app

config = context.config
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting (``wfm db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply the migrations on a connection of the app's engine."""

    def skip_empty(context: Any, revision: Any, directives: list[Any]) -> None:
        # an autogenerate with no schema change writes no revision file
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty)
    conf_args.setdefault("render_as_batch", True)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
