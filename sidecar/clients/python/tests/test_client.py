"""Tests of the client that need no sidecar: permits and their deadlines, answers, errors.
``sidecar_suite.py`` runs the client against real sidecars (from the sidecar module's PythonClientIT)."""
import socket
import threading
import unittest

import schedlock
from schedlock.client import Permit

LEADER = {"lockName": "default", "state": "LEADER", "leader": True, "fencingToken": 7,
          "storeId": "4c1e9a7b-2d3f-4e5a-8b6c-7d8e9f0a1b2c", "validForMillis": 10000,
          "holder": {"id": "pod-a/1", "pod": "pod-a", "host": "vm"}, "version": 3}


class FakeClock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


class PermitTest(unittest.TestCase):

    def test_permit_should_count_from_the_send_time_not_the_arrival(self):
        clock = FakeClock(100.5)
        permit = Permit.of(7, "s", 10000, sent=100.0, received=100.5, clock=clock)
        self.assertEqual(110.0, permit.deadline)
        self.assertAlmostEqual(9.5, permit.remaining())
        self.assertTrue(permit.valid())

    def test_answer_that_arrives_after_its_validity_should_be_no_permit(self):
        self.assertIsNone(Permit.of(7, "s", 1000, sent=100.0, received=101.0))
        self.assertIsNone(Permit.of(7, "s", 1000, sent=100.0, received=101.5))
        self.assertIsNotNone(Permit.of(7, "s", 1000, sent=100.0, received=100.999))

    def test_zero_validity_should_be_no_permit(self):
        self.assertIsNone(Permit.of(7, "s", 0, sent=100.0, received=100.0))

    def test_permit_should_end_at_its_deadline(self):
        clock = FakeClock(100.0)
        permit = Permit.of(7, "s", 1000, sent=100.0, received=100.0, clock=clock)
        clock.now = 101.0
        self.assertFalse(permit.valid())
        self.assertEqual(0.0, permit.remaining())


class LeaseViewTest(unittest.TestCase):

    def test_lease_view_should_read_every_field(self):
        view = schedlock.LeaseView.from_json(LEADER)
        self.assertEqual(("default", "LEADER", True, 7, 10000, 3),
                         (view.lock_name, view.state, view.leader, view.fencing_token,
                          view.valid_for_millis, view.version))
        self.assertEqual("4c1e9a7b-2d3f-4e5a-8b6c-7d8e9f0a1b2c", view.store_id)
        self.assertEqual(schedlock.Holder("pod-a/1", "pod-a", "vm"), view.holder)

    def test_lease_view_should_accept_a_free_lock_and_a_store_without_id(self):
        doc = dict(LEADER, holder={"id": None, "pod": None, "host": None}, state="STANDBY", leader=False)
        del doc["storeId"]
        view = schedlock.LeaseView.from_json(doc)
        self.assertIsNone(view.store_id)
        self.assertIsNone(view.holder.id)


class ClientArgumentsTest(unittest.TestCase):

    def test_client_should_refuse_an_url_that_is_not_http(self):
        for url in ("https://127.0.0.1:8470", "127.0.0.1:8470", "http://"):
            with self.assertRaises(ValueError, msg=url):
                schedlock.Client(url)

    def test_client_should_refuse_a_timeout_that_is_not_above_zero(self):
        with self.assertRaises(ValueError):
            schedlock.Client("http://127.0.0.1:8470", timeout=0)

    def test_watch_should_refuse_a_wait_the_sidecar_would_refuse(self):
        client = schedlock.Client("http://127.0.0.1:8470")
        for wait in (0, 61, -1):
            with self.assertRaises(ValueError, msg=str(wait)):
                client.watch(1, wait)


class NoAnswerTest(unittest.TestCase):

    def test_refused_connection_should_be_sidecar_unavailable(self):
        with socket.socket() as s:               # a port nobody listens on: bind, never listen
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            with self.assertRaises(schedlock.SidecarUnavailable) as caught:
                schedlock.Client("http://127.0.0.1:%d" % port).permit()
        self.assertIn("ConnectionRefusedError", str(caught.exception))

    def test_malformed_http_answer_should_be_sidecar_unavailable(self):
        # Something that is not the sidecar answers on the port: http.client raises an
        # HTTPException (BadStatusLine), which is no OSError.
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)

            def answer():
                connection, _ = server.accept()
                with connection:
                    connection.recv(4096)
                    connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
            threading.Thread(target=answer, daemon=True).start()
            with self.assertRaises(schedlock.SidecarUnavailable) as caught:
                schedlock.Client("http://127.0.0.1:%d" % server.getsockname()[1]).permit()
        self.assertIn("BadStatusLine", str(caught.exception))


class RequestRefusedTest(unittest.TestCase):

    def test_refusal_without_a_body_should_still_say_its_status(self):
        refused = schedlock.RequestRefused(405, None, None)
        self.assertEqual(405, refused.status)
        self.assertIn("HTTP 405", str(refused))


if __name__ == "__main__":
    unittest.main()
