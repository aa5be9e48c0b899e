"""APScheduler 3 driven by the lease: ``resume()`` while this pod holds a permit, ``pause()`` otherwise.

    from apscheduler.schedulers.background import BackgroundScheduler
    import schedlock.apscheduler

    scheduler = BackgroundScheduler()
    gate = schedlock.apscheduler.drive(scheduler)          # starts it paused, resumes on a permit

    @schedlock.apscheduler.guarded(gate)
    def report(permit):                                   # runs only with a valid permit
        write_report(fencing_token=permit.fencing_token)

    scheduler.add_job(report, "interval", minutes=5, max_instances=1, coalesce=True)

``pause()`` stops the scheduler from starting jobs; a job already running goes on. ``guarded``
therefore checks the permit again when the job starts, and gives it the permit, whose
``valid()`` a long job checks before each write and whose ``fencing_token`` goes into the write.
On shutdown call ``gate.stop()`` before ``scheduler.shutdown()``.
"""
import functools
import logging

from .client import Client
from .gate import LeaseGate

log = logging.getLogger("schedlock")


def drive(scheduler, client=None, claim_as=None):
    """Starts ``scheduler`` paused (unless it runs already) and a gate that resumes and pauses it."""
    from apscheduler.schedulers.base import STATE_STOPPED

    if scheduler.state == STATE_STOPPED:
        scheduler.start(paused=True)
    else:
        scheduler.pause()

    def stop(why):
        if scheduler.state != STATE_STOPPED:
            scheduler.pause()

    return LeaseGate(client or Client(), on_start=lambda permit: scheduler.resume(), on_stop=stop,
                     claim_as=claim_as).start()


def guarded(gate):
    """Decorator: run the job only while ``gate`` holds a permit, with that permit as first argument."""
    def decorate(job):
        @functools.wraps(job)
        def run(*args, **kwargs):
            permit = gate.permit()
            if permit is None:
                log.info("schedlock: not running %s: no permit", job.__name__)
                return None
            return job(permit, *args, **kwargs)
        return run
    return decorate
