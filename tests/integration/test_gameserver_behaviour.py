"""gameserver plugin: parallel polls, schedule, stale numbers, stop, the shipped exporter.ini."""
import os
import re
import signal
import time
import unittest

import harness
from gameserver_support import (EXPORTER, SECRET, ListingApi, Mock, key, require_plugin,
                                start_mock, status, wait_ready)


class ParallelTest(harness.ExporterdTestCase):
    def test_stalled_servers_do_not_delay_the_others(self):
        api = start_mock(self, ListingApi)
        poll_timeout = 3.0
        fast = ("strings", "numbers", "offline", "slow")
        stalled = ("stall1", "stall2", "stall3", "stall4")
        body = ["[gameserver]", "interval = 1h", "timeout = 8s",
                "poll_timeout = %gs" % poll_timeout, "url = " + api.url]
        # The stalled servers come first: polled one after the other they would hold
        # the fast ones back by 4 x poll_timeout.
        body += ["server = %s:%s" % (s, key("stall", s)) for s in stalled]
        body += ["server = %s:%s" % (s, key(s, s)) for s in fast]
        e = self.start("\n".join(body) + "\n", exporter=EXPORTER)

        # Each server is published as it answers: the fast ones show long before the
        # stalled ones time out, while the collect is still running.
        def fast_values_shown():
            _, p = e.scrape()
            return p.has("gameserver_up", server="strings") and p
        early = harness.wait_until(fast_values_shown, poll_timeout, "the first fast server's values")
        self.assertLess(time.monotonic() - e.started_at, poll_timeout - 1.0)
        self.assertEqual(early.value("gameserver_up", server="strings"), 1)
        self.assertEqual(early.value("gameserver_players", server="strings"), 12)
        self.assertFalse(early.has("exporterd_collector_success", collector="gameserver"))
        for s in stalled:
            self.assertFalse(early.has("gameserver_poll_errors_total", server=s, reason="timeout")
                             and early.value("gameserver_poll_errors_total", server=s,
                                             reason="timeout") > 0)

        ready = wait_ready(self, e, 12)
        self.assertLess(ready, poll_timeout + 2.0)
        _, page = e.scrape()
        for s in fast:
            self.assertEqual(page.value("gameserver_up", server=s), 1, s)
        self.assertEqual(page.value("gameserver_players", server="slow"), 12)
        # Each answer took its own time, not the stalled servers' time.
        self.assertLess(page.value("gameserver_poll_duration_seconds_sum", server="strings"), 0.5)
        slow = page.value("gameserver_poll_duration_seconds_sum", server="slow")
        self.assertGreaterEqual(slow, 0.9)
        self.assertLess(slow, 2.0)
        for s in stalled:
            self.assertEqual(page.value("gameserver_poll_errors_total", server=s,
                                        reason="timeout"), 1)
        # The whole collect took one poll_timeout, not the sum of them.
        took = page.value("exporterd_collector_duration_seconds", collector="gameserver")
        self.assertLess(took, poll_timeout + 1.0)
        self.assertGreaterEqual(took, poll_timeout - 0.3)


class ScheduleTest(harness.ExporterdTestCase):
    def test_scrapes_never_poll(self):
        api = start_mock(self, ListingApi)
        interval = 2.0
        k = key("numbers", "sched")
        e = self.start("[gameserver]\ninterval = %gs\nurl = %s\nserver = sched:%s\n" %
                       (interval, api.url, k), exporter=EXPORTER)
        wait_ready(self, e, 10)
        before = api.requests()[k]
        start = time.monotonic()
        for i in range(40):
            if i % 2:
                e.scrape_om()
            else:
                e.get("/metrics?collect[]=gameserver", headers={"Accept-Encoding": "gzip"})
            e.get("/")
        spent = time.monotonic() - start
        after = api.requests()[k]
        # Only the schedule polls: at most one per interval while we scraped.
        self.assertLessEqual(after - before, int(spent / interval) + 1,
                             "%d polls during %d scrapes in %.1fs" % (after - before, 80, spent))
        # And the schedule does poll: about every `interval` seconds.
        time.sleep(2.2 * interval)
        later = api.requests()[k]
        self.assertGreaterEqual(later - after, 2)
        self.assertLessEqual(later - after, 4)

    def test_failed_poll_drops_numbers_but_keeps_last_success(self):
        api = start_mock(self, ListingApi)
        # The flip case answers on odd requests and fails with 500 on even ones.
        e = self.start("[gameserver]\ninterval = 1s\nurl = %s\nserver = flip:%s\n" %
                       (api.url, key("flip", "x")), exporter=EXPORTER)

        def page_where(up):
            _, page = e.scrape()
            found = page.find("gameserver_up", server="flip")
            return page if found and found[0].value == up else None

        good = harness.wait_until(lambda: page_where(1), 10, "a good poll")
        self.assertEqual(good.value("gameserver_players", server="flip"), 7)
        last_ok = good.value("gameserver_last_success_timestamp_seconds", server="flip")
        bad = harness.wait_until(lambda: page_where(0), 10, "a failed poll")
        self.assertEqual(status(bad, "flip"), "unreachable")
        for name in ("gameserver_players", "gameserver_max_players", "gameserver_info",
                     "gameserver_rank", "gameserver_votes", "gameserver_score",
                     "gameserver_uptime_ratio"):
            self.assertFalse(bad.has(name, server="flip"), name)
        self.assertGreaterEqual(bad.value("gameserver_last_success_timestamp_seconds",
                                          server="flip"), last_ok)
        self.assertGreaterEqual(bad.value("gameserver_poll_errors_total", server="flip",
                                          reason="http_status"), 1)
        # It comes back with the next good answer, and the log says so once per recovery.
        again = harness.wait_until(lambda: page_where(1), 10, "recovery")
        self.assertEqual(again.value("gameserver_players", server="flip"), 7)
        self.assertIn("server flip answers again", e.stderr())


class StopTest(harness.ExporterdTestCase):
    def test_sigterm_aborts_polls_in_flight(self):
        api = start_mock(self, ListingApi)
        silent = start_mock(self, Mock, "mock_a2s", "silent")
        e = self.start("[gameserver:http]\ninterval = 1h\ntimeout = 40s\npoll_timeout = 30s\n"
                       "url = %s\nserver = stalled:%s\n\n"
                       "[gameserver:udp]\nsource = a2s\ninterval = 1h\ntimeout = 40s\n"
                       "poll_timeout = 30s\nserver = mute:127.0.0.1:%d\n" %
                       (api.url, key("stall", "x"), silent.port), exporter=EXPORTER)
        harness.wait_until(lambda: api.requests().get(key("stall", "x")) == 1, 5,
                           "the stalled request")
        harness.wait_until(lambda: "query" in silent.stderr(), 5, "the A2S query")
        self.assertEqual(e.get("/-/ready").status, 503)  # both polls still in flight
        code, took = e.stop(signal.SIGTERM, within=2.0)
        self.assertEqual(code, 0, e.stderr())
        self.assertLess(took, 1.5)


class ShippedConfigTest(harness.ExporterdTestCase):
    """The [gameserver] section of the repository's exporter.ini, run as shipped."""

    @staticmethod
    def shipped_section():
        with open(os.path.join(harness.SOURCE_DIR, "exporter.ini"), encoding="utf-8") as f:
            text = f.read()
        m = re.search(r"^\[gameserver\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
        assert m, "exporter.ini has no [gameserver] section"
        return "[gameserver]\n" + m.group(1)

    def test_article_servers_without_keys(self):
        section = self.shipped_section()
        self.assertRegex(section, r"(?m)^interval = 60s$")
        for name in ("PVE", "PVP", "VANILLA"):
            self.assertIn("server = %s:${UNTURNED_KEY_%s:-}" % (name.lower(), name), section)
        env = {k: "" for k in ("UNTURNED_KEY_PVE", "UNTURNED_KEY_PVP", "UNTURNED_KEY_VANILLA")}
        e = self.start(section, exporter=EXPORTER, env=env)
        wait_ready(self, e, 5)
        _, page = e.scrape()
        for server in ("pve", "pvp", "vanilla"):
            self.assertEqual(page.value("gameserver_up", server=server), 0)
            self.assertEqual(status(page, server), "unreachable")
            self.assertFalse(page.has("gameserver_players", server=server))
        self.assertEqual(page.value("exporterd_collector_success", collector="gameserver"), 1)
        warnings = [l for l in e.stderr().splitlines()
                    if "level=warn" in l and "collector=gameserver" in l]
        self.assertEqual(len(warnings), 1, e.stderr())
        self.assertIn("pve,pvp,vanilla", warnings[0])
        self.assertIn("UNTURNED_KEY_PVE", warnings[0])
        self.assertNotIn("level=error", e.stderr())

    def test_article_servers_with_keys_from_the_environment(self):
        api = start_mock(self, ListingApi)
        # Only the API address changes (the shipped file leaves url at its default).
        section = self.shipped_section() + "url = %s\n" % api.url
        env = {"UNTURNED_KEY_PVE": key("strings", "pve"), "UNTURNED_KEY_PVP": key("numbers", "pvp"),
               "UNTURNED_KEY_VANILLA": key("offline", "vanilla")}
        e = self.start(section, exporter=EXPORTER, env=env)
        wait_ready(self, e, 5)
        _, page = e.scrape()
        players = {s: page.value("gameserver_players", server=s) for s in ("pve", "pvp", "vanilla")}
        self.assertEqual(players, {"pve": 12, "pvp": 7, "vanilla": 0})
        # The article's total_players is the sum over the servers.
        self.assertEqual(sum(players.values()), 19)
        path = self.write_ini(section, exporter=EXPORTER)
        check = self.run_exporterd(["-c", path, "--check"], env=env)
        self.assertEqual(check.code, 0, check)
        for text in (check.stdout, check.stderr, e.stderr(), page.body.decode(),
                     e.get("/").body.decode("utf-8", "replace")):
            self.assertNotIn(SECRET, text)


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
