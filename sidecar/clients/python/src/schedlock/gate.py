"""A background thread that keeps a permit while the pod leads, and says when it starts and ends.

The APScheduler recipe (``schedlock.apscheduler``) drives a scheduler with it: ``on_start`` when a
permit is first held, ``on_stop`` as soon as it is not renewed: a refusal, a lease change seen by
the long-poll (a step-down, a SIGTERM of the sidecar), or the permit's own deadline when the
sidecar does not answer (a paused sidecar hangs; the deadline still comes).

It renews the permit at a third of its validity, and meanwhile long-polls the sidecar, so that a
step-down is seen within milliseconds, not at the next renewal. Pod mode by default; with
``claim_as=NAME`` it claims (claims mode) and returns the claim when it stops or sees a step-down.

Not guaranteed: that work started under a permit ends before the permit does. Work checks
``gate.permit()`` (None once it has ended) and fences its writes with the token.
"""
import logging
import threading

from .client import SchedlockError

log = logging.getLogger("schedlock")

STANDBY_WAIT = 10.0                              # longest long-poll without a permit


class LeaseGate:
    """``LeaseGate(client, on_start, on_stop).start()``; ``stop()`` ends it (and calls on_stop)."""

    def __init__(self, client, on_start=None, on_stop=None, claim_as=None, retry=1.0):
        self.client = client
        self._on_start = on_start or (lambda permit: None)
        self._on_stop = on_stop or (lambda why: None)
        self._claim_as = claim_as
        self._retry = retry
        self._handle = None
        self._permit = None
        self._active = False
        self._version = -1
        self._stopping = threading.Event()
        self._lock = threading.RLock()           # guards _permit and _active, and orders the callbacks
        self._thread = threading.Thread(target=self._run, name="schedlock-gate", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self, timeout=2.0):
        """Calls on_stop now if a permit was held and returns a held claim. In claims mode it then
        waits at most ``timeout`` seconds for the thread (a daemon), which returns a claim it got
        meanwhile; in pod mode there is nothing to return, and it does not wait."""
        self._stopping.set()
        self._lose("stopped")
        self._return_claim()
        if self._claim_as is not None:
            self._thread.join(timeout)

    def permit(self):
        """The permit held now, or None (also once its deadline has passed)."""
        with self._lock:
            p = self._permit
        return p if p is not None and p.valid() else None

    # ------------------------------------------------------------------ the loop

    def _run(self):
        try:
            while not self._stopping.is_set():
                try:
                    permit, why = self._ask()
                except SchedlockError as e:
                    permit, why = None, str(e)
                if permit is None:
                    self._lose(why)
                    self._wait_for_change()
                else:
                    self._hold(permit)
                    self._watch_while(permit)
        except Exception:                        # a failing callback: log it; finally stops the scheduler
            log.exception("schedlock: the lease gate failed")
            raise
        finally:
            self._lose("stopped")
            self._return_claim()

    def _ask(self):
        """(permit or None, why not). While a permit is held, the answer is awaited no longer than
        it lasts (a paused sidecar hangs): the permit ends at its deadline, not later."""
        held = self.permit()
        if self._active and held is None:
            return None, "the permit ended before it was renewed"
        timeout = None if held is None else max(0.001, min(self.client.timeout, held.remaining()))
        if self._claim_as is None:
            answer = self.client.ask(timeout=timeout)
            self._version = answer.lease.version
            return answer.permit, answer.lease.state
        claim = self.client.claim(self._claim_as, self._handle, timeout=timeout)
        if claim.granted:
            with self._lock:
                self._handle = claim.handle
        return claim.permit, claim.reason or "the grant came after its permit had ended"

    def _hold(self, permit):
        with self._lock:
            if self._stopping.is_set():
                return
            self._permit = permit
            if not self._active:
                self._active = True
                log.info("schedlock: permit with fencing token %d: starting", permit.fencing_token)
                self._on_start(permit)

    def _lose(self, why):
        with self._lock:
            self._permit = None
            if self._active:
                self._active = False
                log.info("schedlock: no permit (%s): stopping", why)
                self._on_stop(why)

    def _watch_while(self, permit):
        """Until a third of the permit is used up, the lease changes, or the permit ends."""
        wait = permit.remaining() / 3.0
        if wait < 0.001:
            return
        try:
            if self._version < 0:
                self._version = self.client.lease().version
            # The answer is awaited no longer than the permit lasts: a sidecar that hangs (paused)
            # costs the permit at its deadline, not later.
            lease = self.client.watch(self._version, wait, timeout=max(0.001, permit.remaining()))
        except SchedlockError:
            if not permit.valid():
                self._lose("no answer before the permit ended")
            return
        changed = lease.version != self._version
        self._version = lease.version
        if changed and lease.state != "LEADER":
            self._lose(lease.state)
            self._return_claim()                 # claims mode: a step-down need not wait for it

    def _wait_for_change(self):
        """Without a permit: long-poll until the lease changes (a retry interval if the sidecar fails)."""
        if self._stopping.is_set():
            return
        try:
            if self._version < 0:
                self._version = self.client.lease().version
            self._version = self.client.watch(self._version, wait=STANDBY_WAIT).version
        except SchedlockError:
            self._stopping.wait(self._retry)

    def _return_claim(self):
        with self._lock:
            handle, self._handle = self._handle, None
        if self._claim_as is None or handle is None:
            return
        try:
            self.client.return_claim(self._claim_as, handle)
        except SchedlockError as e:
            log.warning("schedlock: could not return claim %s: %s (it expires by itself)", self._claim_as, e)
