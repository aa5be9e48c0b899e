#!/usr/bin/env python3
"""A scheduler loop gated by the schedlock sidecar. Standard library only.

Before each job it asks its sidecar for a permit, counting the permit's validForMillis from the
moment it SENT the request (time.monotonic() read before sending). It runs the job only while
the permit lasts, and the job's write to the database it protects carries the fencing token:

    UPDATE job_state SET ... WHERE job = :job AND last_token <= :token

so that a process that acts late (paused, or its permit ran out mid-job) cannot overwrite the
work of a newer leader. In permit mode "claims" it claims the pod's one permit for this process
and returns the claim on SIGTERM, so that a handoff need not wait for it to expire. Each grant
carries a secret "handle": it is sent back to renew the claim (in the POST body) and to return it
(header Schedlock-Claim-Handle), and nobody without it can renew or return the claim.

Environment:
  SCHEDLOCK_URL          the sidecar's control API (default http://127.0.0.1:8470)
  SCHEDLOCK_PERMIT_MODE  pod (default) or claims, as the sidecar's --permit-mode
  SCHEDLOCK_CLIENT       claim name in claims mode (default <hostname>-<pid>)
  JOBS_DB                SQLite file the job writes (default jobs.db)
  JOB_NAME               the job's row in job_state (default report)
  JOB_INTERVAL           seconds between jobs (default 5; keep it below the permit TTL in claims mode)
  JOB_SECONDS            how long one job works before its write (default 0)
  MAX_JOBS               stop after this many jobs (default: never)

Exit status: 0 after SIGTERM/SIGINT or MAX_JOBS; 3 when the fencing check refused a write
(a newer leader has written: this process must stop scheduling).
"""
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request

SIDECAR = os.environ.get("SCHEDLOCK_URL", "http://127.0.0.1:8470").rstrip("/")
MODE = os.environ.get("SCHEDLOCK_PERMIT_MODE", "pod")
CLIENT = os.environ.get("SCHEDLOCK_CLIENT") or "%s-%d" % (socket.gethostname(), os.getpid())
JOBS_DB = os.environ.get("JOBS_DB", "jobs.db")
JOB_NAME = os.environ.get("JOB_NAME", "report")
INTERVAL = float(os.environ.get("JOB_INTERVAL", "5"))
JOB_SECONDS = float(os.environ.get("JOB_SECONDS", "0"))
MAX_JOBS = int(os.environ.get("MAX_JOBS", "0"))

EXIT_FENCED = 3

stopping = threading.Event()
handle = None                                    # the handle of this process's last grant (claims mode)


def say(message):
    print(message, flush=True)


def call(method, path, body=None, headers=None):
    """(HTTP status, JSON body or None). Any failure to get an answer is (0, None): no permit."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SIDECAR + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:
            raw = answer.read()
            return answer.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:          # 409 and friends carry a JSON body that says why
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None)
    except (OSError, ValueError):
        return 0, None


def ask_permit():
    """(fencing token, deadline on time.monotonic()) while this process may schedule, else (None, why)."""
    global handle
    sent = time.monotonic()                      # read the clock BEFORE sending
    if MODE == "claims":
        claim = {"client": CLIENT} if handle is None else {"client": CLIENT, "handle": handle}
        status, answer = call("POST", "/v1/claims", claim)
        if status == 200:
            handle = answer["handle"]            # the same on a renewal, a new one for a new claim
    else:
        status, answer = call("GET", "/v1/lease")
    if status == 0:
        return None, "sidecar did not answer"
    answer = answer or {}
    if status != 200 or answer.get("validForMillis", 0) <= 0:
        return None, answer.get("reason") or answer.get("state") or "HTTP %d" % status
    return answer["fencingToken"], sent + answer["validForMillis"] / 1000.0


def open_jobs_db():
    db = sqlite3.connect(JOBS_DB, timeout=5, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS job_state (job TEXT PRIMARY KEY,"
               " runs INTEGER NOT NULL DEFAULT 0, last_token INTEGER NOT NULL DEFAULT 0, last_run_at REAL)")
    db.execute("INSERT OR IGNORE INTO job_state (job) VALUES (?)", (JOB_NAME,))
    return db


def run_job(db, token, deadline):
    """The job: some work, then ONE fenced write. True if written, False if the permit ran out first."""
    time.sleep(JOB_SECONDS)                      # stands for the job's real work
    if time.monotonic() >= deadline:
        say("permit ran out before the write: not writing, asking again")
        return False
    changed = db.execute(
        "UPDATE job_state SET runs = runs + 1, last_token = :token, last_run_at = :now"
        " WHERE job = :job AND last_token <= :token",
        {"token": token, "now": time.time(), "job": JOB_NAME}).rowcount
    if changed != 1:
        newer = db.execute("SELECT last_token FROM job_state WHERE job = ?", (JOB_NAME,)).fetchone()[0]
        say("fenced off: token %d is older than token %d that already wrote job %s; stopping"
            % (token, newer, JOB_NAME))
        sys.exit(EXIT_FENCED)
    return True


def main():
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    db = open_jobs_db()
    say("scheduler: sidecar %s, permit mode %s%s" % (SIDECAR, MODE, ", client " + CLIENT if MODE == "claims" else ""))
    jobs, last_refusal = 0, None
    try:
        while not stopping.is_set():
            token, deadline_or_why = ask_permit()    # re-ask before EVERY job
            if token is None:
                if deadline_or_why != last_refusal:
                    say("no permit: %s" % deadline_or_why)
                    last_refusal = deadline_or_why
            elif run_job(db, token, deadline_or_why):
                last_refusal = None
                jobs += 1
                say("job %s run %d with fencing token %d" % (JOB_NAME, jobs, token))
                if MAX_JOBS and jobs >= MAX_JOBS:
                    break
            stopping.wait(INTERVAL)              # returns at once on SIGTERM
    finally:
        if MODE == "claims" and handle is not None:   # without a handle there was never a grant
            status, _ = call("DELETE", "/v1/claims/" + CLIENT,   # 204 returned, 404 held none (expired)
                             headers={"Schedlock-Claim-Handle": handle})
            say("returned claim %s (HTTP %d)" % (CLIENT, status))
        db.close()
    say("stopped after %d jobs" % jobs)


if __name__ == "__main__":
    main()
