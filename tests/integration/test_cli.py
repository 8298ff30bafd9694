"""The command line: -V, -h, usage errors, --check, --once, and every start-up error's message."""
import os
import re
import shutil
import subprocess

import harness
from harness import PLUGIN_DIR, SOURCE_DIR, ExporterdTestCase, check_well_behaved

SECRET = "pa55-Wd-7c1b0e"


class VersionAndUsageTest(ExporterdTestCase):
    def test_version(self):
        for flag in ("-V", "--version"):
            res = self.run_exporterd([flag])
            self.assertEqual(res.code, 0, res)
            self.assertRegex(res.stdout, r"\Aexporterd \d+\.\d+\.\d+\S* ")
            self.assertEqual(res.stdout.count("\n"), 1)

    def test_help(self):
        for flag in ("-h", "--help"):
            res = self.run_exporterd([flag])
            self.assertEqual(res.code, 0, res)
            self.assertIn("usage: exporterd", res.stdout)
            for opt in ("-c", "-l", "--log-level", "--check", "--once", "--format", "-V", "-h"):
                self.assertIn(opt, res.stdout)
            self.assertEqual(res.stderr, "")

    def test_usage_errors_exit_2(self):
        ini = self.write_ini("[well_behaved]\n")
        for args in (["--bogus"], ["-x"], ["extra-argument"], ["-c"], ["--once", "--format"],
                     ["-c", ini, "--once", "--format", "xml"], ["-c", ini, "--format", "text"],
                     ["-c", ini, "--log-level", "loud"], ["-c", ini, "--check", "--once"]):
            with self.subTest(args=args):
                res = self.run_exporterd(args)
                self.assertEqual(res.code, 2, res)
                self.assertIn("usage: exporterd", res.stderr)
                self.assertEqual(res.stdout, "")


class CheckTest(ExporterdTestCase):
    def test_check_lists_every_instance(self):
        ini = self.write_ini("""
[well_behaved]
api_key = %s

[well_behaved:b]
interval = 0
timeout = 3s
site = beta

[collect_fail]
enabled = false

[slow]
interval = 90
timeout = 2500ms
""" % SECRET, exporter={"scrape_timeout": "7s"})
        res = self.run_exporterd(["-c", ini, "--check"])
        self.assertEqual(res.code, 0, res)
        self.assertEqual(res.stdout.splitlines(), [
            "well_behaved ok plugin=well_behaved interval=1s timeout=1s",
            "well_behaved:b ok plugin=well_behaved interval=on-scrape timeout=3s",
            "collect_fail disabled",
            "slow ok plugin=slow interval=1m30s timeout=2s500ms",
        ])
        self.assertNotIn(SECRET, res.stdout + res.stderr)

    def test_check_default_timeout_is_capped_by_scrape_timeout(self):
        ini = self.write_ini("[well_behaved]\ninterval = 1m\n", exporter={"scrape_timeout": "7s"})
        res = self.run_exporterd(["-c", ini, "--check"])
        self.assertEqual(res.code, 0, res)
        self.assertEqual(res.stdout, "well_behaved ok plugin=well_behaved interval=1m timeout=7s\n")

    def test_check_does_not_serve(self):
        ini = self.write_ini("[slow]\ninterval = 1h\ndelay = 5s\n")
        res = self.run_exporterd(["-c", ini, "--check"], timeout=10)
        self.assertEqual(res.code, 0, res)
        self.assertLess(res.elapsed, 4, "--check must not collect a 5s plugin")


class OnceTest(ExporterdTestCase):
    def test_once_text(self):
        ini = self.write_ini("[well_behaved]\ntag = one\napi_key = %s\n" % SECRET)
        res = self.run_exporterd(["-c", ini, "--once", "--log-level", "debug"])
        self.assertEqual(res.code, 0, res)
        page = harness.check_page(res.stdout_bytes, "text")
        self.assertEqual(check_well_behaved(self, page, tags=["one"]), 1)
        self.assertEqual(page.value("exporterd_collector_success", collector="well_behaved"), 1)
        self.assertTrue(page.has("exporterd_build_info"))
        self.assertTrue(page.has("process_cpu_seconds_total"))
        self.assertNotIn(SECRET, res.stdout + res.stderr)
        self.assertLogfmt(res.stderr)

    def test_once_shuts_plugins_down_quietly(self):
        ini = self.write_ini("[well_behaved]\n[well_behaved:b]\nsite = b\n")
        res = self.run_exporterd(["-c", ini, "--once"])
        self.assertEqual(res.code, 0, res)
        for name in ("well_behaved", "well_behaved:b"):
            self.assertRegex(res.stderr,
                             r'level=info msg="shutdown after 1 collects" collector=%s\n' % name)
        self.assertNotRegex(res.stderr, r"level=(warn|error)")

    def test_log_level(self):
        body = "[well_behaved]\napi_key = %s\n[collect_fail]\n" % SECRET
        quiet = self.write_ini(body, exporter={"log_level": "warn"})
        res = self.run_exporterd(["-c", quiet, "--once"])
        self.assertEqual(res.code, 1, res)
        self.assertNotIn("level=info", res.stderr)
        self.assertRegex(res.stderr, r'level=warn .*upstream said no.* collector=collect_fail')
        res = self.run_exporterd(["-c", quiet, "--once", "--log-level", "info"])
        self.assertRegex(res.stderr, r'level=info msg="api_key is set \(14 characters\)" '
                                     r'collector=well_behaved')
        res = self.run_exporterd(["-c", quiet, "--once", "--log-level", "error"])
        self.assertNotRegex(res.stderr, r"level=(info|warn)")
        self.assertNotIn(SECRET, res.stderr)

    def test_once_openmetrics(self):
        ini = self.write_ini("[well_behaved]\n[well_behaved:b]\nsite = b\n")
        res = self.run_exporterd(["-c", ini, "--once", "--format", "openmetrics"])
        self.assertEqual(res.code, 0, res)
        self.assertTrue(res.stdout.endswith("\n# EOF\n"))
        page = harness.check_page(res.stdout_bytes, "openmetrics")
        self.assertEqual(check_well_behaved(self, page), 1)
        self.assertEqual(check_well_behaved(self, page, site="b"), 1)

        res = self.run_exporterd(["-c", ini, "--once", "--format", "text"])
        self.assertEqual(res.code, 0, res)
        harness.check_page(res.stdout_bytes, "text")

    def test_once_exits_1_when_a_collect_fails(self):
        ini = self.write_ini("[collect_fail]\n[well_behaved]\n")
        for fmt in ("text", "openmetrics"):
            with self.subTest(format=fmt):
                res = self.run_exporterd(["-c", ini, "--once", "--format", fmt])
                self.assertEqual(res.code, 1, res)
                page = harness.check_page(res.stdout_bytes, fmt)
                check_well_behaved(self, page)
                self.assertEqual(
                    page.value("exporterd_collector_success", collector="collect_fail"), 0)
                self.assertIn("upstream said no", res.stderr)

    def test_once_with_a_hung_plugin_ends(self):
        ini = self.write_ini("[hang]\ntimeout = 1s\n[well_behaved]\n")
        res = self.run_exporterd(["-c", ini, "--once"], timeout=15)
        self.assertEqual(res.code, 1, res)
        self.assertLess(res.elapsed, 5)
        page = harness.check_page(res.stdout_bytes, "text")
        check_well_behaved(self, page)
        self.assertEqual(page.value("exporterd_collector_success", collector="hang"), 0)

    def test_plugin_built_with_only_the_header(self):
        cc = shutil.which("cc")
        self.assertIsNotNone(cc, "no C compiler")
        d = self.tempdir()
        so = os.path.join(d, "well_behaved.so")
        src = os.path.join(SOURCE_DIR, "tests", "plugins", "well_behaved.c")
        build = subprocess.run([cc, "-shared", "-fPIC", "-I", os.path.join(SOURCE_DIR, "include"),
                                src, "-o", so], capture_output=True, text=True, timeout=120)
        self.assertEqual(build.returncode, 0, build.stderr)
        ini = self.write_ini("[well_behaved]\n", plugin_dir=d)
        res = self.run_exporterd(["-c", ini, "--once"])
        self.assertEqual(res.code, 0, res)
        check_well_behaved(self, harness.check_page(res.stdout_bytes, "text"))

    def test_plugin_dir_is_relative_to_the_file(self):
        d = self.tempdir()
        ini = self.write_ini("[well_behaved]\n", plugin_dir=os.path.relpath(PLUGIN_DIR, d),
                             directory=d)
        res = self.run_exporterd(["-c", ini, "--once"], cwd="/")
        self.assertEqual(res.code, 0, res)
        check_well_behaved(self, harness.check_page(res.stdout_bytes, "text"))

    def test_environment_expansion(self):
        ini = self.write_ini("[well_behaved]\nsite = ${EXPORTERD_IT_SITE}\n"
                             "tag = ${EXPORTERD_IT_UNSET_TAG:-fallback}\n"
                             "api_key = ${EXPORTERD_IT_KEY}\n")
        res = self.run_exporterd(["-c", ini, "--once", "--log-level", "debug"],
                                 env={"EXPORTERD_IT_SITE": "from-env", "EXPORTERD_IT_KEY": SECRET})
        self.assertEqual(res.code, 0, res)
        page = harness.check_page(res.stdout_bytes, "text")
        check_well_behaved(self, page, site="from-env", tags=["fallback"])
        self.assertNotIn(SECRET, res.stdout + res.stderr)

    def test_long_line_below_the_limit_is_kept_whole(self):
        site = "s" * 150
        ini = self.write_ini("[well_behaved]\nsite = %s\n" % site)
        res = self.run_exporterd(["-c", ini, "--once"])
        self.assertEqual(res.code, 0, res)
        check_well_behaved(self, harness.check_page(res.stdout_bytes, "text"), site=site)


class StartupErrorTest(ExporterdTestCase):
    """Each broken configuration exits 1 with a message naming what and where."""

    def fails(self, body, *patterns, env=None, exporter=None):
        ini = self.write_ini(body, exporter=exporter)
        results = []
        for mode in (["--check"], ["--once"], []):
            res = self.run_exporterd(["-c", ini] + mode, env=env, timeout=15)
            results.append(res)
            with self.subTest(mode=mode):
                self.assertEqual(res.code, 1, res)
                self.assertEqual(res.stdout, "", "errors go to stderr")
                for p in patterns:
                    self.assertRegex(res.stderr, p.replace("INI", re.escape(ini)))
                self.assertNotIn(SECRET, res.stderr)
                self.assertNotRegex(res.stderr, r"called despite|collect called after",
                                    "a refused plugin's code ran")
        return ini, results[0]

    def line_of(self, ini, text):
        with open(ini) as f:
            for no, line in enumerate(f, 1):
                if text in line:
                    return no
        raise AssertionError("%r not in %s" % (text, ini))

    def test_missing_plugin(self):
        body = "[well_behaved]\n[no_such_plugin]\n"
        line = self.line_of(self.write_ini(body), "[no_such_plugin]")
        self.fails(body, re.escape(os.path.join(PLUGIN_DIR, "no_such_plugin.so")),
                   r"INI:%d\b" % line)

    def test_undefined_symbol(self):
        self.fails("[undefined_symbol]\n",
                   re.escape(os.path.join(PLUGIN_DIR, "undefined_symbol.so")),
                   r"undefined symbol: exporterd_missing_host_function")

    def test_wrong_abi(self):
        self.fails("[wrong_abi]\n", re.escape(os.path.join(PLUGIN_DIR, "wrong_abi.so")),
                   r"(?i)\babi\b", r"\b99\b")

    def test_too_small_descriptor(self):
        self.fails("[too_small]\n", re.escape(os.path.join(PLUGIN_DIR, "too_small.so")),
                   r"(?i)descriptor|size")

    def test_name_mismatch(self):
        self.fails("[name_mismatch]\n", re.escape(os.path.join(PLUGIN_DIR, "name_mismatch.so")),
                   r"someone_else")

    def test_init_failure(self):
        ini, _ = self.fails("[well_behaved]\n\n[init_fail:db]\nreason = disk on fire\n",
                            r"init_fail:db", r"cannot start: disk on fire")
        self.fails("[init_fail]\n", r"\binit_fail\b", r"cannot start: database unreachable")

    def test_unknown_key(self):
        body = "[well_behaved]\nsite = x\nbogus_key = 1\napi_key = %s\n" % SECRET
        ini = self.write_ini(body)
        line = self.line_of(ini, "bogus_key")
        _, res = self.fails(body, r"INI:%d\b" % line, r"bogus_key")
        for known in ("site", "step", "tag", "api_key", "enabled", "interval", "timeout"):
            self.assertRegex(res.stderr, r"\b%s\b" % known)

    def test_unknown_exporter_key(self):
        ini = self.write_ini("[well_behaved]\n", exporter={"listne": "127.0.0.1:1"})
        res = self.run_exporterd(["-c", ini, "--check"])
        self.assertEqual(res.code, 1, res)
        self.assertRegex(res.stderr, re.escape(ini) + ":%d\\b" % self.line_of(ini, "listne"))
        self.assertIn("listne", res.stderr)

    def test_bad_values(self):
        for body, key in (("[well_behaved]\nstep = many\n", "step"),
                          ("[well_behaved]\ninterval = 5 minutes\n", "interval"),
                          ("[well_behaved]\nenabled = perhaps\n", "enabled"),
                          ("[slow]\ndelay = -1s\n", "delay")):
            with self.subTest(body=body):
                ini = self.write_ini(body)
                self.fails(body, r"INI:%d\b" % self.line_of(ini, key + " ="), key)

    def test_repeated_keys(self):
        body = "[well_behaved]\napi_key = %s\napi_key = %s-2\n" % (SECRET, SECRET)
        ini = self.write_ini(body)
        self.fails(body, r"INI:%d\b" % (self.line_of(ini, "api_key") + 1), r"api_key")
        body = "[well_behaved]\nsite = a\nsite = b\n"
        ini = self.write_ini(body)
        self.fails(body, r"INI:%d\b" % self.line_of(ini, "site = b"), r"site")

    def test_overlong_line(self):
        body = "[well_behaved]\nsite = %s\n" % ("x" * 300)
        ini = self.write_ini(body)
        self.fails(body, r"INI:%d\b" % self.line_of(ini, "site ="), r"(?i)long|limit")

    def test_unset_variable(self):
        body = "[well_behaved]\nstep = 2\nsite = ${EXPORTERD_IT_SURELY_UNSET}\n"
        ini = self.write_ini(body)
        env = {k: v for k, v in os.environ.items() if k != "EXPORTERD_IT_SURELY_UNSET"}
        self.assertNotIn("EXPORTERD_IT_SURELY_UNSET", env)
        self.fails(body, r"INI:%d\b" % self.line_of(ini, "site ="), r"EXPORTERD_IT_SURELY_UNSET")

    def test_bad_section_names(self):
        for header in ("[Well_Behaved]", "[../evil]", "[well-behaved]", "[well_behaved:]"):
            with self.subTest(header=header):
                body = "[well_behaved]\n\n%s\n" % header
                ini = self.write_ini(body)
                self.fails(body, r"INI:%d\b" % self.line_of(ini, header))

    def test_duplicate_section(self):
        body = "[well_behaved]\n\n[well_behaved]\nsite = again\n"
        ini = self.write_ini(body)
        with open(ini) as f:
            lines = [i for i, l in enumerate(f, 1) if l.strip() == "[well_behaved]"]
        self.fails(body, r"INI:%d\b" % lines[1])

    def test_bad_metric_and_label_names(self):
        cases = [("2bad", ""), ("bad-name", ""), ("__reserved", ""), ("exporterd_fake", ""),
                 ("process_fake", ""), ("well_behaved_x", "le"), ("well_behaved_x", "quantile"),
                 ("well_behaved_x", "__x"), ("well_behaved_x", "bad-label"),
                 ("well_behaved_x", "dup,dup"), ("well_behaved_value", "site,other"),
                 ("well_behaved_state", "site")]
        for name, labels in cases:
            with self.subTest(name=name, labels=labels):
                ini = self.write_ini("[well_behaved:n]\nextra_gauge = %s\nextra_labels = %s\n" %
                                     (name, labels))
                res = self.run_exporterd(["-c", ini, "--check"])
                self.assertEqual(res.code, 1, res)
                self.assertIn("well_behaved:n", res.stderr)
                bad = labels.split(",")[0] if name == "well_behaved_x" else name
                self.assertIn(bad, res.stderr)

    def test_good_extra_names(self):
        for name, labels in (("well_behaved:ratio", ""), ("well_behaved_extra", "x,y_z"),
                             ("_well_behaved", "_a")):
            with self.subTest(name=name, labels=labels):
                ini = self.write_ini("[well_behaved]\nextra_gauge = %s\nextra_labels = %s\n" %
                                     (name, labels))
                res = self.run_exporterd(["-c", ini, "--check"])
                self.assertEqual(res.code, 0, res)

    def test_family_declared_differently_by_two_instances(self):
        body = ("[well_behaved:a]\nsite = a\nextra_gauge = shared_x\nextra_labels = one\n\n"
                "[well_behaved:b]\nsite = b\nextra_gauge = shared_x\nextra_labels = two\n")
        self.fails(body, r"well_behaved:b", r"shared_x")
        same = body.replace("extra_labels = two", "extra_labels = one")
        res = self.run_exporterd(["-c", self.write_ini(same), "--once"])
        self.assertEqual(res.code, 0, res)
        page = harness.check_page(res.stdout_bytes, "text")
        check_well_behaved(self, page, site="a")
        check_well_behaved(self, page, site="b")

    def test_missing_config_file(self):
        path = os.path.join(self.tempdir(), "absent.ini")
        for mode in (["--check"], ["--once"], []):
            res = self.run_exporterd(["-c", path] + mode)
            self.assertEqual(res.code, 1, res)
            self.assertIn(path, res.stderr)

    def test_errors_are_logfmt(self):
        ini = self.write_ini("[wrong_abi]\n")
        res = self.run_exporterd(["-c", ini])
        self.assertEqual(res.code, 1, res)
        self.assertLogfmt(res.stderr)
        self.assertRegex(res.stderr, r"level=error")


if __name__ == "__main__":
    harness.main()
