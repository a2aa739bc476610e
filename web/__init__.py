"""The Starlette application that speaks TS-API."""
