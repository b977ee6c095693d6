"""The relational store: SQLite (embedded default) or PostgreSQL (production), one schema,
managed by Alembic migrations."""
