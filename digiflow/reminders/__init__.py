"""Reminders: rows created or moved by the domain, sent by one periodic scanner."""
