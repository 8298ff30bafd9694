/* logfmt logging on stderr: one write(2) per line so lines from threads never interleave. */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_threshold = EXPORTERD_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(exporterd_log_level level)
{
	atomic_store(&log_threshold, (int)level);
}

exporterd_log_level log_get_level(void)
{
	return (exporterd_log_level)atomic_load(&log_threshold);
}

int log_parse_level(const char *text, exporterd_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(text, level_names[i]) == 0) {
			*out = (exporterd_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(text, "warning") == 0) {
		*out = EXPORTERD_LOG_WARN;
		return 0;
	}
	return -1;
}

const char *log_level_name(exporterd_log_level level)
{
	if ((int)level < 0 || (size_t)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "info";
	return level_names[level];
}

/* Appends a logfmt value, quoted when it holds spaces, quotes, '=' or control bytes. */
static size_t log_append_value(char *buf, size_t pos, size_t cap, const char *value)
{
	int quote = value[0] == '\0';
	for (const char *p = value; *p && !quote; p++)
		quote = (unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\';
	if (quote && pos < cap)
		buf[pos++] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p && pos + 2 < cap; p++) {
		char esc = 0;
		switch (*p) {
		case '"':
			esc = '"';
			break;
		case '\\':
			esc = '\\';
			break;
		case '\n':
			esc = 'n';
			break;
		case '\r':
			esc = 'r';
			break;
		case '\t':
			esc = 't';
			break;
		default:
			break;
		}
		if (esc) {
			buf[pos++] = '\\';
			buf[pos++] = esc;
		} else if (*p < ' ') {
			buf[pos++] = '?';
		} else {
			buf[pos++] = (char)*p;
		}
	}
	if (quote && pos < cap)
		buf[pos++] = '"';
	return pos;
}

void log_writev(exporterd_log_level level, const char *collector, const char *fmt, va_list ap)
{
	if ((int)level < atomic_load(&log_threshold))
		return;

	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);

	char line[4096];
	const size_t cap = sizeof(line) - 1; /* room for the final newline */
	size_t pos = (size_t)snprintf(
	    line, cap, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	    log_level_name(level));
	pos = log_append_value(line, pos, cap, msg);
	if (collector) {
		static const char key[] = " collector=";
		if (pos + sizeof(key) < cap) {
			memcpy(line + pos, key, sizeof(key) - 1);
			pos += sizeof(key) - 1;
			pos = log_append_value(line, pos, cap, collector);
		}
	}
	line[pos++] = '\n';
	/* A short write to stderr leaves nothing useful to do. */
	ssize_t unused = write(STDERR_FILENO, line, pos);
	(void)unused;
}

void log_write(exporterd_log_level level, const char *collector, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_writev(level, collector, fmt, ap);
	va_end(ap);
}
