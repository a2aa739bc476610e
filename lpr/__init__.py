"""lpr (see ARCHITECTURE.md)."""
