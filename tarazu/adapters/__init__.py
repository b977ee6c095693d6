"""Adapters: everything that talks to the outside world (files, databases, HTTP, broker, Spark)."""
