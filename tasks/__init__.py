"""Celery tasks: thin wrappers that load ids and call digiflow operations."""
