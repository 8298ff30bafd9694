"""Integration test support: runs exporterd, talks HTTP to it, checks every page it serves."""
import gzip
import http.client
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
import urllib.parse
import urllib.error
import json

SOURCE_DIR = os.environ.get("SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
EXPORTERD_BIN = os.environ.get("EXPORTERD_BIN") or os.path.join(BUILD_DIR, "exporterd")
PLUGIN_DIR = os.path.join(BUILD_DIR, "tests", "plugins")

# What a Prometheus 2.42 scrape sends (EXPOSITION.md).
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
                     "application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"

# Lines on stderr: `ts=... level=... msg="..." [collector=...]`.
LOGFMT_LINE = re.compile(r'ts=\S+ level=(debug|info|warn|error) msg="(?:[^"\\]|\\.)*"'
                         r'( [\w.]+=(?:"(?:[^"\\]|\\.)*"|[^\s"]+))*')
SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|"
                              r"runtime error: ")


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate until it returns something truthy; fails after timeout seconds."""
    end = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except (OSError, http.client.HTTPException) as e:
            last = e
            if time.monotonic() >= end:
                raise AssertionError("timed out after %.1fs waiting for %s: %r" %
                                     (timeout, what, e)) from e
        else:
            if last:
                return last
            if time.monotonic() >= end:
                raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" %
                                     (timeout, what, last))
        time.sleep(interval)


# ---- HTTP ----

class Response:
    """One HTTP answer. `raw` is the body as sent; `body` is gunzipped when it was gzip."""

    def __init__(self, status, reason, headers, raw, elapsed):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.raw = raw
        self.elapsed = elapsed
        if headers.get("Content-Encoding", "").lower() == "gzip" and raw:
            self.body = gzip.decompress(raw)
        else:
            self.body = raw

    @property
    def content_type(self):
        return self.headers.get("Content-Type")

    @property
    def text(self):
        return self.body.decode("utf-8")

    def __repr__(self):
        return "<Response %d %s, %d bytes>" % (self.status, self.content_type, len(self.raw))


def http_request(port, method, path, headers=None, timeout=10.0, body=None):
    """Sends one request on a fresh connection. Headers not given are not sent,
    so no Accept-Encoding unless asked for."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.monotonic()
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        raw = resp.read()
        return Response(resp.status, resp.reason, resp.headers, raw, time.monotonic() - start)
    finally:
        conn.close()


# ---- Pages ----

class PageError(AssertionError):
    pass


class Sample:
    def __init__(self, name, labels, value_text, line, family):
        self.name = name
        self.labels = labels
        self.value_text = value_text
        self.value = parse_number(value_text)
        self.line = line
        self.family = family

    def __repr__(self):
        return "Sample(%r)" % self.line


class Page:
    """A parsed exposition: samples in order plus the metadata of each family."""

    def __init__(self, fmt, body):
        self.format = fmt
        self.body = body
        self.samples = []
        self.types = {}
        self.helps = {}
        self.units = {}
        self.families = []  # family names in page order

    def find(self, name, labels=None, **kw):
        want = dict(labels or {}, **kw)
        return [s for s in self.samples
                if s.name == name and all(s.labels.get(k) == v for k, v in want.items())]

    def has(self, name, labels=None, **kw):
        return bool(self.find(name, labels, **kw))

    def value(self, name, labels=None, **kw):
        found = self.find(name, labels, **kw)
        if len(found) != 1:
            raise AssertionError("expected one sample %s %r, found %d:\n%s" %
                                 (name, dict(labels or {}, **kw), len(found),
                                  "\n".join(s.line for s in found) or self.text_head()))
        return found[0].value

    def family_samples(self, family):
        return [s for s in self.samples if s.family == family]

    def sample_lines(self):
        return [s.line for s in self.samples]

    def text_head(self, n=4000):
        return self.body[:n].decode("utf-8", "replace")


NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z|"
                    r"[+-]?(?:inf|infinity)\Z|nan\Z", re.IGNORECASE)
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_number(text):
    if not NUMBER.match(text):
        raise PageError("not a number: %r" % text)
    return float(text)


def _parse_label_value(line, pos, where):
    """Reads an escaped label value after its opening quote; returns (value, pos after quote).
    Only \\\\, \\" and \\n escapes exist (both formats)."""
    out = []
    while True:
        if pos >= len(line):
            raise PageError("%s: unterminated label value: %r" % (where, line))
        c = line[pos]
        if c == '"':
            return "".join(out), pos + 1
        if c == "\\":
            nxt = line[pos + 1:pos + 2]
            if nxt == "\\":
                out.append("\\")
            elif nxt == '"':
                out.append('"')
            elif nxt == "n":
                out.append("\n")
            else:
                raise PageError("%s: bad escape \\%s in label value: %r" % (where, nxt, line))
            pos += 2
            continue
        out.append(c)
        pos += 1


def _parse_labels(line, pos, where, strict):
    """Parses `{a="b",...}` from line[pos] == '{'. Returns (dict, pos after '}')."""
    labels = {}
    pos += 1
    first = True
    while True:
        if not strict:
            while line[pos:pos + 1] in (" ", "\t"):
                pos += 1
        if line[pos:pos + 1] == "}":
            if not first and strict:
                raise PageError("%s: trailing comma in labels: %r" % (where, line))
            return labels, pos + 1
        m = LABEL_NAME.match(line, pos)
        if not m:
            raise PageError("%s: bad label name at %d: %r" % (where, pos, line))
        name = m.group(0)
        pos = m.end()
        if line[pos:pos + 2] != '="':
            raise PageError("%s: expected =\" after label %s: %r" % (where, name, line))
        value, pos = _parse_label_value(line, pos + 2, where)
        if name in labels:
            raise PageError("%s: duplicate label name %s: %r" % (where, name, line))
        if name.startswith("__"):
            raise PageError("%s: reserved label name %s: %r" % (where, name, line))
        labels[name] = value
        first = False
        if not strict:
            while line[pos:pos + 1] in (" ", "\t"):
                pos += 1
        if line[pos:pos + 1] == ",":
            pos += 1
            if strict and line[pos:pos + 1] == "}":
                raise PageError("%s: trailing comma in labels: %r" % (where, line))
            continue
        if line[pos:pos + 1] == "}":
            return labels, pos + 1
        raise PageError("%s: expected , or } in labels: %r" % (where, line))


def _split_sample(line, where, strict):
    """Returns (name, labels, value text, rest after the value)."""
    m = METRIC_NAME.match(line)
    if not m:
        raise PageError("%s: bad metric name: %r" % (where, line))
    name = m.group(0)
    pos = m.end()
    labels = {}
    if line[pos:pos + 1] == "{":
        labels, pos = _parse_labels(line, pos, where, strict)
    if line[pos:pos + 1] != " ":
        raise PageError("%s: expected a space before the value: %r" % (where, line))
    rest = line[pos + 1:]
    if strict and rest.startswith(" "):
        raise PageError("%s: more than one space before the value: %r" % (where, line))
    parts = rest.split(" ") if strict else rest.split()
    if not parts or not parts[0]:
        raise PageError("%s: missing value: %r" % (where, line))
    return name, labels, parts[0], parts[1:]


def _check_escaped_help(text, where):
    """OpenMetrics HELP: escaped-string (\\\\, \\" and \\n only; no raw quote)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            raise PageError("%s: unescaped quote in HELP: %r" % (where, text))
        if c == "\\":
            if text[i + 1:i + 2] not in ("\\", '"', "n"):
                raise PageError("%s: bad escape in HELP: %r" % (where, text))
            i += 2
            continue
        i += 1


def _decode_page(body, what):
    if b"\r" in body:
        raise PageError("%s page contains a carriage return" % what)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PageError("%s page is not valid UTF-8: %s" % (what, e)) from e
    if text and not text.endswith("\n"):
        raise PageError("%s page does not end with a newline" % what)
    return text


def _check_series_unique(page):
    seen = set()
    for s in page.samples:
        key = (s.name, tuple(sorted(s.labels.items())))
        if key in seen:
            raise PageError("duplicate series: %r" % s.line)
        seen.add(key)


def _check_histograms_and_summaries(page, count_must_be_integral):
    """Buckets ascend, end at +Inf, are cumulative and +Inf equals _count."""
    for fam, typ in page.types.items():
        if typ not in ("histogram", "summary"):
            continue
        groups = {}
        for s in page.family_samples(fam):
            key_labels = {k: v for k, v in s.labels.items() if k not in ("le", "quantile")}
            g = groups.setdefault(tuple(sorted(key_labels.items())), {"buckets": []})
            if s.name == fam + "_bucket":
                if "le" not in s.labels:
                    raise PageError("bucket without le: %r" % s.line)
                g["buckets"].append((parse_number(s.labels["le"]), s.value, s.line))
            elif s.name == fam + "_count":
                g["count"] = s
            elif s.name == fam + "_sum":
                g["sum"] = s
            elif s.name == fam:
                if typ != "summary" or "quantile" not in s.labels:
                    raise PageError("unexpected sample in %s %s: %r" % (typ, fam, s.line))
                q = parse_number(s.labels["quantile"])
                if not 0 <= q <= 1:
                    raise PageError("quantile out of range: %r" % s.line)
        for g in groups.values():
            if "count" not in g:
                raise PageError("%s %s without _count" % (typ, fam))
            if count_must_be_integral and g["count"].value != math.floor(g["count"].value):
                raise PageError("non-integral count: %r" % g["count"].line)
            if typ != "histogram":
                continue
            b = g["buckets"]
            if not b or not math.isinf(b[-1][0]):
                raise PageError("histogram %s does not end with le=\"+Inf\"" % fam)
            for (le1, v1, _), (le2, v2, line) in zip(b, b[1:]):
                if not le1 < le2:
                    raise PageError("le values do not ascend: %r" % line)
                if v2 < v1:
                    raise PageError("buckets are not cumulative: %r" % line)
            for _, v, line in b:
                if v < 0 or (count_must_be_integral and v != math.floor(v)):
                    raise PageError("bad bucket count: %r" % line)
            if b[-1][1] != g["count"].value:
                raise PageError("+Inf bucket %r differs from %r" % (b[-1][2], g["count"].line))


TEXT_SUFFIXES = {
    "counter": ("",), "gauge": ("",), "untyped": ("",),
    "histogram": ("_bucket", "_count", "_sum"), "summary": ("", "_count", "_sum"),
}


def _sample_family(page, name, current, done, suffixes, default_type, where, line):
    """The family a sample line belongs to, and whether it starts a new one: the current
    family when the name is one of its sample names, else the sample's own name, which
    must not have appeared before (a family's samples stay together)."""
    if current is not None:
        typ = page.types.get(current, default_type)
        if any(name == current + suf for suf in suffixes[typ]):
            return current, False
    if name in done or name == current:
        raise PageError("%s: samples of %s are interleaved: %r" % (where, name, line))
    if current is not None:
        done.add(current)
    page.families.append(name)
    return name, True


def parse_text(body):
    """Parses and checks a text 0.0.4 page (what promtool does not check: grouping,
    duplicate series, histogram shape). Raises PageError."""
    text = _decode_page(body, "text")
    page = Page("text", body)
    current = None
    done = set()
    lines = text.split("\n")[:-1]
    for no, line in enumerate(lines, 1):
        where = "text line %d" % no
        if line.endswith(" ") or line.endswith("\t"):
            raise PageError("%s: trailing whitespace: %r" % (where, line))
        if line.startswith("#"):
            m = re.match(r"# (HELP|TYPE) (\S+)(?: (.*))?\Z", line)
            if not m:
                continue  # a plain comment
            kind, fam, rest = m.group(1), m.group(2), m.group(3) or ""
            if fam != current:
                if fam in done:
                    raise PageError("%s: family %s appears twice: %r" % (where, fam, line))
                if current is not None:
                    done.add(current)
                current = fam
                page.families.append(fam)
            if page.family_samples(fam):
                raise PageError("%s: %s after samples of %s" % (where, kind, fam))
            table = page.types if kind == "TYPE" else page.helps
            if fam in table:
                raise PageError("%s: second %s for %s" % (where, kind, fam))
            if kind == "TYPE" and rest not in TEXT_SUFFIXES:
                raise PageError("%s: unknown type %r" % (where, rest))
            table[fam] = rest if kind == "TYPE" else re.sub(
                r"\\(.)", lambda x: "\n" if x.group(1) == "n" else x.group(1), rest)
            continue
        name, labels, value, rest = _split_sample(line, where, strict=False)
        if rest:
            raise PageError("%s: timestamp or trailing data (exporterd sends none): %r" %
                            (where, line))
        fam, _ = _sample_family(page, name, current, done, TEXT_SUFFIXES, "untyped", where, line)
        current = fam
        page.samples.append(Sample(name, labels, value, line, fam))
    _check_series_unique(page)
    _check_histograms_and_summaries(page, count_must_be_integral=False)
    return page


OM_SUFFIXES = {
    "counter": ("_total", "_created"), "gauge": ("",), "unknown": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_gbucket", "_gcount", "_gsum"),
    "summary": ("", "_count", "_sum", "_created"), "info": ("_info",), "stateset": ("",),
}


def check_openmetrics(body):
    """A strict OpenMetrics 1.0.0 parser: line grammar, metadata order and uniqueness,
    families not interleaved, suffixes per type, escapes, UTF-8, no CR, `# EOF` last.
    Returns the Page or raises PageError."""
    text = _decode_page(body, "OpenMetrics")
    if not text.endswith("# EOF\n"):
        raise PageError("OpenMetrics page does not end with '# EOF\\n': %r" % text[-60:])
    page = Page("openmetrics", body)
    lines = text.split("\n")[:-1]
    if lines.count("# EOF") != 1:
        raise PageError("'# EOF' appears %d times" % lines.count("# EOF"))
    current = None
    done = set()
    meta_seen = {}
    for no, line in enumerate(lines[:-1], 1):
        where = "OpenMetrics line %d" % no
        if line.startswith("#"):
            m = re.match(r"# (TYPE|HELP|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)\Z", line)
            if not m:
                raise PageError("%s: not a TYPE, UNIT or HELP line: %r" % (where, line))
            kind, fam, rest = m.groups()
            if fam != current:
                if fam in done:
                    raise PageError("%s: family %s is interleaved: %r" % (where, fam, line))
                if current is not None:
                    done.add(current)
                current = fam
                page.families.append(fam)
                meta_seen[fam] = []
            if page.family_samples(fam):
                raise PageError("%s: %s after samples of %s" % (where, kind, fam))
            seen = meta_seen[fam]
            if kind in seen:
                raise PageError("%s: second %s for %s" % (where, kind, fam))
            order = ["TYPE", "UNIT", "HELP"]
            if any(order.index(k) > order.index(kind) for k in seen):
                raise PageError("%s: metadata not in TYPE, UNIT, HELP order" % where)
            seen.append(kind)
            if kind == "TYPE":
                if rest not in OM_SUFFIXES:
                    raise PageError("%s: unknown type %r" % (where, rest))
                if rest == "counter" and fam.endswith("_total"):
                    raise PageError("%s: counter family named with _total: %r" % (where, line))
                page.types[fam] = rest
            elif kind == "UNIT":
                if not re.fullmatch(r"[a-zA-Z0-9_:]+", rest) or not fam.endswith("_" + rest):
                    raise PageError("%s: unit %r does not suffix %s" % (where, rest, fam))
                if page.types.get(fam) in ("info", "stateset"):
                    raise PageError("%s: %s has no unit" % (where, page.types[fam]))
                page.units[fam] = rest
            else:
                _check_escaped_help(rest, where)
                page.helps[fam] = re.sub(r"\\(.)", lambda x: "\n" if x.group(1) == "n"
                                         else x.group(1), rest)
            continue
        if line == "":
            raise PageError("%s: empty line" % where)
        name, labels, value, rest = _split_sample(line, where, strict=True)
        if rest:
            raise PageError("%s: timestamp or exemplar (exporterd sends none): %r" %
                            (where, line))
        fam, new = _sample_family(page, name, current, done, OM_SUFFIXES, "unknown", where, line)
        current = fam
        if new:
            meta_seen[fam] = []
        s = Sample(name, labels, value, line, fam)
        typ = page.types.get(fam, "unknown")
        if typ == "counter" and name.endswith("_total") and (math.isnan(s.value) or s.value < 0):
            raise PageError("%s: counter value must be >= 0: %r" % (where, line))
        if typ == "info" and s.value != 1:
            raise PageError("%s: info value must be 1: %r" % (where, line))
        if typ == "stateset":
            if fam not in labels:
                raise PageError("%s: stateset sample without the %s label" % (where, fam))
            if s.value not in (0, 1):
                raise PageError("%s: stateset value must be 0 or 1: %r" % (where, line))
        page.samples.append(s)
    # Names: a family name must not be another family's sample name.
    owners = {}
    for s in page.samples:
        if owners.setdefault(s.name, s.family) != s.family:
            raise PageError("sample name %s used by two families" % s.name)
    possible = {}
    for fam in page.families:
        for suf in OM_SUFFIXES[page.types.get(fam, "unknown")]:
            possible.setdefault(fam + suf, set()).add(fam)
    for fam in page.families:
        clash = possible.get(fam, set()) - {fam}
        if clash:
            raise PageError("family name %s clashes with the samples of %s" % (fam, clash.pop()))
    _check_series_unique(page)
    _check_histograms_and_summaries(page, count_must_be_integral=True)
    return page


def promtool_check(body):
    """Runs `promtool check metrics` on a text page; fails unless it exits 0."""
    promtool = shutil.which("promtool")
    if not promtool:
        raise AssertionError("promtool is not installed (scripts/bootstrap installs it)")
    res = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True,
                         timeout=60)
    if res.returncode != 0:
        raise PageError("promtool check metrics exited %d:\n%s%s\n--- page ---\n%s" %
                        (res.returncode, res.stdout.decode(errors="replace"),
                         res.stderr.decode(errors="replace"),
                         body[:6000].decode("utf-8", "replace")))


def check_page(body, fmt):
    """Every page goes through here: text pages through promtool and the text parser,
    OpenMetrics pages through the strict parser."""
    if fmt == "text":
        promtool_check(body)
        return parse_text(body)
    if fmt == "openmetrics":
        return check_openmetrics(body)
    raise AssertionError("unknown format %r" % fmt)


def format_of(content_type):
    if content_type == TEXT_CONTENT_TYPE:
        return "text"
    if content_type == OPENMETRICS_CONTENT_TYPE:
        return "openmetrics"
    raise AssertionError("not an exact metrics Content-Type: %r" % content_type)


def without_process_metrics(body):
    """The page minus process_* sample lines, whose values change on their own."""
    return b"\n".join(l for l in body.split(b"\n") if not l.startswith(b"process_"))


# ---- The exporterd process ----

def ini_text(body, port, exporter=None, plugin_dir=None):
    """A complete exporter.ini: [exporter] on loopback, then the given sections."""
    settings = {"listen": "127.0.0.1:%d" % port, "plugin_dir": plugin_dir or PLUGIN_DIR,
                "scrape_timeout": "5s", "log_level": "info"}
    settings.update(exporter or {})
    head = "[exporter]\n" + "".join("%s = %s\n" % kv for kv in settings.items()
                                    if kv[1] is not None)
    return head + "\n" + body.strip("\n") + "\n"


class Exporterd:
    """One exporterd serving on its own port from its own temp dir.
    Always call close() (ExporterdTestCase does it as a cleanup)."""

    def __init__(self, body, exporter=None, args=(), env=None, listen_flag=False):
        """listen_flag: serve on a second port given with -l, which overrides `listen`."""
        self.body = body
        self.listen_flag = listen_flag
        self.ini_port = None
        self.exporter = exporter
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.dir = tempfile.mkdtemp(prefix="exporterd-it-")
        self.config_path = os.path.join(self.dir, "exporter.ini")
        self.proc = None
        self.port = None
        self.started_at = None
        self._stderr = None
        self._stdout = None

    def write_config(self, body=None, exporter=None):
        if body is not None:
            self.body = body
        if exporter is not None:
            self.exporter = exporter
        tmp = self.config_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(ini_text(self.body, self.ini_port, self.exporter))
        os.replace(tmp, self.config_path)

    def start(self, wait_healthy=True, timeout=10.0):
        for attempt in range(3):
            for f in (self._stderr, self._stdout):
                if f:
                    f.close()
            self.port = self.ini_port = free_port()
            self.write_config()
            args = list(self.args)
            if self.listen_flag:
                self.port = free_port()
                args += ["-l", "127.0.0.1:%d" % self.port]
            self._stderr = open(os.path.join(self.dir, "stderr.log"), "w+b")
            self._stdout = open(os.path.join(self.dir, "stdout.log"), "w+b")
            self.started_at = time.monotonic()
            self.proc = subprocess.Popen([EXPORTERD_BIN, "-c", self.config_path] + args,
                                         stdout=self._stdout, stderr=self._stderr,
                                         stdin=subprocess.DEVNULL, env=self.env, cwd=self.dir)
            if not wait_healthy:
                return self
            try:
                self.wait_healthy(timeout)
                return self
            except AssertionError:
                if self.proc.poll() is not None and "in use" in self.stderr() and attempt < 2:
                    continue  # someone took the port between free_port() and bind
                raise
        return self

    def wait_healthy(self, timeout=10.0):
        def healthy():
            if self.proc.poll() is not None:
                raise AssertionError("exporterd exited with %d before serving:\n%s" %
                                     (self.proc.returncode, self.stderr()))
            try:
                return self.request("GET", "/-/healthy", timeout=2).status == 200
            except OSError:
                return False
        wait_until(healthy, timeout, "/-/healthy")

    def request(self, method, path, headers=None, timeout=10.0, body=None):
        return http_request(self.port, method, path, headers, timeout, body)

    def get(self, path, headers=None, timeout=10.0):
        return self.request("GET", path, headers, timeout)

    def scrape(self, query="", headers=None, timeout=10.0, path="/metrics", fmt=None):
        """GETs the metrics page, checks its Content-Type and the page itself
        (promtool or the OpenMetrics parser), and returns (Response, Page)."""
        url = path + ("?" + query if query else "")
        resp = self.get(url, headers, timeout)
        if resp.status != 200:
            raise AssertionError("GET %s: %d %r" % (url, resp.status, resp.body[:500]))
        got = format_of(resp.content_type)
        if fmt is not None and got != fmt:
            raise AssertionError("expected %s, got Content-Type %r" % (fmt, resp.content_type))
        return resp, check_page(resp.body, got)

    def scrape_om(self, query="", headers=None, timeout=10.0):
        h = {"Accept": PROMETHEUS_ACCEPT}
        h.update(headers or {})
        return self.scrape(query, h, timeout, fmt="openmetrics")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, within=1.0):
        """Sends sig and waits for the exit; returns (exit code, seconds taken).
        Fails (after killing it) if it takes longer than `within`."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("exporterd did not exit within %.1fs of %s:\n%s" %
                                 (within, signal.Signals(sig).name, self.stderr()[-3000:]))
        return code, time.monotonic() - start

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self):
        if not self._stderr:
            return ""
        self._stderr.flush()
        with open(self._stderr.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stdout(self):
        if not self._stdout:
            return ""
        with open(self._stdout.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        """Kills the process if it still runs; fails on sanitizer reports."""
        if self.running():
            self.proc.kill()
            self.proc.wait()
        log = self.stderr()
        for f in (self._stderr, self._stdout):
            if f:
                f.close()
        if not os.environ.get("EXPORTERD_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if SANITIZER_REPORT.search(log):
            raise AssertionError("sanitizer report on stderr:\n" + log[-6000:])


PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

PROMETHEUS_YML = """
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: exporterd
    static_configs:
      - targets: ['127.0.0.1:%d']
"""


class Prometheus:
    """A real Prometheus server on loopback scraping one exporterd every second; stopped
    by the test case's cleanup."""

    def __init__(self, tc, target_port, rule_files=()):
        if not os.access(PROMETHEUS, os.X_OK):
            raise AssertionError("prometheus is not installed (scripts/bootstrap installs it)")
        d = tc.tempdir()
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(PROMETHEUS_YML % (", ".join("'%s'" % r for r in rule_files), target_port))
        self.port = free_port()
        self.log = open(os.path.join(d, "prometheus.log"), "w+b")
        tc.addCleanup(self.log.close)
        self.proc = subprocess.Popen([PROMETHEUS, "--config.file=" + cfg,
                                      "--storage.tsdb.path=" + os.path.join(d, "data"),
                                      "--web.listen-address=127.0.0.1:%d" % self.port,
                                      "--log.level=warn"],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL,
                                     cwd=d)
        tc.addCleanup(self.stop)
        wait_until(self.ready, 30, "prometheus /-/ready", interval=0.2)

    def ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("prometheus exited %d:\n%s" % (self.proc.returncode,
                                                                self.log_text()))
        return urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port,
                                      timeout=2).status == 200

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def api(self, path, **params):
        """The JSON document of GET /api/v1/<path>, also for HTTP errors."""
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.port, path,
                                                  urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            return json.load(e)

    def data(self, path, **params):
        doc = self.api(path, **params)
        if doc.get("status") != "success":
            raise AssertionError("%s %r -> %s" % (path, params, doc))
        return doc["data"]

    def query(self, expr):
        """The result list of an instant query that must succeed without warnings."""
        doc = self.api("query", query=expr)
        if doc.get("status") != "success" or doc.get("warnings"):
            raise AssertionError("%s -> %s" % (expr, doc))
        return doc["data"]["result"]


class CliResult:
    def __init__(self, proc, elapsed):
        self.code = proc.returncode
        self.stdout_bytes = proc.stdout
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed

    def __repr__(self):
        return "exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.code, self.stdout[:3000], self.stderr[:3000])


class ExporterdTestCase(unittest.TestCase):
    """Base class: start() servers and run() command lines, all cleaned up."""

    maxDiff = None

    def start(self, body, exporter=None, args=(), env=None, wait_healthy=True,
              listen_flag=False):
        e = Exporterd(body, exporter, args, env, listen_flag)
        self.addCleanup(e.close)
        e.start(wait_healthy=wait_healthy)
        return e

    @classmethod
    def start_shared(cls, body, exporter=None, args=(), env=None):
        """One exporterd for every test of the class (setUpClass), closed after the last."""
        e = Exporterd(body, exporter, args, env)
        cls.addClassCleanup(e.close)
        e.start()
        return e

    def tempdir(self):
        d = tempfile.mkdtemp(prefix="exporterd-it-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def write_ini(self, body, exporter=None, plugin_dir=None, directory=None):
        """Writes exporter.ini into a temp dir (port picked but never bound); returns its path."""
        d = directory or self.tempdir()
        path = os.path.join(d, "exporter.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(ini_text(body, free_port(), exporter, plugin_dir))
        return path

    def run_exporterd(self, args, env=None, timeout=20.0, cwd=None):
        """Runs exporterd to completion (--check, --once, -V ...); returns a CliResult."""
        start = time.monotonic()
        proc = subprocess.run([EXPORTERD_BIN] + list(args), capture_output=True, timeout=timeout,
                              env=dict(os.environ, **(env or {})), cwd=cwd,
                              stdin=subprocess.DEVNULL)
        res = CliResult(proc, time.monotonic() - start)
        if SANITIZER_REPORT.search(res.stderr):
            raise AssertionError("sanitizer report:\n" + res.stderr[-6000:])
        return res

    def assertLogfmt(self, stderr, allow=()):
        """Every stderr line is a logfmt line with ts, level and msg (or matches allow)."""
        for line in stderr.splitlines():
            if any(re.search(a, line) for a in allow):
                continue
            self.assertRegex(line, r"\A" + LOGFMT_LINE.pattern + r"\Z", "not a logfmt line")


def require_binary():
    if not os.access(EXPORTERD_BIN, os.X_OK):
        raise AssertionError("exporterd binary not found at %s (set EXPORTERD_BIN)" %
                             EXPORTERD_BIN)
    if not os.path.isdir(PLUGIN_DIR):
        raise AssertionError("test plugins not found in %s (set BUILD_DIR)" % PLUGIN_DIR)


def main():
    require_binary()
    unittest.main(verbosity=2)


# ---- What the well_behaved test plugin publishes (see tests/plugins/well_behaved.c) ----

DEFAULT_BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75",
                   "1.0", "2.5", "5.0", "7.5", "10.0", "+Inf"]

# case label -> (raw value the plugin sets, exact bytes of the rendered label value)
ESCAPE_VECTORS = {
    "quote": ('a"b', b'a\\"b'),
    "backslash": ("C:\\DIR", b"C:\\\\DIR"),
    "newline": ("line1\nline2", b"line1\\nline2"),
    "tab": ("col1\tcol2", b"col1\tcol2"),
    "invalid_utf8": ("bad\ufffdbyte", b"bad\xef\xbf\xbdbyte"),
    "utf8": ("gr\u00fc\u00dfe \u20ac", "gr\u00fc\u00dfe \u20ac".encode()),
    "mixed": ('\\"\n\\n', b'\\\\\\"\\n\\\\n'),
}


def check_well_behaved(tc, page, site="main", step=1, tags=()):
    """Asserts every family of one well_behaved instance against what its
    collect count n predicts, in the page's format. Returns n."""
    om = page.format == "openmetrics"
    s = {"site": site}
    n = page.value("well_behaved_collects_total", s)
    tc.assertGreaterEqual(n, 1)
    tc.assertEqual(n, int(n))
    n = int(n)
    types = {
        ("well_behaved_collects" if om else "well_behaved_collects_total"): "counter",
        ("well_behaved_errors" if om else "well_behaved_errors_total"): "counter",
        "well_behaved_value": "gauge",
        "well_behaved_label": "gauge",
        "well_behaved_latency_seconds": "summary",
        "well_behaved_size_bytes": "histogram",
        "well_behaved_wait_seconds": "histogram",
        ("well_behaved_build" if om else "well_behaved_build_info"): "info" if om else "gauge",
        "well_behaved_state": "stateset" if om else "gauge",
    }
    for fam, typ in types.items():
        tc.assertEqual(page.types.get(fam), typ, "TYPE of %s" % fam)
        tc.assertTrue(page.helps.get(fam), "HELP of %s" % fam)

    tc.assertEqual(page.value("well_behaved_errors_total", s), 0)
    tc.assertEqual(page.value("well_behaved_value", s), n * step)
    for i, tag in enumerate(tags, 1):
        tc.assertEqual(page.value("well_behaved_tag", s, tag=tag), i)
    tc.assertEqual(len(page.find("well_behaved_tag", s)), len(tags))

    # Summary: observes k/4 for k = 1..n; quantiles n/8 and n/5.
    tc.assertEqual(page.value("well_behaved_latency_seconds_count", s), n)
    tc.assertAlmostEqual(page.value("well_behaved_latency_seconds_sum", s), n * (n + 1) / 8)
    tc.assertEqual(page.value("well_behaved_latency_seconds", s, quantile="0.5"), n / 8)
    tc.assertEqual(page.value("well_behaved_latency_seconds", s, quantile="0.9"), n / 5)

    # Histogram with buckets 1 10 100: observes 7k.
    buckets = page.find("well_behaved_size_bytes_bucket", s)
    tc.assertEqual([b.labels["le"] for b in buckets], ["1.0", "10.0", "100.0", "+Inf"])
    tc.assertEqual([b.value for b in buckets], [0, 1, min(n, 14), n])
    tc.assertEqual(page.value("well_behaved_size_bytes_count", s), n)
    tc.assertEqual(page.value("well_behaved_size_bytes_sum", s), 7 * n * (n + 1) / 2)

    # Histogram with the default buckets: observes 0.3 each time.
    buckets = page.find("well_behaved_wait_seconds_bucket", s)
    tc.assertEqual([b.labels["le"] for b in buckets], DEFAULT_BUCKETS)
    tc.assertEqual([b.value for b in buckets], [0] * 7 + [n] * 8)
    tc.assertAlmostEqual(page.value("well_behaved_wait_seconds_sum", s), 0.3 * n)

    info = page.find("well_behaved_build_info", s)
    tc.assertEqual(len(info), 1)
    tc.assertEqual(info[0].labels, {"site": site, "version": "1.2.3", "commit": 'abc"def'})
    tc.assertEqual(info[0].value, 1)

    states = {x.labels["well_behaved_state"]: x.value for x in page.find("well_behaved_state", s)}
    active = "starting" if n == 1 else "running"
    tc.assertEqual(states, {"starting": 0, "running": 0, "stopped": 0, active: 1})

    specials = {x.labels["case"]: x for x in page.find("well_behaved_special", s)}
    tc.assertEqual(specials["tenth"].value_text, "0.1")
    tc.assertEqual(specials["tiny"].value, 1e-7)
    tc.assertEqual(specials["huge"].value, 1e21)
    tc.assertEqual(specials["negative"].value, -2.5)
    tc.assertEqual(specials["third"].value, 1.0 / 3.0, "value must round-trip exactly")
    tc.assertEqual(specials["plus_inf"].value_text, "+Inf")
    tc.assertEqual(specials["minus_inf"].value_text, "-Inf")
    tc.assertEqual(specials["nan"].value_text, "NaN")

    tc.assertEqual(page.value("well_behaved_ephemeral", s, slot="always"), n)
    tc.assertEqual(page.has("well_behaved_ephemeral", s, slot="odd"), n % 2 == 1,
                   "slot=odd must exist exactly after an odd number of collects (n=%d)" % n)

    labels = {x.labels["case"]: x for x in page.find("well_behaved_label", s)}
    tc.assertEqual(set(labels), set(ESCAPE_VECTORS))
    for case, (raw, rendered) in ESCAPE_VECTORS.items():
        tc.assertEqual(labels[case].labels["raw"], raw, case)
        tc.assertIn(b'raw="' + rendered + b'"', labels[case].line.encode(), case)
    return n
