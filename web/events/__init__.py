"""Events in and out: POST /api/push, and /wsapi/subscribeEvents with the TS-API rendering of events."""
