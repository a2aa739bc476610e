"""Footage leaving the server: /wsapi/dataExport and its /download/{task}/{file} files (socket,
params, stages, downloads), and event backup: PUT /api/event-videos/trigger and /event-storage."""
