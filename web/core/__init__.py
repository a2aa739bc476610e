"""What every area of the web layer shares: the services it is handed, errors, JSON answers,
parameters, times, URLs, messages, sign-in and WebSocket helpers. Imports no area."""
