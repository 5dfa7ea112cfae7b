"""Entry point for the web server (``gunicorn wsgi:app``), the CLI and Celery (``wsgi:celery``)."""

from digiflow import create_app

app = create_app()
celery = app.extensions["celery"]
