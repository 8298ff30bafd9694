"""The plugin in README.md's "Writing a plugin" builds with the documented command and works."""
import os
import re
import subprocess

import harness


def readme_plugin_source():
    with open(os.path.join(harness.SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("## Writing a plugin", 1)[1]
    return re.search(r"```c\n(.*?)```", section, re.S).group(1)


class ReadmePluginTest(harness.ExporterdTestCase):
    def build(self):
        d = self.tempdir()
        src = os.path.join(d, "loadavg.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(readme_plugin_source())
        # Exactly the documented command, plus warnings as errors.
        subprocess.run(["cc", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-I",
                        os.path.join(harness.SOURCE_DIR, "include"), src, "-o",
                        os.path.join(d, "loadavg.so")], check=True)
        return d

    def test_reads_the_load_averages_it_is_given(self):
        d = self.build()
        loadavg = os.path.join(d, "fake_loadavg")
        with open(loadavg, "w") as f:
            f.write("0.50 1.25 2.00 1/123 4567\n")
        ini = self.write_ini("[loadavg]\npath = %s\n" % loadavg, plugin_dir=d)
        for fmt in ("text", "openmetrics"):
            res = self.run_exporterd(["-c", ini, "--once", "--format", fmt])
            self.assertEqual(res.code, 0, res.stderr)
            page = harness.check_page(res.stdout_bytes, fmt)
            self.assertEqual(page.value("loadavg_load", period="1m"), 0.5)
            self.assertEqual(page.value("loadavg_load", period="5m"), 1.25)
            self.assertEqual(page.value("loadavg_load", period="15m"), 2.0)
            self.assertEqual(page.value("exporterd_collector_success", collector="loadavg"), 1)

    def test_a_missing_file_is_a_failed_collect(self):
        d = self.build()
        ini = self.write_ini("[loadavg]\npath = %s/absent\n" % d, plugin_dir=d)
        res = self.run_exporterd(["-c", ini, "--once"])
        self.assertEqual(res.code, 1)
        self.assertIn("cannot open %s/absent" % d, res.stderr)
        self.assertIn("collector=loadavg", res.stderr)
        page = harness.check_page(res.stdout_bytes, "text")
        self.assertEqual(page.value("exporterd_collector_success", collector="loadavg"), 0)


if __name__ == "__main__":
    harness.main()
