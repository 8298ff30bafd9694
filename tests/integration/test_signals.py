"""Signals: SIGHUP reloads (all or nothing), SIGTERM and SIGINT stop within a second."""
import re
import signal
import threading
import time

import harness
from harness import ExporterdTestCase, check_well_behaved

FIRST = """
[well_behaved]
interval = 200ms
"""

SECOND = """
[well_behaved]
interval = 200ms

[well_behaved:b]
interval = 200ms
site = beta
"""


def reload_state(page):
    return (page.value("exporterd_config_last_reload_successful"),
            page.value("exporterd_config_last_reload_success_timestamp_seconds"))


class ReloadTest(ExporterdTestCase):
    def reload(self, e, body):
        e.write_config(body)
        e.send_signal(signal.SIGHUP)

    def wait_page(self, e, predicate, what):
        return harness.wait_until(lambda: (lambda p: predicate(p) and p)(e.scrape()[1]), 10, what)

    def test_good_and_bad_reloads(self):
        e = self.start(FIRST)
        page = self.wait_page(e, lambda p: p.has("well_behaved_collects_total"), "first collect")
        ok, started = reload_state(page)
        self.assertEqual(ok, 1)
        self.assertAlmostEqual(started, time.time(), delta=30)

        # A good file: the new instance appears, the old one keeps its series.
        time.sleep(1.1)  # timestamps have second resolution at worst
        before = time.time()
        self.reload(e, SECOND)
        page = self.wait_page(e, lambda p: p.has("well_behaved_collects_total", site="beta"),
                              "well_behaved:b after reload")
        check_well_behaved(self, page)
        check_well_behaved(self, page, site="beta")
        self.assertEqual(page.value("exporterd_collector_success", collector="well_behaved:b"), 1)
        ok, good_at = reload_state(page)
        self.assertEqual(ok, 1)
        self.assertGreaterEqual(good_at, before - 1)
        self.assertIn("well_behaved:b", e.get("/").text)

        # Broken files: nothing changes except the reload gauge and a logged error.
        # (file, what the logged error must contain: a line of the file or a regex)
        broken = [
            (SECOND + "\n[well_behaved:c]\nsite = gamma\nno_such_key = 1\n",
             ("line", "no_such_key")),
            (SECOND + "\n[well_behaved:c]\nsite = ${EXPORTERD_IT_UNSET_ON_RELOAD}\n",
             ("line", "EXPORTERD_IT_UNSET_ON_RELOAD")),
            (SECOND + "\n[init_fail]\nreason = refusing reload\n",
             ("regex", r"init_fail.*cannot start: refusing reload")),
            (SECOND + "\n[wrong_abi]\n", ("regex", r"wrong_abi\.so")),
        ]
        for body, (kind, marker) in broken:
            with self.subTest(marker=marker):
                n_before = page.value("well_behaved_collects_total", site="beta")
                log_len = len(e.stderr())
                self.reload(e, body)
                page = self.wait_page(e, lambda p: reload_state(p)[0] == 0,
                                      "reload_successful 0")
                self.assertEqual(reload_state(page)[1], good_at, "success timestamp moved")
                # The old set keeps serving and collecting; nothing of the new one shows.
                page = self.wait_page(
                    e, lambda p: p.value("well_behaved_collects_total", site="beta") > n_before,
                    "old instances collecting")
                check_well_behaved(self, page)
                check_well_behaved(self, page, site="beta")
                self.assertFalse(page.has("well_behaved_collects_total", site="gamma"))
                self.assertFalse(page.has("exporterd_collector_success", collector="init_fail"))
                self.assertEqual(e.get("/-/ready").status, 200)
                if kind == "line":
                    marker = r"%s:%d\b" % (re.escape(e.config_path),
                                           self.line_of(e.config_path, marker))
                harness.wait_until(
                    lambda: re.search(r"level=error .*" + marker, e.stderr()[log_len:]), 5,
                    "the reload error logged: " + marker)

        # Removing an instance by reload drops its series.
        self.reload(e, FIRST)
        page = self.wait_page(e, lambda p: reload_state(p)[0] == 1 and not
                              p.has("well_behaved_collects_total", site="beta"),
                              "reload back to one instance")
        self.assertFalse(page.has("exporterd_collector_success", collector="well_behaved:b"))
        self.assertGreater(reload_state(page)[1], good_at - 0.001)
        check_well_behaved(self, page)
        self.assertLogfmt(e.stderr())
        code, _ = e.stop()
        self.assertEqual(code, 0)

    def line_of(self, path, text):
        with open(path) as f:
            for no, line in enumerate(f, 1):
                if text in line:
                    return no
        raise AssertionError("%r not in %s" % (text, path))


class StopTest(ExporterdTestCase):
    HUNG = """
[hang]
interval = 1s
timeout = 1s

[well_behaved]
interval = 200ms
"""

    def stop_while_hung(self, sig):
        e = self.start(self.HUNG)
        # hang_after = 0: the first collect already hangs; wait until it has been running a while.
        harness.wait_until(lambda: (lambda p: p.has("exporterd_collector_success",
                                                     collector="hang") and
                                    p.value("exporterd_collector_success", collector="hang") == 0)(
            e.scrape()[1]), 10, "hang reported failed")
        code, took = e.stop(sig, within=1.0)
        self.assertEqual(code, 0, e.stderr())
        self.assertLess(took, 1.0)
        log = e.stderr()
        self.assertLogfmt(log)
        # Plugins whose collect returns get their shutdown called.
        self.assertRegex(log, r'msg="shutdown after \d+ collects" collector=well_behaved')

    def test_sigterm_while_a_collect_hangs(self):
        self.stop_while_hung(signal.SIGTERM)

    def test_sigint_while_a_collect_hangs(self):
        self.stop_while_hung(signal.SIGINT)

    def test_sigterm_finishes_an_in_flight_scrape(self):
        e = self.start("[slow]\ninterval = 0\ndelay = 600ms\ntimeout = 5s\n")
        result = {}

        def scrape():
            try:
                result["page"] = e.scrape(headers={"X-Prometheus-Scrape-Timeout-Seconds": "5"})
            except Exception as ex:  # checked below
                result["error"] = ex

        t = threading.Thread(target=scrape)
        t.start()
        time.sleep(0.2)  # the scrape now waits on slow's collect
        code, took = e.stop(signal.SIGTERM, within=1.0)
        t.join(5)
        self.assertEqual(code, 0, e.stderr())
        self.assertNotIn("error", result, result.get("error"))
        resp, page = result["page"]
        self.assertEqual(resp.status, 200)
        self.assertTrue(page.has("exporterd_build_info"))

    def test_stop_when_idle(self):
        e = self.start("[well_behaved]\ninterval = 1h\n")
        e.scrape()
        code, took = e.stop(signal.SIGTERM, within=1.0)
        self.assertEqual(code, 0, e.stderr())
        log = e.stderr()
        self.assertRegex(log, r'msg="shutdown after 1 collects" collector=well_behaved')
        self.assertLogfmt(log)
        self.assertNotRegex(log, r"level=(warn|error)", "a clean run logs no warnings")


if __name__ == "__main__":
    harness.main()
