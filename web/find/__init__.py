"""/api/find: event log, plate log (and its Excel export), similar plates, objects, recorded time."""
