"""Routers, one module per area. ``ROUTERS`` is the explicit list the app mounts."""
