"""Who is acting: a user with a role, through which channel (cli, web, job) and, for the
command line, the operating-system account behind the call. Kept on the floor of the
layers so the audit log and every service can name the actor without importing auth."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    PSD_INVESTIGATOR = "psd_investigator"
    FOI_OFFICER = "foi_officer"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


class Channel(StrEnum):
    CLI = "cli"
    WEB = "web"
    JOB = "job"  # an automated job before any user exists
    SERVICE = "service"  # a direct call of a service (tests, scripts in Python)


@dataclass(frozen=True)
class Actor:
    """An authenticated user (or the system actor). Only auth.service makes one from a
    password; code that builds one by hand is a test or a job."""

    username: str
    role: Role
    channel: Channel = Channel.SERVICE
    os_account: str | None = None


# The actor of automated jobs before any user exists (a first wash on a fresh install).
SYSTEM = Actor("system", Role.ADMINISTRATOR, Channel.JOB)
RESERVED_USERNAMES = frozenset({"system", "root", "admin@system"})
