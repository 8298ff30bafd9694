"""End to end: a real Prometheus 2.42 scrapes exporterd (OpenMetrics, gzip) and stores it all."""
import time

import harness
from harness import ESCAPE_VECTORS, ExporterdTestCase

# Collected once (interval 1h) so that every scrape carries the same number of samples.
CONFIG = """
[well_behaved]
interval = 1h
tag = t1

[slow]
interval = 0
delay = 50ms
timeout = 500ms
"""


class PrometheusTest(ExporterdTestCase):
    def query(self, expr):
        """Instant vector as a list of (labels, value string)."""
        return [(r["metric"], r["value"][1]) for r in self.prom.query(expr)]

    def one(self, expr):
        res = self.query(expr)
        self.assertEqual(len(res), 1, "%s -> %r" % (expr, res))
        return res[0]

    def test_prometheus_scrapes_and_stores_everything(self):
        e = self.start(CONFIG)
        self.prom = harness.Prometheus(self, e.port)

        harness.wait_until(lambda: self.query('up{job="exporterd"} == 1'), 30,
                           "up == 1", interval=0.25)
        targets = self.prom.data("targets")["activeTargets"]
        self.assertEqual(len(targets), 1)
        self.assertEqual(targets[0]["health"], "up")
        self.assertEqual(targets[0]["lastError"], "")

        # Prometheus stored as many samples as our OpenMetrics page has sample lines.
        _, page = e.scrape_om(headers={"Accept-Encoding": "gzip"})
        n_lines = len(page.samples)
        self.assertGreater(n_lines, 50)
        _, scraped = self.one('scrape_samples_scraped{job="exporterd"}')
        self.assertEqual(int(scraped), n_lines)

        # A plain value, an info and a stateset (enum).
        job = '{job="exporterd",site="main"}'
        self.assertEqual(self.one("well_behaved_collects_total" + job)[1], "1")
        self.assertEqual(self.one('well_behaved_tag{job="exporterd",tag="t1"}')[1], "1")
        labels, value = self.one("well_behaved_build_info" + job)
        self.assertEqual(value, "1")
        self.assertEqual(labels["version"], "1.2.3")
        self.assertEqual(labels["commit"], 'abc"def')
        states = {m["well_behaved_state"]: v for m, v in self.query("well_behaved_state" + job)}
        self.assertEqual(states, {"starting": "1", "running": "0", "stopped": "0"})
        self.assertEqual(len(self.query("well_behaved_size_bytes_bucket" + job)), 4)
        self.assertEqual(self.one("well_behaved_size_bytes_count" + job)[1], "1")

        # Values and label values arrive exactly as the plugin set them.
        specials = {m["case"]: v for m, v in self.query("well_behaved_special" + job)}
        self.assertEqual(specials["nan"], "NaN")
        self.assertEqual(specials["plus_inf"], "+Inf")
        self.assertEqual(specials["minus_inf"], "-Inf")
        self.assertEqual(float(specials["third"]), 1.0 / 3.0)
        raws = {m["case"]: m["raw"] for m, _ in self.query("well_behaved_label" + job)}
        self.assertEqual(raws, {case: raw for case, (raw, _) in ESCAPE_VECTORS.items()})

        # Collect-on-scrape ran once per Prometheus scrape, and every collector is healthy.
        harness.wait_until(lambda: float(self.one('slow_collects_total{job="exporterd"}')[1]) >= 2,
                           10, "slow collected by several scrapes", interval=0.25)
        for collector in ("well_behaved", "slow"):
            self.assertEqual(self.one('exporterd_collector_success{collector="%s"}' %
                                      collector)[1], "1")
        self.assertEqual(self.one("exporterd_config_last_reload_successful")[1], "1")
        self.assertEqual(len(self.query('exporterd_build_info{job="exporterd"}')), 1)
        self.assertEqual(len(self.query('{__name__=~"process_.+",job="exporterd"}')), 6)

        # Prometheus read the OpenMetrics types (only that format has info and stateset).
        meta = {m["metric"]: m["type"] for m in
                self.prom.data("targets/metadata", match_target='{job="exporterd"}')}
        self.assertEqual(meta.get("well_behaved_state"), "stateset", meta)
        self.assertEqual(meta.get("well_behaved_build"), "info", meta)
        self.assertEqual(meta.get("well_behaved_collects"), "counter", meta)

        # Still up after a few more scrapes.
        time.sleep(1.5)
        self.assertEqual(self.one('up{job="exporterd"}')[1], "1")
        self.assertNotIn("exporterd", self.prom.log_text(), "prometheus logged a scrape problem")


if __name__ == "__main__":
    harness.main()
