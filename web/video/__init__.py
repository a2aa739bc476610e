"""Video: /api/vod, live HLS and /wsapi/live, the /watch player page and recorded files under /storage."""
