#!/bin/sh
# Run one job only if this pod's sidecar gives it a permit: put this in front of a cron entry.
#
#   */5 * * * *  /opt/app/cron-job.sh /opt/app/send-reminders.sh
#
# Pod permit mode (the default): every GET /v1/lease/allowed from the leading pod is a permit.
# The job gets the fencing token in SCHEDLOCK_FENCING_TOKEN and must pass it to what it writes
# (see docs/lease-protocol.md, section 6); a job that may outlive the permit (10 s by default)
# relies on that token, since nothing here stops it when the permit ends.
#
# Exit status: the job's own when it ran; 0 when another pod leads (skipping is normal, so cron
# sends no mail); 1 when the sidecar did not answer (no answer is no permit, and worth a mail).
set -u

url="${SCHEDLOCK_URL:-http://127.0.0.1:8470}"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

# -f: a 409 (no permit) fails with exit 22. --max-time: a hung sidecar is no permit either.
answer=$(curl -fsS --max-time 2 "$url/v1/lease/allowed" 2>/dev/null)
status=$?
case "$status" in
    0) ;;
    22) echo "no permit (another pod leads or this one is starting or stopping): skipping $1"
        exit 0 ;;
    *)  echo "sidecar at $url did not answer (curl exit $status): not running $1" >&2
        exit 1 ;;
esac

token=$(printf '%s' "$answer" | sed -n 's/.*"fencingToken":\([0-9]*\).*/\1/p')
SCHEDLOCK_FENCING_TOKEN="$token"
export SCHEDLOCK_FENCING_TOKEN
exec "$@"
