"""The tests' shared scaffolding: the seed plan and the CLI, databases, servers over HTTP, SMTP
servers, the browser and axe-core, HTML reading, districts, real processes and the fixtures of the
feeds, the follow-up and the workspace. Fixtures that pytest injects are in tests/conftest.py,
built from these."""
