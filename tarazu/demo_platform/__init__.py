"""A small stand-in social platform for the demo and the tests: its own web app and its own
SQLite file (it never touches tarazu's database). It receives tarazu's signed enforcement
webhooks, acts once per delivery, keeps an action log, and tells tarazu about new accounts,
posts and removals through tarazu's platform event API (``docs/platform-api.md``)."""
