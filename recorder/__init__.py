"""recorder (see ARCHITECTURE.md)."""
