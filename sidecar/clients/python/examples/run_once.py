"""Run a job once if this pod holds the lease (a cron entry, a Kubernetes CronJob-like loop)."""
import sys

import schedlock

client = schedlock.Client()                      # $SCHEDLOCK_URL, else http://127.0.0.1:8470
try:
    permit = client.permit()                     # counted from the moment the request was sent
except schedlock.SidecarUnavailable as e:        # refused, timed out (a paused sidecar), garbled
    sys.exit("no permit: the sidecar did not answer: %s" % e)
if permit is None:
    print("no permit: another pod leads, or this one is starting or stopping")
    sys.exit(0)
print("job runs with fencing token %d of store %s, %.1f s left"
      % (permit.fencing_token, permit.store_id, permit.remaining()))
