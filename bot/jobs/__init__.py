"""Jobs: due work that survives restarts, run under a lease by the job runner."""

from bot.jobs.health import STALE_AFTER, RunnerHealth, check_health
from bot.jobs.model import JOB_RETRY, Job, JobStatus, NewJob
from bot.jobs.runner import RUNNER, JobHandler, JobRunner
from bot.jobs.store import JobStore

__all__ = [
    "JOB_RETRY", "RUNNER", "STALE_AFTER", "Job", "JobHandler", "JobRunner", "JobStatus", "JobStore", "NewJob",
    "RunnerHealth", "check_health",
]
