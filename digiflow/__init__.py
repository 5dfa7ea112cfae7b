"""digiflow: steering digitalization measures in German municipalities."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext

from digiflow.config import PROJECT_ROOT, from_environment


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI, Celery."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("DIGIFLOW_INSTANCE_PATH")
        or (PROJECT_ROOT / "instance")
    ).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(instance_path))
    if config:
        celery_overrides = config.pop("CELERY", None) if "CELERY" in config else None
        app.config.update(config)
        if celery_overrides:
            app.config["CELERY"] = {**app.config["CELERY"], **celery_overrides}

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_extensions(app)
    register_models()
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    register_celery(app)
    register_notifications()
    return app


def register_notifications() -> None:
    """Mails go through the outbox; the signal receivers write them."""
    import digiflow.committees.handlers  # noqa: F401 - reminders follow sessions, resolutions
    import digiflow.committees.notifications  # noqa: F401 - invitations, updates, cancellations
    import digiflow.committees.reminders  # noqa: F401 - the scanner's session reminders
    import digiflow.notifications.handlers  # noqa: F401 - connects the signal receivers
    import digiflow.reminders.handlers  # noqa: F401 - reminders: created/moved with the measure
    from digiflow.notifications.outbox import init_outbox

    init_outbox()


def register_extensions(app: Flask) -> None:
    from digiflow.core.db import migration_include_object, render_migration_item
    from digiflow.core.workflow.registry import WorkflowRegistry
    from digiflow.extensions import babel, csrf, db, limiter, login_manager, migrate
    from digiflow.i18n.selection import select_locale

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
        render_item=render_migration_item,
        include_object=migration_include_object,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Bitte melden Sie sich an.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.extensions["digiflow.workflows"] = WorkflowRegistry(app.config["WORKFLOWS_DIR"])


def register_models() -> None:
    """Import every model module so that metadata and migrations see all tables."""
    import digiflow.catalogs.models  # noqa: F401
    import digiflow.committees.models  # noqa: F401
    import digiflow.committees.permissions  # noqa: F401
    import digiflow.core.workflow.models  # noqa: F401
    import digiflow.funding.models  # noqa: F401
    import digiflow.measures.models  # noqa: F401
    import digiflow.measures.permissions  # noqa: F401
    import digiflow.notifications.models  # noqa: F401
    import digiflow.org.models  # noqa: F401
    import digiflow.reminders.models  # noqa: F401 - reminders
    import digiflow.system.models  # noqa: F401
    import digiflow.users.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    import digiflow.admin.outbox_views  # noqa: F401
    import digiflow.measures.committee_views  # noqa: F401 - the measure page's committee panel
    import digiflow.measures.list_views  # noqa: F401 - routes of the measures blueprint
    import digiflow.measures.views  # noqa: F401 - routes of the measures blueprint
    import digiflow.users.substitute_views  # noqa: F401 - routes of the auth blueprint
    from digiflow.admin.views import bp as admin_bp
    from digiflow.committees.calendar_views import bp as calendar_bp
    from digiflow.committees.paper_views import bp as papers_bp
    from digiflow.committees.resolution_views import bp as resolutions_bp
    from digiflow.committees.views import bp as committees_bp
    from digiflow.measures.blueprint import bp as measures_bp
    from digiflow.oparl.views import bp as oparl_bp
    from digiflow.system.views import bp as system_bp
    from digiflow.users.views import bp as auth_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(system_bp)
    app.register_blueprint(measures_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(committees_bp)
    app.register_blueprint(papers_bp)
    app.register_blueprint(resolutions_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(oparl_bp)
    register_template_helpers(app)


def register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from digiflow.committees.labels import label
    from digiflow.core import formatting
    from digiflow.core.permissions import can

    app.jinja_env.filters.update(
        money=formatting.money,
        number=formatting.number,
        day=formatting.day,
        moment=formatting.moment,
    )
    app.jinja_env.globals.update(
        can=lambda permission, obj=None: can(current_user, permission, obj),
        language=formatting.language,
        label=label,
    )


def register_cli(app: Flask) -> None:
    from digiflow.core.workflow.cli import workflows_cli
    from digiflow.demo.cli import demo_cli
    from digiflow.org.cli import org_cli
    from digiflow.reminders.cli import reminders_cli  # reminders
    from digiflow.system.cli import mail_cli
    from digiflow.users.cli import users_cli

    app.cli.add_command(workflows_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)  # reminders


def register_errorhandlers(app: Flask) -> None:
    from flask import render_template

    def render_error(error: Any) -> Any:
        code = getattr(error, "code", 500)
        return render_template("errors/error.html", code=code), code

    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, render_error)


def register_celery(app: Flask) -> None:
    from digiflow.celery import celery_init_app

    celery_init_app(app)
