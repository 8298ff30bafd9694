"""The repository's exporter.ini loads as shipped, offline, with no keys set."""
import os
import re

import harness


class ShippedConfigTest(harness.ExporterdTestCase):
    def shipped_ini(self):
        """exporter.ini with plugin_dir pointed at this build's plugins, nothing else changed."""
        with open(os.path.join(harness.SOURCE_DIR, "exporter.ini"), encoding="utf-8") as f:
            text = f.read()
        text, n = re.subn(r"(?m)^plugin_dir *=.*$",
                          "plugin_dir = " + os.path.join(harness.BUILD_DIR, "plugins"), text)
        self.assertEqual(n, 1)
        path = os.path.join(self.tempdir(), "exporter.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_check_lists_every_section(self):
        env = {k: "" for k in ("UNTURNED_KEY_PVE", "UNTURNED_KEY_PVP", "UNTURNED_KEY_VANILLA")}
        res = self.run_exporterd(["-c", self.shipped_ini(), "--check"], env=env)
        self.assertEqual(res.code, 0, res.stderr)
        self.assertEqual(res.stdout.splitlines(), [
            "gameserver ok plugin=gameserver interval=1m timeout=10s",
            "http_probe:internal ok plugin=http_probe interval=15s timeout=10s",
        ])

    def test_serves_offline_and_probes_itself(self):
        with open(self.shipped_ini(), encoding="utf-8") as f:
            e = ShippedExporterd(f.read())
        self.addCleanup(e.close)
        e.start()

        def self_probed():
            _, page = e.scrape()
            return page.has("probe_success", target="self") and page
        page = harness.wait_until(self_probed, 10, "the self probe")
        self.assertEqual(page.value("probe_success", target="self"), 1)
        self.assertEqual(page.value("probe_http_status_code", target="self"), 200)
        for server in ("pve", "pvp", "vanilla"):
            self.assertEqual(page.value("gameserver_up", server=server), 0)
        self.assertEqual(e.get("/-/ready").status, 200)


class ShippedExporterd(harness.Exporterd):
    """exporterd on the shipped file, with its port 8192 moved to a free one."""

    def __init__(self, text):
        super().__init__("")
        self.text = text

    def write_config(self, body=None, exporter=None):
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(self.text.replace("8192", str(self.ini_port)))


if __name__ == "__main__":
    harness.main()
