"""The web entrypoint: review UI (server-rendered) and JSON API, on FastAPI."""
