"""Collection: hung and failing plugins, collect-on-scrape sharing, interval collection, merging."""
import threading
import time

import harness
from harness import ExporterdTestCase, check_well_behaved

TIMEOUT_HEADER = "X-Prometheus-Scrape-Timeout-Seconds"


def success(page, collector):
    return page.value("exporterd_collector_success", collector=collector)


class HungPluginTest(ExporterdTestCase):
    def test_scrape_answers_within_the_deadline(self):
        e = self.start("""
[hang]
hang_after = 1
interval = 1s
timeout = 1s

[well_behaved]
interval = 500ms
""")
        deadline = 3.0
        pages = []

        def hang_reported_failed():
            resp, page = e.scrape(headers={TIMEOUT_HEADER: "3"}, timeout=10)
            self.assertLess(resp.elapsed, deadline, "scrape overran its deadline")
            pages.append(page)
            return page.has("exporterd_collector_success", collector="hang") and \
                success(page, "hang") == 0

        harness.wait_until(hang_reported_failed, 10, "hang's collect to be reported failed",
                           interval=0.2)
        first = pages[-1]
        # hang's last published data is still served next to well_behaved's.
        self.assertEqual(first.value("hang_collects_total"), 1)
        self.assertEqual(first.value("hang_alive"), 1)
        self.assertEqual(success(first, "well_behaved"), 1)
        n1 = check_well_behaved(self, first)

        # well_behaved keeps collecting while hang stays hung; every scrape stays fast.
        time.sleep(1.2)
        for get in (e.scrape, e.scrape_om):
            resp, page = get(headers={TIMEOUT_HEADER: "3"})
            self.assertLess(resp.elapsed, deadline)
            self.assertEqual(success(page, "hang"), 0)
            self.assertEqual(success(page, "well_behaved"), 1)
            self.assertEqual(page.value("hang_collects_total"), 1)
            self.assertGreater(check_well_behaved(self, page), n1)

    def test_on_scrape_hang_costs_one_deadline_at_most(self):
        e = self.start("""
[hang]
hang_after = 1
interval = 0

[well_behaved]
interval = 0
""", exporter={"scrape_timeout": "1500ms"})
        # hang's first collect succeeds (at a scrape, or at start), its second never returns.
        pages = []

        def hang_failed():
            resp, page = e.scrape(headers={TIMEOUT_HEADER: "2"})
            self.assertLess(resp.elapsed, 2.0, "scrape overran its deadline")
            pages.append(page)
            return success(page, "hang") == 0
        harness.wait_until(hang_failed, 10, "hang's second collect to time out", interval=0)
        self.assertLessEqual(len(pages), 2)
        n = check_well_behaved(self, pages[-1])
        self.assertEqual(pages[-1].value("hang_collects_total"), 1)

        # Later scrapes do not ask the hung worker again, still end by their deadline
        # (the header's minus a margin, else scrape_timeout plus the time to answer)
        # and still collect well_behaved.
        for header in ({TIMEOUT_HEADER: "2"}, {TIMEOUT_HEADER: "2"}, {}):
            with self.subTest(header=header):
                resp, page = e.scrape(headers=header)
                self.assertLess(resp.elapsed, 2.0 if header else 1.75)
                self.assertEqual(success(page, "hang"), 0)
                self.assertEqual(page.value("hang_collects_total"), 1)
                m = check_well_behaved(self, page)
                self.assertEqual(m, n + 1)
                self.assertEqual(success(page, "well_behaved"), 1)
                n = m


class CollectOnScrapeTest(ExporterdTestCase):
    def test_concurrent_scrapes_share_one_collect(self):
        e = self.start("[slow]\ninterval = 0\ntimeout = 8s\ndelay = 1s\n")
        headers = {TIMEOUT_HEADER: "10"}
        _, page = e.scrape(headers=headers)
        before = page.value("slow_collects_total")

        barrier = threading.Barrier(5)
        results = [None] * 5

        def scrape(i):
            barrier.wait()
            try:
                results[i] = e.scrape(headers=headers, timeout=15)
            except Exception as ex:  # checked below
                results[i] = ex

        threads = [threading.Thread(target=scrape, args=(i,)) for i in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        for r in results:
            self.assertIsInstance(r, tuple, r)
        self.assertEqual([r[1].value("slow_collects_total") for r in results], [before + 1] * 5)
        # HTTP time only: checking the pages (promtool) is not part of it.
        elapsed = [r[0].elapsed for r in results]
        self.assertLess(max(elapsed), 1.9, "five scrapes must share one 1s collect")
        self.assertGreaterEqual(min(elapsed), 0.8, "the scrapes must wait for the collect")

        _, page = e.scrape(headers=headers)
        self.assertEqual(page.value("slow_collects_total"), before + 2)
        self.assertEqual(success(page, "slow"), 1)

    def test_each_scrape_collects_and_removed_children_vanish(self):
        e = self.start("[well_behaved]\ninterval = 0\n")
        seen = []
        for get in (e.scrape, e.scrape_om, e.scrape, e.scrape_om):
            _, page = get()
            n = check_well_behaved(self, page)  # checks slot="odd" against n
            seen.append(n)
        self.assertEqual(seen, list(range(seen[0], seen[0] + 4)))


class IntervalTest(ExporterdTestCase):
    def test_collects_without_scrapes(self):
        e = self.start("[well_behaved]\ninterval = 300ms\n")
        time.sleep(1.6)
        _, page = e.scrape()
        n1 = check_well_behaved(self, page)
        self.assertGreaterEqual(n1, 3)
        self.assertLessEqual(n1, 8)
        last = page.value("exporterd_collector_last_success_timestamp_seconds",
                          collector="well_behaved")
        self.assertAlmostEqual(last, time.time(), delta=1.5)
        self.assertLess(page.value("exporterd_collector_duration_seconds",
                                   collector="well_behaved"), 0.3)
        time.sleep(1.0)
        _, page = e.scrape()
        n2 = check_well_behaved(self, page)
        self.assertGreaterEqual(n2, n1 + 2)

    def test_scrapes_do_not_trigger_interval_collects(self):
        e = self.start("[well_behaved]\ninterval = 1h\n")
        harness.wait_until(lambda: e.get("/-/ready").status == 200, 10, "ready")
        for _ in range(5):
            _, page = e.scrape()
            self.assertEqual(check_well_behaved(self, page), 1)


class CollectFailureTest(ExporterdTestCase):
    def test_failed_collect_shows_in_self_metrics_only(self):
        e = self.start("""
[collect_fail]
interval = 300ms

[collect_fail:alt]
interval = 0
mode = alternate
message = every other time

[well_behaved]
interval = 300ms
""")
        page = harness.wait_until(
            lambda: (lambda p: p.has("exporterd_collector_success", collector="collect_fail")
                     and p)(e.scrape()[1]), 10, "collect_fail's first collect")
        self.assertEqual(success(page, "collect_fail"), 0)
        self.assertEqual(success(page, "well_behaved"), 1)
        check_well_behaved(self, page)

        states = []
        for get in (e.scrape, e.scrape_om, e.scrape, e.scrape_om):
            resp, page = get()
            self.assertEqual(resp.status, 200)
            states.append(success(page, "collect_fail:alt"))
            self.assertEqual(success(page, "collect_fail"), 0)
            self.assertEqual(success(page, "well_behaved"), 1)
        self.assertIn(states, ([0, 1, 0, 1], [1, 0, 1, 0]))

        html = e.get("/").text
        self.assertIn("upstream said no", html)


class MergeTest(ExporterdTestCase):
    def test_two_instances_of_one_plugin_share_families(self):
        e = self.start("""
[well_behaved:a]
interval = 1h
site = alpha

[well_behaved:b]
interval = 1h
site = beta
step = 2
""")
        harness.wait_until(lambda: e.get("/-/ready").status == 200, 10, "ready")
        for get in (e.scrape, e.scrape_om):
            resp, page = get()
            with self.subTest(format=page.format):
                check_well_behaved(self, page, "alpha")
                check_well_behaved(self, page, "beta", step=2)
                lines = resp.body.split(b"\n")
                for fam in ("well_behaved_value", "well_behaved_size_bytes",
                            "well_behaved_state"):
                    self.assertEqual(lines.count(b"# TYPE %s %s" % (
                        fam.encode(), page.types[fam].encode())), 1)
                    self.assertEqual(sum(1 for l in lines
                                         if l.startswith(b"# HELP %s " % fam.encode())), 1)
                for name in ("well_behaved:a", "well_behaved:b"):
                    self.assertEqual(success(page, name), 1)

    def test_same_series_from_two_instances_is_reported_not_served(self):
        e = self.start("""
[well_behaved:a]
interval = 1h
site = same

[well_behaved:b]
interval = 1h
site = same
""", wait_healthy=False)

        def exited_or_ready():
            if not e.running():
                return "exited"
            try:
                return e.get("/-/ready", timeout=2).status == 200 and "serving"
            except OSError:
                return False
        state = harness.wait_until(exited_or_ready, 10, "exporterd to start or refuse")
        if state == "exited":
            self.assertEqual(e.proc.returncode, 1)
            self.assertRegex(e.stderr(), r"well_behaved:[ab]")
            return
        for get in (e.scrape, e.scrape_om):
            _, page = get()  # the checkers reject duplicate series
            self.assertEqual(len(page.find("well_behaved_value", site="same")), 1)
            self.assertEqual(sorted([success(page, "well_behaved:a"),
                                     success(page, "well_behaved:b")]), [0, 1])


if __name__ == "__main__":
    harness.main()
