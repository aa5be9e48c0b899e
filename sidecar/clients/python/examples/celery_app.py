"""A Celery app whose beat sends only from the pod that holds the lease.

    celery -A celery_app beat          # in every pod, beside its sidecar
    celery -A celery_app worker        # anywhere, as many as you like
"""
import os

from celery import Celery

import schedlock.celery

app = Celery("reports", broker=os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"))
app.conf.beat_scheduler = "schedlock.celery:LeaseScheduler"   # sends only with a permit
app.conf.task_default_queue = os.environ.get("QUEUE", "reports")
app.conf.beat_schedule = {"report": {"task": "celery_app.report", "schedule": float(os.environ.get("EVERY", "60"))}}


@app.task(bind=True)
def report(self):
    token, store_id = schedlock.celery.fencing_token(self.request)
    with open(os.environ.get("JOB_RECORD", "report.log"), "a") as out:   # stands for a fenced write
        out.write("%s %s %s\n" % (self.request.hostname, store_id, token))
