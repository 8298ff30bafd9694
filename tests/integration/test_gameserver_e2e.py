"""End to end: exporterd polls the mock listing API, a real Prometheus scrapes it, and every
query of the shipped dashboard and rules runs against what it stored."""
import json
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.parse
import urllib.request

import harness
from gameserver_support import EXPORTER, ListingApi, key, require_plugin, start_mock

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
DEPLOY = os.path.join(harness.SOURCE_DIR, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "rules.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "exporterd-gameserver.json")

PROMETHEUS_YML = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %s
scrape_configs:
  - job_name: exporterd
    static_configs:
      - targets: ['127.0.0.1:%d']
"""

# Grafana's variables, as the dashboard's "All" choice and a small dashboard would set them.
GRAFANA_VARIABLES = {"$job": ".+", "$server": ".+", "$__rate_interval": "1m",
                     "$__interval": "1s", "$__range": "5m"}


def dashboard_queries():
    """Every PromQL text in the dashboard: panel targets and variable queries
    (label_values(expr, label) runs as expr)."""
    with open(DASHBOARD, encoding="utf-8") as f:
        doc = json.load(f)
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                found.append((where + "/" + str(node.get("refId")), node["expr"]))
            for k, v in node.items():
                walk(v, where + "/" + str(node.get("title") or node.get("name") or k))
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    walk(doc.get("panels", []), "panels")
    for var in doc.get("templating", {}).get("list", []):
        q = var.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if var.get("type") == "query" and q:
            m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", q, re.S)
            found.append(("variable " + var["name"], m.group(1) if m else q))
    out = []
    for where, expr in found:
        for var in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
            expr = expr.replace(var, GRAFANA_VARIABLES[var])
        out.append((where, expr))
    return out


class PrometheusEndToEndTest(harness.ExporterdTestCase):
    def start_prometheus(self, target_port):
        if not os.access(PROMETHEUS, os.X_OK):
            raise AssertionError("prometheus is not installed (scripts/bootstrap installs it)")
        d = self.tempdir()
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(PROMETHEUS_YML % (RULES, target_port))
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
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.addCleanup(stop)

        def ready():
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError("prometheus exited %d:\n%s" %
                                     (proc.returncode, log.read().decode(errors="replace")))
            return urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.prom_port,
                                          timeout=2).status == 200
        harness.wait_until(ready, 30, "prometheus /-/ready", interval=0.2)

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.prom_port, path,
                                                  urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                doc = json.load(r)
        except urllib.error.HTTPError as e:
            doc = json.load(e)
        return doc

    def query(self, expr):
        doc = self.api("query", query=expr)
        self.assertEqual(doc.get("status"), "success", "%s -> %s" % (expr, doc))
        self.assertFalse(doc.get("warnings"), "%s -> %s" % (expr, doc))
        return doc["data"]["result"]

    def values(self, expr, label="server"):
        return {r["metric"].get(label): float(r["value"][1]) for r in self.query(expr)}

    def test_prometheus_stores_and_evaluates_everything(self):
        for cmd in ([PROMTOOL, "check", "rules", RULES],
                    [PROMTOOL, "check", "config", os.path.join(DEPLOY, "prometheus",
                                                               "prometheus.yml")]):
            res = subprocess.run(cmd, capture_output=True, timeout=60)
            self.assertEqual(res.returncode, 0, res)

        api = start_mock(self, ListingApi)
        servers = {"pve": "strings", "pvp": "numbers", "vanilla": "offline", "down": "http500"}
        body = "[gameserver]\ninterval = 1s\nurl = %s\n" % api.url + "".join(
            "server = %s:%s\n" % (s, key(c, s)) for s, c in servers.items())
        e = self.start(body, exporter=EXPORTER)
        self.start_prometheus(e.port)

        def stored():
            up = self.values('up{job="exporterd"}', "job")
            players = self.values("gameserver_players")
            return up.get("exporterd") == 1 and len(players) == 3 and players
        players = harness.wait_until(stored, 30, "up == 1 and the players in Prometheus",
                                     interval=0.3)
        self.assertEqual(players, {"pve": 12, "pvp": 7, "vanilla": 0})
        self.assertEqual(self.values("gameserver_up"),
                         {"pve": 1, "pvp": 1, "vanilla": 1, "down": 0})
        self.assertEqual(self.values("gameserver_max_players"),
                         {"pve": 24, "pvp": 32, "vanilla": 16})
        self.assertEqual(self.values('gameserver_status == 1', "gameserver_status"),
                         {"online": 1, "offline": 1, "unreachable": 1})

        # Rates need a few scrapes and the rules a few evaluations.
        def rules_evaluated():
            groups = self.api("rules")["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            return all(r.get("lastEvaluation", "").startswith("2") and
                       not r["lastEvaluation"].startswith("0001") for r in rules) and rules
        time.sleep(3)
        rules = harness.wait_until(rules_evaluated, 15, "every rule evaluated", interval=0.3)
        with open(RULES, encoding="utf-8") as f:
            declared = len(re.findall(r"^\s*- (?:record|alert):", f.read(), re.M))
        self.assertEqual(len(rules), declared)
        for r in rules:
            with self.subTest(rule=r["name"]):
                self.assertEqual(r["health"], "ok", r)
                self.assertFalse(r.get("lastError"), r)
                self.query(r["query"])

        # The article's total_players, as a recording rule over our series.
        total = harness.wait_until(lambda: self.values("job:gameserver_players:sum", "job"), 10,
                                   "the total players rule")
        self.assertEqual(total, {"exporterd": 19})
        alerts = self.api("alerts")["data"]["alerts"]
        failing = {a["labels"].get("server") for a in alerts
                   if a["labels"]["alertname"] == "GameServerPollFailing"}
        self.assertEqual(failing, {"down"})
        down = {a["labels"].get("server") for a in alerts
                if a["labels"]["alertname"] == "GameServerDown"}
        self.assertEqual(down, {"down", "vanilla"})

        queries = dashboard_queries()
        self.assertGreaterEqual(len(queries), 10)
        answered = 0
        for where, expr in queries:
            with self.subTest(panel=where):
                result = self.query(expr)
                answered += bool(result)
        # With every server selected, each panel query has data (rates included).
        self.assertEqual(answered, len(queries))


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
