"""gameserver plugin, a2s source: A2S_INFO over UDP against mock game servers."""
import unittest

import harness
from gameserver_support import (EXPORTER, REASONS, Mock, closed_udp_port, errors, require_plugin,
                                server_series, status, wait_ready)

POLL_TIMEOUT = 1.5
MODES = ("challenge", "plain", "silent", "garbage", "truncated", "hostile")
FAILED = {"silent": "timeout", "garbage": "parse", "truncated": "parse", "closed": "connect"}


class A2sTest(harness.ExporterdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.mocks = {}
        for mode in MODES:
            m = Mock("mock_a2s", mode)
            cls.addClassCleanup(m.close)
            cls.mocks[mode] = m
        lines = ["[gameserver]", "source = a2s", "interval = 1h",
                 "poll_timeout = %dms" % (POLL_TIMEOUT * 1000)]
        lines += ["server = %s:127.0.0.1:%d" % (mode, m.port) for mode, m in cls.mocks.items()]
        # A host name (looked up without blocking) and a port where nothing listens.
        lines.append("server = byname:localhost:%d" % cls.mocks["challenge"].port)
        lines.append("server = closed:127.0.0.1:%d" % closed_udp_port())
        lines.append("server = nosuchhost:nosuchhost.invalid:27015")
        cls.e = cls.start_shared("\n".join(lines) + "\n", exporter=EXPORTER)
        cls.ready_after = wait_ready(cls, cls.e, 10)
        _, cls.text = cls.e.scrape()
        _, cls.om = cls.e.scrape_om()

    def pages(self):
        return (("text", self.text), ("openmetrics", self.om))

    def test_answers(self):
        for fmt, page in self.pages():
            for server in ("challenge", "plain", "byname"):
                with self.subTest(fmt=fmt, server=server):
                    self.assertEqual(page.value("gameserver_up", server=server), 1)
                    self.assertEqual(status(page, server), "online")
                    self.assertEqual(page.value("gameserver_players", server=server), 7)
                    self.assertEqual(page.value("gameserver_max_players", server=server), 24)
                    self.assertEqual(page.value("gameserver_bots", server=server), 2)
                    info = page.find("gameserver_info", server=server)
                    self.assertEqual(len(info), 1)
                    self.assertEqual(info[0].labels, {"server": server, "name": "Mock A2S",
                                                      "map": "PEI", "version": "3.23.4.0",
                                                      "game": "Unturned"})
                    self.assertEqual(errors(page, server), {r: 0 for r in REASONS})
                    # The listing site's numbers do not exist for A2S.
                    for n in ("rank", "votes", "score", "uptime_ratio"):
                        self.assertFalse(page.has("gameserver_" + n, server=server))

    def test_challenge_handshake(self):
        # The insisting server saw the bare query (25 bytes) and then the one carrying
        # its challenge (29 bytes); the plain one only bare queries.
        challenged = self.mocks["challenge"].stderr().split()
        self.assertIn("25", challenged)
        self.assertIn("29", challenged)
        self.assertNotIn("29", self.mocks["plain"].stderr().split())

    def test_failures(self):
        for fmt, page in self.pages():
            for server, reason in FAILED.items():
                with self.subTest(fmt=fmt, server=server):
                    self.assertEqual(page.value("gameserver_up", server=server), 0)
                    self.assertEqual(status(page, server), "unreachable")
                    want = {r: 0 for r in REASONS}
                    want[reason] = 1
                    self.assertEqual(errors(page, server), want)
                    for name, _ in server_series(page, server):
                        self.assertNotIn(name, ("gameserver_players", "gameserver_max_players",
                                                "gameserver_bots", "gameserver_info"))
            # A lookup that fails (connect), or that a resolver with no network cannot
            # finish in time (timeout): never a value, never a parse error.
            self.assertEqual(page.value("gameserver_up", server="nosuchhost"), 0)
            got = errors(page, "nosuchhost")
            self.assertEqual(got["connect"] + got["timeout"], 1, got)

    def test_silent_server_costs_poll_timeout_only(self):
        self.assertLess(self.ready_after, POLL_TIMEOUT + 2.5)
        for fmt, page in self.pages():
            self.assertLess(page.value("gameserver_poll_duration_seconds_sum", server="plain"),
                            0.5)
            silent = page.value("gameserver_poll_duration_seconds_sum", server="silent")
            self.assertGreaterEqual(silent, POLL_TIMEOUT - 0.3)
        # UDP may drop a query: the silent one was asked again about once a second.
        self.assertGreaterEqual(self.mocks["silent"].stderr().count("query"), 2)

    def test_hostile_strings(self):
        for fmt, page in self.pages():
            info = page.find("gameserver_info", server="hostile")
            self.assertEqual(len(info), 1)
            name = info[0].labels["name"]
            self.assertTrue(name.startswith('Evil "A2S" \\ srv\nline2 M\u00e1y '), repr(name))
            self.assertIn("\ufffd", name)
            self.assertEqual(info[0].labels["map"], 'map\\with"quote')

    def test_logs(self):
        log = self.e.stderr()
        self.assertLogfmt(log)
        for server, reason in FAILED.items():
            self.assertIn("server %s: poll failed (%s)" % (server, reason), log)


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
