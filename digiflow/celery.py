"""Celery wired to the Flask app: every task runs in an app context and commits once."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

TASK_MODULES = ["tasks.system", "tasks.mail", "tasks.reminders", "tasks.committees"]


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app`` and store it as ``app.extensions['celery']``."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from digiflow.core.db import db

            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.include = TASK_MODULES
    celery_app.conf.beat_schedule = {
        "heartbeat": {"task": "digiflow.heartbeat", "schedule": app.config["HEARTBEAT_SECONDS"]},
        "sweep-outbox": {
            "task": "digiflow.sweep_outbox",
            "schedule": app.config["OUTBOX_SWEEP_SECONDS"],
        },
        # reminders: one scan sends what is due
        "scan-reminders": {
            "task": "digiflow.scan_reminders",
            "schedule": app.config["REMINDER_SCAN_SECONDS"],
        },
        # the daily digest for those who chose it (German time, the timezone set above)
        "send-digests": {
            "task": "digiflow.send_digests",
            "schedule": crontab(hour=app.config["DIGEST_HOUR"], minute=30),
        },
        # recurring sessions: create those that come within the horizon
        "extend-meeting-series": {
            "task": "digiflow.extend_meeting_series",
            "schedule": crontab(hour=2, minute=15),
        },
        # the monthly overview of open measures per department, on the first of the month
        "department-digests": {
            "task": "digiflow.send_department_digests",
            "schedule": crontab(day_of_month=1, hour=app.config["DIGEST_HOUR"], minute=0),
        },
    }
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def send_task(name: str, *args: Any, **options: Any) -> Any:
    """Send the task ``name`` with ``args`` through the current Flask app's Celery (not a
    global default); ``options`` go to Celery (e.g. ``retry=False``)."""
    from flask import current_app

    return current_app.extensions["celery"].send_task(name, args=args, **options)
