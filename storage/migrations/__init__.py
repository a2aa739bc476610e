"""Alembic's migrations of the database schema; storage/schema.py runs them (see docs/postgresql.md)."""
