"""Every table of config.toml validated at once, so any command reports a wrong key or value at
start, naming it, rather than when the part that reads it first runs."""

from __future__ import annotations

from scheduler.cadence import CalendarPolicy
from scheduler.followup.settings import FollowupSettings
from scheduler.plan.files.limits import ReadLimits
from scheduler.reminders.settings import EmailSettings, ReminderSettings, check_role_addresses
from scheduler.services.feeds import FeedSettings
from scheduler.settings.config import Config
from scheduler.settings.spec import integer, read_table, text


def validate_config(config: Config) -> Config:
    CalendarPolicy.from_mapping(config.table("calendar"))
    FeedSettings.from_config(config)
    ReminderSettings.from_config(config)
    EmailSettings.from_config(config)
    FollowupSettings.from_config(config)
    ReadLimits.from_config(config)
    read_table(config.table("server"), "server", {
        "host": (text(), "127.0.0.1"), "port": (integer(1, 65535), 8000), "secret_key": (text(), None),
    })  # fmt: skip
    check_role_addresses(config)
    return config
