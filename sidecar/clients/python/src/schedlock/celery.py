"""Celery beat that sends only while this pod holds a permit.

    # celeryconfig / app.conf
    beat_scheduler = "schedlock.celery:LeaseScheduler"
    schedlock_url = "http://127.0.0.1:8470"                # default: $SCHEDLOCK_URL, then this

Run ``celery beat`` in every pod, beside its sidecar. Every beat ticks its schedule as usual, but
right before it sends a due task it asks its sidecar for a permit (GET /v1/lease, counted from
the moment the request was sent) and sends only with a valid one; without one the entry is
skipped (its run time passes, as on a beat that sent it). So exactly one beat sends, the lease
holder's, and a handoff neither repeats nor catches up a run: a run that falls due between the
old holder's last permit and the new holder's first is skipped, as ShedLock skips a run while
another node holds the lock (at most once per run time).

Each message the beat sends carries the permit's fencing token and store id in its headers
``schedlock_fencing_token`` and ``schedlock_store_id`` (in the task: ``self.request``, see
``fencing_token(request)``), so that the task's writes can be fenced: a worker may run a message
long after the beat sent it.
"""
import copy
import logging

from celery.beat import PersistentScheduler, Scheduler

from .client import Client, SchedlockError

log = logging.getLogger("schedlock")

TOKEN_HEADER = "schedlock_fencing_token"
STORE_HEADER = "schedlock_store_id"


class LeaseSchedulerMixin:
    """Put before a beat scheduler class: ``class S(LeaseSchedulerMixin, SomeScheduler)``."""

    schedlock_client = None
    _sending_permit = None

    def _schedlock(self):
        if self.schedlock_client is None:
            self.schedlock_client = Client(self.app.conf.get("schedlock_url"),
                                           timeout=float(self.app.conf.get("schedlock_timeout") or 2.0))
        return self.schedlock_client

    def apply_entry(self, entry, producer=None):
        try:
            answer = self._schedlock().ask()
            permit, why = answer.permit, answer.lease.state
        except SchedlockError as e:
            permit, why = None, str(e)
        if permit is None:
            log.info("schedlock: not sending %s (%s): no permit (%s)", entry.name, entry.task, why)
            return
        self._sending_permit = permit
        try:
            super().apply_entry(entry, producer=producer)
        finally:
            self._sending_permit = None

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        permit = self._sending_permit
        if permit is None or not permit.valid():
            # Celery logs this as a failed send of this one entry; the schedule goes on.
            raise SchedlockError("not sending %s: the permit ended before the send" % entry.name)
        entry = copy.copy(entry)
        headers = dict(entry.options.get("headers") or {})
        headers[TOKEN_HEADER] = permit.fencing_token
        headers[STORE_HEADER] = permit.store_id
        entry.options = dict(entry.options, headers=headers)
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        log.info("schedlock: sent %s with fencing token %d", entry.name, permit.fencing_token)
        return result


class LeaseScheduler(LeaseSchedulerMixin, PersistentScheduler):
    """Beat's default scheduler (schedule state in a local file), gated by the lease."""


class LeaseMemoryScheduler(LeaseSchedulerMixin, Scheduler):
    """Beat's in-memory scheduler, gated by the lease."""


def fencing_token(request):
    """(fencing token, store id) the beat put on this task's message, or (None, None)."""
    def get(name):
        value = getattr(request, name, None)
        if value is None and isinstance(getattr(request, "headers", None), dict):
            value = request.headers.get(name)
        return value
    token = get(TOKEN_HEADER)
    return (int(token) if token is not None else None), get(STORE_HEADER)
