"""The DuckDB warehouse: opening, migrations and atomic, idempotent ingest."""
