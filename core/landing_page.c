/* Builds the HTML landing page; every dynamic text goes through one escaping function. */
#include "landing_page.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct landing_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
} landing_buf;

static void landing_reserve(landing_buf *b, size_t more)
{
	if (b->failed || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *grown = realloc(b->data, cap);
	if (!grown) {
		b->failed = true;
		return;
	}
	b->data = grown;
	b->cap = cap;
}

/* Appends trusted markup. */
static void landing_raw(landing_buf *b, const char *s)
{
	size_t n = strlen(s);
	landing_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

/* Appends text, escaped for element content and quoted attribute values. */
static void landing_text(landing_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			landing_raw(b, "&amp;");
			break;
		case '<':
			landing_raw(b, "&lt;");
			break;
		case '>':
			landing_raw(b, "&gt;");
			break;
		case '"':
			landing_raw(b, "&quot;");
			break;
		case '\'':
			landing_raw(b, "&#39;");
			break;
		default: {
			char c[2] = {*s, '\0'};
			landing_raw(b, c);
		}
		}
	}
}

/* Appends printf output as escaped text. */
static void landing_textf(landing_buf *b, const char *fmt, ...) EXPORTERD_PRINTF(2, 3);
static void landing_textf(landing_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	landing_text(b, tmp);
}

static void landing_cell(landing_buf *b, const char *text, const char *cls)
{
	landing_raw(b, cls ? "<td class=\"" : "<td>");
	if (cls) {
		landing_raw(b, cls);
		landing_raw(b, "\">");
	}
	landing_text(b, text);
	landing_raw(b, "</td>");
}

static void landing_time(char *out, size_t size, double unix_seconds)
{
	if (unix_seconds <= 0) {
		snprintf(out, size, "never");
		return;
	}
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void landing_row(landing_buf *b, const instance_status *st)
{
	char text[128];
	landing_raw(b, "<tr>");
	landing_cell(b, st->name, NULL);
	landing_cell(b, st->plugin, NULL);
	if (st->interval > 0)
		snprintf(text, sizeof(text), "%gs", st->interval);
	else
		snprintf(text, sizeof(text), "on scrape");
	landing_cell(b, text, NULL);
	landing_time(text, sizeof(text), st->last_collect_time);
	landing_cell(b, text, NULL);
	if (st->collected && st->last_duration < 1)
		snprintf(text, sizeof(text), "%.3g ms", st->last_duration * 1e3);
	else if (st->collected)
		snprintf(text, sizeof(text), "%.3f s", st->last_duration);
	else
		snprintf(text, sizeof(text), "-");
	landing_cell(b, text, NULL);
	const char *success = !st->collected ? "pending" : st->success ? "yes" : "no";
	snprintf(text, sizeof(text), "%s%s", success, st->running ? " (collecting)" : "");
	landing_cell(b, text, !st->collected ? "pending" : st->success ? "ok" : "failed");
	landing_cell(b, st->last_error, NULL);
	landing_raw(b, "</tr>\n");
}

char *landing_page_render(const char *metrics_path, const instance_status *statuses, size_t n,
                          size_t *len)
{
	landing_buf b = {0};
	landing_raw(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                "<title>exporterd</title>\n<style>\n"
	                "body{font-family:sans-serif;margin:2em}\n"
	                "table{border-collapse:collapse}\n"
	                "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}\n"
	                ".ok{color:#080}.failed{color:#b00}.pending{color:#888}\n"
	                "</style>\n</head>\n<body>\n<h1>exporterd</h1>\n<p>");
	landing_textf(&b, "Version %s (revision %s, plugin ABI %d.%d)", EXPORTERD_VERSION,
	              EXPORTERD_REVISION, EXPORTERD_ABI_MAJOR, EXPORTERD_ABI_MINOR);
	landing_raw(&b, "</p>\n<ul>\n<li><a href=\"");
	landing_text(&b, metrics_path);
	landing_raw(&b, "\">Metrics</a> (");
	landing_text(&b, metrics_path);
	landing_raw(&b, ")</li>\n<li><a href=\"/-/healthy\">Health</a></li>\n"
	                "<li><a href=\"/-/ready\">Readiness</a></li>\n</ul>\n"
	                "<h2>Collectors</h2>\n<table>\n<thead><tr><th>Collector</th><th>Plugin</th>"
	                "<th>Interval</th><th>Last collect</th><th>Duration</th><th>Success</th>"
	                "<th>Last error</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++)
		landing_row(&b, &statuses[i]);
	if (n == 0)
		landing_raw(&b, "<tr><td colspan=\"7\">No collector is enabled.</td></tr>\n");
	landing_raw(&b, "</tbody>\n</table>\n</body>\n</html>\n");
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}
