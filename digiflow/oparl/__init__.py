"""The OParl 1.1 read API (public data only)."""
