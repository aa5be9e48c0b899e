"""The client against real sidecars, started by the sidecar module's PythonClientIT:

  SCHEDLOCK_TEST_LEADER   control API of a pod-mode leader
  SCHEDLOCK_TEST_STANDBY  control API of a pod-mode standby on the same lock, and its pid in
  SCHEDLOCK_TEST_STANDBY_PID  (paused with SIGSTOP for a moment, then continued)
  SCHEDLOCK_TEST_CLAIMS   control API of a claims-mode leader

Not named test_*.py: it fails without those sidecars, so discovery must not pick it up.
"""
import os
import signal
import threading
import time
import unittest

import schedlock

LEADER = schedlock.Client(os.environ["SCHEDLOCK_TEST_LEADER"])
STANDBY = schedlock.Client(os.environ["SCHEDLOCK_TEST_STANDBY"])
STANDBY_PID = int(os.environ["SCHEDLOCK_TEST_STANDBY_PID"])
CLAIMS = schedlock.Client(os.environ["SCHEDLOCK_TEST_CLAIMS"])


class PodModeTest(unittest.TestCase):

    def test_leader_should_grant_a_permit_counted_from_the_send_time(self):
        before = time.monotonic()
        permit = LEADER.permit()
        self.assertIsNotNone(permit)
        self.assertGreater(permit.fencing_token, 0)
        self.assertTrue(permit.store_id)
        self.assertGreaterEqual(permit.sent, before)
        self.assertLessEqual(permit.deadline, time.monotonic() + 10.0)
        self.assertTrue(permit.valid())

    def test_standby_should_answer_without_a_permit(self):
        answer = STANDBY.ask()
        self.assertIsNone(answer.permit)
        self.assertEqual("STANDBY", answer.lease.state)
        self.assertFalse(answer.lease.leader)
        self.assertEqual(LEADER.lease().holder.id, answer.lease.holder.id)
        self.assertEqual(LEADER.lease().store_id, answer.lease.store_id)

    def test_claim_in_pod_mode_should_be_denied_with_its_reason(self):
        claim = LEADER.claim("worker-1")
        self.assertFalse(claim.granted)
        self.assertEqual("PERMIT_MODE_POD", claim.reason)
        self.assertIn("--permit-mode claims", claim.message)


class LongPollTest(unittest.TestCase):

    def test_watch_should_answer_after_the_wait_when_nothing_changes(self):
        version = STANDBY.lease().version
        start = time.monotonic()
        view = STANDBY.watch(version, wait=0.3)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)
        self.assertEqual(version, view.version)
        self.assertEqual(0, view.valid_for_millis, "a long-poll is never a permit")

    def test_watch_should_answer_at_once_for_an_older_version(self):
        version = STANDBY.lease().version
        start = time.monotonic()
        view = STANDBY.watch(version - 1, wait=30)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(version, view.version)


class ErrorTest(unittest.TestCase):

    def test_error_answer_should_raise_with_status_and_code(self):
        with self.assertRaises(schedlock.RequestRefused) as caught:
            LEADER._request("POST", "/v1/lease", body={})
        self.assertEqual(405, caught.exception.status)
        self.assertEqual("METHOD_NOT_ALLOWED", caught.exception.error)

    def test_paused_sidecar_should_time_out_not_hang(self):
        client = schedlock.Client(STANDBY.url, timeout=0.5)
        os.kill(STANDBY_PID, signal.SIGSTOP)
        try:
            start = time.monotonic()
            with self.assertRaises(schedlock.SidecarTimeout):
                client.ask()
            took = time.monotonic() - start
        finally:
            os.kill(STANDBY_PID, signal.SIGCONT)
        self.assertGreaterEqual(took, 0.5)
        self.assertLess(took, 5)


class ClaimsTest(unittest.TestCase):

    def test_claim_should_be_renewed_with_its_handle_and_returned(self):
        first = CLAIMS.claim("py-worker-1")
        self.assertTrue(first.granted, first)
        self.assertTrue(first.permit.valid())
        self.assertEqual(22, len(first.handle))
        try:
            renewed = CLAIMS.claim("py-worker-1", first.handle)
            self.assertTrue(renewed.granted)
            self.assertEqual(first.handle, renewed.handle)
            self.assertEqual(first.permit.fencing_token, renewed.permit.fencing_token)

            other = CLAIMS.claim("py-worker-2")
            self.assertEqual((False, "HELD_BY_OTHER", "py-worker-1"), (other.granted, other.reason, other.held_by))
            same_name = CLAIMS.claim("py-worker-1")
            self.assertEqual((False, "HANDLE_MISMATCH"), (same_name.granted, same_name.reason))
            with self.assertRaises(schedlock.RequestRefused) as caught:
                CLAIMS.return_claim("py-worker-1", "A" * 22)
            self.assertEqual((409, "HANDLE_MISMATCH"), (caught.exception.status, caught.exception.error))
        finally:
            self.assertTrue(CLAIMS.return_claim("py-worker-1", first.handle))
        self.assertFalse(CLAIMS.return_claim("py-worker-1", first.handle), "returned already: 404")
        second = CLAIMS.claim("py-worker-2")
        self.assertTrue(second.granted)
        self.assertTrue(CLAIMS.return_claim("py-worker-2", second.handle))


class GateTest(unittest.TestCase):

    def test_gate_should_start_with_the_leaders_permit_and_stop_on_stop(self):
        started, stopped = threading.Event(), threading.Event()
        tokens = []
        gate = schedlock.LeaseGate(LEADER, on_start=lambda p: (tokens.append(p.fencing_token), started.set()),
                                   on_stop=lambda why: stopped.set()).start()
        try:
            self.assertTrue(started.wait(10))
            self.assertEqual(LEADER.lease().fencing_token, tokens[0])
            self.assertIsNotNone(gate.permit())
        finally:
            gate.stop()
        self.assertTrue(stopped.is_set())
        self.assertIsNone(gate.permit())

    def test_gate_in_claims_mode_should_hold_the_claim_and_return_it_on_stop(self):
        started = threading.Event()
        gate = schedlock.LeaseGate(CLAIMS, on_start=lambda p: started.set(), claim_as="py-gate").start()
        try:
            self.assertTrue(started.wait(10))
            self.assertEqual("py-gate", CLAIMS.claim("py-other").held_by)
        finally:
            gate.stop()
        after = CLAIMS.claim("py-other")
        self.assertTrue(after.granted, "the gate returned its claim: %s" % (after,))
        self.assertTrue(CLAIMS.return_claim("py-other", after.handle))


if __name__ == "__main__":
    unittest.main()
