"""The database as the edges meet it beside its data: a busy one told apart from other errors
(503 with Retry-After on the web, its own exit code on the command line), a batch of imports
made durable once, at its end, and a SQLite database's online backup.

Opening the store and upgrading its schema are the only imports of `scheduler.store` the edges
make themselves (`scheduler.commands.context`, `scheduler.commands.db`; named in the import
contract in pyproject.toml).
"""

from __future__ import annotations

from scheduler.store.backup import backup_database as backup_database
from scheduler.store.engine import busy_error as busy_error
from scheduler.store.engine import durable_at_the_end as durable_at_the_end
from scheduler.store.engine import is_busy as is_busy
