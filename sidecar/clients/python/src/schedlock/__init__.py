"""Client for the schedlock sidecar (docs/api.md). Standard library only.

    import schedlock
    client = schedlock.Client()                  # $SCHEDLOCK_URL or http://127.0.0.1:8470
    permit = client.permit()                     # None: do not start anything
    if permit is not None:
        run_job(fencing_token=permit.fencing_token, store_id=permit.store_id)

Recipes: ``schedlock.apscheduler`` (pause/resume by the lease), ``schedlock.celery`` (a beat
scheduler that sends only with a permit). They import their framework only when imported.
"""
from .client import (Answer, Claim, Client, Holder, LeaseView, Permit, Release, RequestRefused,
                     SchedlockError, SidecarTimeout, SidecarUnavailable)
from .gate import LeaseGate

__all__ = ["Answer", "Claim", "Client", "Holder", "LeaseGate", "LeaseView", "Permit", "Release",
           "RequestRefused", "SchedlockError", "SidecarTimeout", "SidecarUnavailable"]
