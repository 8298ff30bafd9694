"""End to end: exporterd polls the mock listing API, a real Prometheus scrapes it, and every
query of the shipped dashboard and rules runs against what it stored."""
import json
import os
import re
import shutil
import subprocess
import time
import unittest

import harness
from gameserver_support import EXPORTER, ListingApi, key, require_plugin, start_mock

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
DEPLOY = os.path.join(harness.SOURCE_DIR, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "rules.yml")
DASHBOARD = os.path.join(DEPLOY, "grafana", "exporterd-gameserver.json")

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
    def values(self, expr, label="server"):
        return {r["metric"].get(label): float(r["value"][1]) for r in self.prom.query(expr)}

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
        self.prom = harness.Prometheus(self, e.port, rule_files=[RULES])

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
            groups = self.prom.data("rules")["groups"]
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
                self.prom.query(r["query"])

        # The article's total_players, as a recording rule over our series.
        total = harness.wait_until(lambda: self.values("job:gameserver_players:sum", "job"), 10,
                                   "the total players rule")
        self.assertEqual(total, {"exporterd": 19})
        alerts = self.prom.data("alerts")["alerts"]
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
                result = self.prom.query(expr)
                answered += bool(result)
        # With every server selected, each panel query has data (rates included).
        self.assertEqual(answered, len(queries))


if __name__ == "__main__":
    require_plugin()
    unittest.main(verbosity=2)
