"""Facts about the machine the server runs on, read from /proc, /sys, psutil and smartctl."""
