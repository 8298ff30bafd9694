"""End to end: a real Prometheus 2.42 scrapes exporterd (OpenMetrics, gzip) and stores it all."""
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import harness
from harness import ESCAPE_VECTORS, ExporterdTestCase

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

PROMETHEUS_YML = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exporterd
    static_configs:
      - targets: ['127.0.0.1:%d']
"""

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
    def start_prometheus(self, target_port):
        if not os.access(PROMETHEUS, os.X_OK):
            raise AssertionError("prometheus is not installed (scripts/bootstrap installs it)")
        d = self.tempdir()
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(PROMETHEUS_YML % target_port)
        self.prom_port = harness.free_port()
        log = open(os.path.join(d, "prometheus.log"), "w+b")
        self.addCleanup(log.close)
        proc = subprocess.Popen([PROMETHEUS, "--config.file=" + cfg,
                                 "--storage.tsdb.path=" + os.path.join(d, "data"),
                                 "--web.listen-address=127.0.0.1:%d" % self.prom_port,
                                 "--log.level=warn"],
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=d)

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.addCleanup(stop)
        self.prom_log = log

        def ready():
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError("prometheus exited %d:\n%s" %
                                     (proc.returncode, log.read().decode(errors="replace")))
            return urllib.request.urlopen(
                "http://127.0.0.1:%d/-/ready" % self.prom_port, timeout=2).status == 200
        harness.wait_until(ready, 30, "prometheus /-/ready", interval=0.2)

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.prom_port, path,
                                                  urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
        self.assertEqual(doc["status"], "success", doc)
        return doc["data"]

    def query(self, expr):
        """Instant vector as a list of (labels, value string)."""
        data = self.api("query", query=expr)
        self.assertEqual(data["resultType"], "vector")
        return [(r["metric"], r["value"][1]) for r in data["result"]]

    def one(self, expr):
        res = self.query(expr)
        self.assertEqual(len(res), 1, "%s -> %r" % (expr, res))
        return res[0]

    def test_prometheus_scrapes_and_stores_everything(self):
        e = self.start(CONFIG)
        self.start_prometheus(e.port)

        harness.wait_until(lambda: self.query('up{job="exporterd"} == 1'), 30,
                           "up == 1", interval=0.25)
        targets = self.api("targets")["activeTargets"]
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
                self.api("targets/metadata", match_target='{job="exporterd"}')}
        self.assertEqual(meta.get("well_behaved_state"), "stateset", meta)
        self.assertEqual(meta.get("well_behaved_build"), "info", meta)
        self.assertEqual(meta.get("well_behaved_collects"), "counter", meta)

        # Still up after a few more scrapes.
        time.sleep(1.5)
        self.assertEqual(self.one('up{job="exporterd"}')[1], "1")
        self.prom_log.seek(0)
        self.assertNotIn(b"exporterd", self.prom_log.read(), "prometheus logged a scrape problem")


if __name__ == "__main__":
    harness.main()
