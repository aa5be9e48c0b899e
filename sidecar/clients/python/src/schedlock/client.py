"""The sidecar's control API (docs/api.md), standard library only.

What it guarantees:

* A ``Permit`` is valid until ``sent + validForMillis`` on ``time.monotonic()``, where ``sent`` is
  read BEFORE the request is sent. An answer that arrives after that instant is no permit
  (``permit()`` returns None, a late claim grant has ``permit is None``).
* Every request has a timeout. A sidecar that is paused (SIGSTOP, a frozen node) accepts the
  connection and never answers: the call raises ``SidecarTimeout`` after ``timeout`` seconds, and
  the caller has no permit meanwhile. Keep ``timeout`` well below the permit TTL (10 s by
  default), so that a hung ask is noticed while the last permit still runs.
* Any failure to get an answer (refused, reset, timeout, a malformed HTTP answer) raises
  ``SidecarUnavailable`` (``SidecarTimeout`` is one). An answer the API documents as an error
  (400, 404, 405, 413, 415, 421, 503) raises ``RequestRefused`` with its status and, when the
  body carries them, ``error`` and ``message``.

What it does not guarantee:

* That the job finishes within the permit. Check ``permit.valid()`` before each write, and
  pass the fencing token (and ``store_id``) to what the job writes, so that a late writer is
  rejected there (docs/lease-protocol.md, section 6).
* Anything across a lost answer of a first claim: the sidecar may have granted it with a
  handle this process never saw; a retry is refused with HANDLE_MISMATCH until it expires.
"""
import http.client
import json
import os
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Optional

DEFAULT_URL = "http://127.0.0.1:8470"
HANDLE_HEADER = "Schedlock-Claim-Handle"


class SchedlockError(Exception):
    """Base of every error this package raises."""


class SidecarUnavailable(SchedlockError):
    """No answer from the sidecar (refused, reset, malformed HTTP): no permit."""


class SidecarTimeout(SidecarUnavailable):
    """The sidecar did not answer within the timeout: it may be paused or overloaded. No permit."""


class RequestRefused(SchedlockError):
    """The sidecar answered with an error status that is not a denial (400, 404, 405, 413, ...)."""

    def __init__(self, status, error, message):
        super().__init__("HTTP %d %s: %s" % (status, error or "(no error code)", message or "(no message)"))
        self.status = status
        self.error = error
        self.message = message


@dataclass(frozen=True)
class Holder:
    id: Optional[str]
    pod: Optional[str]
    host: Optional[str]


@dataclass(frozen=True)
class LeaseView:
    """One answer of GET /v1/lease. ``leader`` alone is no permit: see ``Permit``."""
    lock_name: str
    state: str
    leader: bool
    fencing_token: int
    store_id: Optional[str]
    valid_for_millis: int
    holder: Holder
    version: int

    @staticmethod
    def from_json(doc):
        holder = doc.get("holder") or {}
        return LeaseView(lock_name=doc["lockName"], state=doc["state"], leader=bool(doc["leader"]),
                         fencing_token=int(doc["fencingToken"]), store_id=doc.get("storeId"),
                         valid_for_millis=int(doc["validForMillis"]),
                         holder=Holder(holder.get("id"), holder.get("pod"), holder.get("host")),
                         version=int(doc["version"]))


@dataclass(frozen=True)
class Permit:
    """Leave to schedule until ``deadline`` on ``clock`` (time.monotonic() unless injected)."""
    fencing_token: int
    store_id: Optional[str]
    sent: float
    deadline: float
    clock: Callable[[], float] = time.monotonic

    def remaining(self):
        """Seconds left, 0 once it has ended."""
        return max(0.0, self.deadline - self.clock())

    def valid(self):
        return self.clock() < self.deadline

    @staticmethod
    def of(token, store_id, valid_for_millis, sent, received, clock=time.monotonic):
        """The permit an answer carries, counted from ``sent``; None without one or when it came late."""
        if valid_for_millis <= 0:
            return None
        deadline = sent + valid_for_millis / 1000.0
        if received >= deadline:
            return None                          # it ended before it reached us
        return Permit(token, store_id, sent, deadline, clock)


@dataclass(frozen=True)
class Answer:
    """GET /v1/lease: the view, and the permit it carries (None when it carries none or came late)."""
    lease: LeaseView
    permit: Optional[Permit]


@dataclass(frozen=True)
class Claim:
    """POST /v1/claims. ``granted`` with ``permit is None`` means the grant arrived too late to use:
    the claim is held under ``handle`` (renew it or return it), but nothing may run on this answer."""
    granted: bool
    permit: Optional[Permit]
    handle: Optional[str]
    reason: Optional[str] = None
    held_by: Optional[str] = None
    message: Optional[str] = None


@dataclass(frozen=True)
class Release:
    accepted: bool
    was_leader: bool
    message: str


class Client:
    """A client of one sidecar's control API. Thread-safe: every request has its own connection."""

    def __init__(self, url=None, timeout=2.0, clock=time.monotonic):
        url = (url or os.environ.get("SCHEDLOCK_URL") or DEFAULT_URL).rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("sidecar URL must be http://HOST:PORT (the control API on the loopback), not %r" % url)
        if timeout <= 0:
            raise ValueError("timeout must be above zero, not %r" % timeout)
        self.url = url
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path
        self.timeout = timeout
        self.clock = clock

    def __repr__(self):
        return "schedlock.Client(%r)" % self.url

    # ------------------------------------------------------------------ pod mode

    def ask(self, timeout=None):
        """GET /v1/lease: the lease view and, on the leader's pod in pod mode, a permit.
        ``timeout`` (default: the client's) bounds this one request."""
        sent = self.clock()                      # read BEFORE sending: the permit counts from here
        status, doc = self._request("GET", "/v1/lease", ok=(200,), timeout=timeout)
        received = self.clock()
        lease = LeaseView.from_json(doc)
        return Answer(lease, Permit.of(lease.fencing_token, lease.store_id, lease.valid_for_millis,
                                       sent, received, self.clock))

    def permit(self):
        """A permit (pod mode), or None: another pod leads, the sidecar is starting or stopping,
        or the answer came after the permit had ended. Raises SidecarUnavailable on no answer."""
        return self.ask().permit

    def lease(self):
        """GET /v1/lease as a view only (in pod mode on the leader it is a permit all the same)."""
        return self.ask().lease

    def watch(self, version, wait=30.0, timeout=None):
        """Long-poll: the view as soon as its version differs from ``version``, or after ``wait``
        seconds (0 < wait <= 60). A notification, never a permit: ask() after a change.
        ``timeout`` (default ``wait`` + the client's timeout) bounds the wait for the answer."""
        if not 0 < wait <= 60:
            raise ValueError("wait must be above 0 and at most 60 seconds, not %r" % wait)
        path = "/v1/lease?wait=%dms&version=%d" % (max(1, int(wait * 1000)), int(version))
        _, doc = self._request("GET", path, ok=(200,), timeout=timeout or wait + self.timeout)
        return LeaseView.from_json(doc)

    def release(self):
        """POST /v1/lease/release: step down (planned handoff). The sidecar drains its permits first."""
        _, doc = self._request("POST", "/v1/lease/release", body={}, ok=(202,))
        return Release(bool(doc.get("accepted")), bool(doc.get("wasLeader")), doc.get("message", ""))

    # ------------------------------------------------------------------ claims mode

    def claim(self, client, handle=None, timeout=None):
        """POST /v1/claims for ``client``; pass the ``handle`` of the last grant to renew it."""
        body = {"client": client} if handle is None else {"client": client, "handle": handle}
        sent = self.clock()
        status, doc = self._request("POST", "/v1/claims", body=body, ok=(200, 409), timeout=timeout)
        received = self.clock()
        if status == 200:
            return Claim(True, Permit.of(int(doc["fencingToken"]), None, int(doc["validForMillis"]),
                                         sent, received, self.clock), doc.get("handle"))
        return Claim(False, None, None, doc.get("reason"), doc.get("heldBy"), doc.get("message"))

    def return_claim(self, client, handle):
        """DELETE /v1/claims/{client}: True when returned, False when it held none (it had expired,
        or an earlier attempt whose answer was lost returned it). RequestRefused on HANDLE_MISMATCH."""
        status, _ = self._request("DELETE", "/v1/claims/" + urllib.parse.quote(client, safe=""),
                                  headers={HANDLE_HEADER: handle}, ok=(204, 404))
        return status == 204

    # ------------------------------------------------------------------ HTTP

    def _request(self, method, path, body=None, headers=None, ok=(200,), timeout=None):
        """(status, JSON document or {}) for an expected status; raises otherwise."""
        all_headers = dict(headers or {})
        data = None
        if method == "POST":
            all_headers["Content-Type"] = "application/json"   # the control API refuses others (415)
            data = json.dumps(body if body is not None else {}).encode()
        connection = http.client.HTTPConnection(self._host, self._port, timeout=timeout or self.timeout)
        try:
            connection.request(method, self._prefix + path, body=data, headers=all_headers)
            response = connection.getresponse()
            status, raw = response.status, response.read()
        except socket.timeout as e:              # TimeoutError from Python 3.10 on
            raise SidecarTimeout("%s %s%s: no answer within %.1fs (is the sidecar paused?)"
                                 % (method, self.url, path, timeout or self.timeout)) from e
        except (OSError, http.client.HTTPException) as e:
            raise SidecarUnavailable("%s %s%s: %s: %s" % (method, self.url, path, type(e).__name__, e)) from e
        finally:
            connection.close()
        doc = _json_or_none(raw)
        if status in ok:
            if doc is None and raw:
                raise SidecarUnavailable("%s %s%s: HTTP %d with a body that is not JSON"
                                         % (method, self.url, path, status))
            return status, doc or {}
        doc = doc if isinstance(doc, dict) else {}   # not the API's JSON (another server on the port)
        raise RequestRefused(status, doc.get("error"), doc.get("message"))


def _json_or_none(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
