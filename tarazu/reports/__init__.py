"""Public reports and their abuse resistance, as pure rules: report categories, token-bucket
rate limits, reporter reputation, sub-linear priority and coordinated-campaign detection.
Storage and the web live in adapters and entrypoints; nothing here does I/O."""
