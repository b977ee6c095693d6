"""Ways in: the command line and the web (UI and API)."""
