"""Recorded video handed over: MP4 clips remuxed from the segments (clips), subtitles carrying the
recording's wall-clock time (subtitles), encrypted ZIPs and md5 sums (sealed), and the export task
that /wsapi/dataExport and `tsnvr export` both run (task, stages)."""
