"""Persistent state: settings file, database schema and engine, queries, files under the data directory."""
