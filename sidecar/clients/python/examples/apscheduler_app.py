"""An APScheduler app that runs its jobs only while its pod holds the lease."""
import os
import signal
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler

import schedlock.apscheduler

scheduler = BackgroundScheduler()
gate = schedlock.apscheduler.drive(scheduler)    # paused; resumed while the sidecar grants permits


@schedlock.apscheduler.guarded(gate)
def report(permit):                              # called only with a valid permit
    started = time.monotonic()
    time.sleep(float(os.environ.get("JOB_SECONDS", "0.1")))     # the job's work; a long job
    with open(os.environ.get("JOB_RECORD", "report.log"), "a") as out:   # checks permit.valid()
        out.write("%s %d %.6f %.6f\n" % (os.environ.get("POD_NAME"), permit.fencing_token,
                                          started, time.monotonic()))   # stands for a fenced write


scheduler.add_job(report, "interval", seconds=float(os.environ.get("EVERY", "60")),
                  max_instances=1, coalesce=True)

stopping = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stopping.set())
stopping.wait()
gate.stop()                                      # pauses first: no job starts after this
scheduler.shutdown()                             # waits for a running job to end
