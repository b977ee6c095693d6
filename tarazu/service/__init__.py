"""Use cases. Entrypoints (CLI, web, jobs) call these; these talk to ports (unit of work,
clock, platform adapter), never to a framework."""
