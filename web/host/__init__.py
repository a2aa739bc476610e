"""/api/system (info, health, hddsmart, restart, reboot): facts about the machine the server runs on,
read from /proc, /sys, psutil and smartctl."""
