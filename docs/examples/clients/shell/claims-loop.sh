#!/bin/sh
# A scheduler loop for permit mode "claims" (several processes in one pod, e.g. gunicorn workers):
# before each job it claims the pod's one executor permit for this process, runs the job with the
# fencing token, and on SIGTERM or SIGINT it finishes the job and returns the claim, so that a
# handoff need not wait for the claim to expire.
#
#   SCHEDLOCK_CLIENT=worker-1 JOB_INTERVAL=5 ./claims-loop.sh ./send-reminders.sh
#
# The job gets the token in SCHEDLOCK_FENCING_TOKEN. Keep JOB_INTERVAL below the permit TTL
# (10 s by default): re-claiming before the claim expires keeps it with this process.
#
# Each grant carries a secret "handle". The loop keeps it and sends it back to renew the claim
# (field "handle" in the POST body) and to return it (header Schedlock-Claim-Handle on DELETE):
# without it the sidecar lets nobody renew or return a held claim, not even under the same name.
set -u

url="${SCHEDLOCK_URL:-http://127.0.0.1:8470}"
client="${SCHEDLOCK_CLIENT:-$(hostname)-$$}"
interval="${JOB_INTERVAL:-5}"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

stopping=0
handle=""
trap 'stopping=1' TERM INT

while [ "$stopping" -eq 0 ]; do
    if [ -n "$handle" ]; then
        body="{\"client\":\"$client\",\"handle\":\"$handle\"}"
    else
        body="{\"client\":\"$client\"}"
    fi
    # 200 = granted (or kept); 409 = not leader, held by another client, or releasing.
    if answer=$(curl -fsS --max-time 2 -X POST -H 'Content-Type: application/json' \
            -d "$body" "$url/v1/claims" 2>/dev/null); then
        token=$(printf '%s' "$answer" | sed -n 's/.*"fencingToken":\([0-9]*\).*/\1/p')
        handle=$(printf '%s' "$answer" | sed -n 's/.*"handle":"\([A-Za-z0-9_-]*\)".*/\1/p')
        SCHEDLOCK_FENCING_TOKEN="$token" "$@" || echo "job exited $?" >&2
    fi
    # In the background, so that a signal ends the wait at once (the trap runs after it).
    sleep "$interval" &
    wait $! 2>/dev/null
    kill $! 2>/dev/null
done

# 204: returned; 404: we held none (it had expired). Without a handle there was never a grant.
if [ -n "$handle" ]; then
    status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 -X DELETE \
        -H "Schedlock-Claim-Handle: $handle" "$url/v1/claims/$client")
    echo "returned claim $client (HTTP $status)"
fi
