/* exporter.ini: reads the file through libinih into the [exporter] settings and the plugin
 * sections. */
#include "config.h"

#include "duration.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DEFAULT_LISTEN         "0.0.0.0:8192"
#define CONFIG_DEFAULT_METRICS_PATH   "/metrics"
#define CONFIG_DEFAULT_PLUGIN_DIR     "build/plugins"
#define CONFIG_DEFAULT_SCRAPE_TIMEOUT 10.0

/* A configuration file is a few kilobytes; anything this big is a mistake. */
#define CONFIG_MAX_FILE_SIZE (4u * 1024 * 1024)

/* The host's own buffers (instance_status) hold names up to these lengths. */
#define CONFIG_MAX_PLUGIN_NAME   63
#define CONFIG_MAX_INSTANCE_NAME 127

typedef enum config_exporter_key {
	CONFIG_KEY_LISTEN,
	CONFIG_KEY_METRICS_PATH,
	CONFIG_KEY_PLUGIN_DIR,
	CONFIG_KEY_SCRAPE_TIMEOUT,
	CONFIG_KEY_LOG_LEVEL,
	CONFIG_NKEYS
} config_exporter_key;

static const char *const config_exporter_keys[CONFIG_NKEYS] = {
    "listen", "metrics_path", "plugin_dir", "scrape_timeout", "log_level",
};

static const char *const config_log_levels[] = {"debug", "info", "warn", "error"};

typedef enum config_section_kind {
	CONFIG_IN_NOTHING, /* before the first header */
	CONFIG_IN_EXPORTER,
	CONFIG_IN_PLUGIN,
} config_section_kind;

/* State shared by the line reader and the key handler while libinih runs. The
 * reader hands libinih one line per call, so `line` is also the line the
 * handler is being called for. */
typedef struct config_parser {
	const char *path;
	config *cfg;
	const char *data;
	size_t size;
	size_t pos;
	int line;

	config_section_kind in;
	int exporter_line;                 /* header of [exporter], 0 when absent */
	int exporter_set_at[CONFIG_NKEYS]; /* line each key was set on, 0 when not */
	char *plugin_dir_value;            /* as written, resolved after parsing */

	char *err;
	size_t errlen;
	int error_line; /* line of the first error found here, 0 = none */
	bool failed;
} config_parser;

/* Records the first error as "path:line: message"; later ones are dropped. */
static void config_fail(config_parser *p, int line, const char *fmt, ...) EXPORTERD_PRINTF(3, 4);
static void config_fail(config_parser *p, int line, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	p->error_line = line;
	if (p->errlen == 0)
		return;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- ${VAR} expansion ---- */

typedef struct config_buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
} config_buf;

static void config_buf_add(config_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (data == NULL) {
			b->oom = true;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static bool config_is_var_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool config_is_var_char(char c)
{
	return config_is_var_start(c) || (c >= '0' && c <= '9');
}

/* Expands text from *pos into out (when out is not NULL: a default that is not
 * used is only checked). Inside a default (in_default) it stops before the
 * '}' that closes it. 0, or -1 with a message in err. */
static int config_expand_into(const char *text, size_t *pos, config_buf *out, bool in_default,
                              char *err, size_t errlen)
{
	size_t i = *pos;
	while (text[i] != '\0') {
		if (in_default && text[i] == '}')
			break;
		if (text[i] != '$') {
			size_t run = i;
			while (text[run] != '\0' && text[run] != '$' &&
			       !(in_default && text[run] == '}'))
				run++;
			if (out != NULL)
				config_buf_add(out, text + i, run - i);
			i = run;
			continue;
		}
		if (text[i + 1] == '$') {
			if (out != NULL)
				config_buf_add(out, "$", 1);
			i += 2;
			continue;
		}
		if (text[i + 1] != '{') {
			/* A lone '$' stays as written, so that passwords need no escaping. */
			if (out != NULL)
				config_buf_add(out, "$", 1);
			i++;
			continue;
		}

		size_t name_start = i + 2;
		size_t name_end = name_start;
		if (!config_is_var_start(text[name_end])) {
			snprintf(
			    err, errlen,
			    "'${' must be followed by a variable name ([A-Za-z_][A-Za-z0-9_]*)");
			return -1;
		}
		while (config_is_var_char(text[name_end]))
			name_end++;
		int name_len = (int)(name_end - name_start);
		const char *name = text + name_start;

		char name_copy[256];
		if (name_end - name_start >= sizeof(name_copy)) {
			snprintf(err, errlen, "variable name '%.32s...' is too long", name);
			return -1;
		}
		memcpy(name_copy, name, name_end - name_start);
		name_copy[name_end - name_start] = '\0';
		const char *value = getenv(name_copy);

		if (text[name_end] == '}') {
			if (out != NULL) {
				if (value == NULL) {
					snprintf(err, errlen,
					         "environment variable '%.*s' is not set (write "
					         "${%.*s:-default} to make it optional)",
					         name_len, name, name_len, name);
					return -1;
				}
				config_buf_add(out, value, strlen(value));
			}
			i = name_end + 1;
			continue;
		}
		if (text[name_end] == ':' && text[name_end + 1] == '-') {
			bool use_default = value == NULL || *value == '\0';
			if (out != NULL && !use_default)
				config_buf_add(out, value, strlen(value));
			size_t default_pos = name_end + 2;
			if (config_expand_into(text, &default_pos, use_default ? out : NULL, true,
			                       err, errlen) < 0)
				return -1;
			if (text[default_pos] != '}') {
				snprintf(err, errlen, "unterminated '${%.*s:-' (missing '}')",
				         name_len, name);
				return -1;
			}
			i = default_pos + 1;
			continue;
		}
		if (text[name_end] == '\0') {
			snprintf(err, errlen, "unterminated '${%.*s' (missing '}')", name_len,
			         name);
			return -1;
		}
		snprintf(
		    err, errlen,
		    "bad variable reference '${%.*s': the name must be followed by '}' or ':-' "
		    "(names are [A-Za-z_][A-Za-z0-9_]*)",
		    name_len, name);
		return -1;
	}
	*pos = i;
	return 0;
}

char *config_expand_env(const char *text, char *err, size_t errlen)
{
	config_buf out = {0};
	size_t pos = 0;
	config_buf_add(&out, "", 0);
	if (config_expand_into(text, &pos, &out, false, err, errlen) < 0) {
		free(out.data);
		return NULL;
	}
	if (out.oom) {
		free(out.data);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return out.data;
}

/* ---- [exporter] values ---- */

static bool config_valid_port(const char *text)
{
	if (*text == '\0' || strlen(text) > 5)
		return false;
	unsigned long port = 0;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return false;
		port = port * 10 + (unsigned long)(*c - '0');
	}
	return port <= 65535;
}

/* A DNS name: dot-separated labels of letters, digits and '-', not at a label's ends. */
static bool config_valid_hostname(const char *host, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		if (c == '.') {
			if (label == 0 || host[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && label > 0))
			return false;
		if (++label > 63)
			return false;
	}
	return host[len - 1] != '-';
}

/* host:port, [v6]:port or :port. 0, or -1 with a message (the value is not secret). */
static int config_check_listen(const char *text, char *msg, size_t msglen)
{
	const char *example = "expected host:port, [ipv6]:port or :port";
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(msg, msglen, "'%s' is not a listen address (%s)", text, example);
			return -1;
		}
		char addr[64];
		size_t len = (size_t)(close - text - 1);
		struct in6_addr v6;
		if (len >= sizeof(addr)) {
			snprintf(msg, msglen, "'%s': bad IPv6 address", text);
			return -1;
		}
		memcpy(addr, text + 1, len);
		addr[len] = '\0';
		if (inet_pton(AF_INET6, addr, &v6) != 1) {
			snprintf(msg, msglen, "'%s': '%s' is not an IPv6 address", text, addr);
			return -1;
		}
		if (!config_valid_port(close + 2)) {
			snprintf(msg, msglen, "'%s': the port must be a number from 0 to 65535",
			         text);
			return -1;
		}
		return 0;
	}
	const char *colon = strrchr(text, ':');
	if (colon == NULL) {
		snprintf(msg, msglen, "'%s' has no port (%s)", text, example);
		return -1;
	}
	if (memchr(text, ':', (size_t)(colon - text)) != NULL) {
		snprintf(msg, msglen, "'%s': write an IPv6 address in brackets, e.g. [::]:8192",
		         text);
		return -1;
	}
	if (!config_valid_port(colon + 1)) {
		snprintf(msg, msglen, "'%s': the port must be a number from 0 to 65535", text);
		return -1;
	}
	size_t host_len = (size_t)(colon - text);
	if (host_len > 0 && !config_valid_hostname(text, host_len)) {
		snprintf(msg, msglen, "'%s': '%.*s' is not a host name or IPv4 address", text,
		         (int)host_len, text);
		return -1;
	}
	return 0;
}

static int config_check_metrics_path(const char *text, char *msg, size_t msglen)
{
	if (text[0] != '/') {
		snprintf(msg, msglen, "'%s' must start with '/'", text);
		return -1;
	}
	if (text[1] == '\0') {
		snprintf(msg, msglen,
		         "'/' is the landing page; choose another path, e.g. /metrics");
		return -1;
	}
	if (strncmp(text, "/-/", 3) == 0 || strcmp(text, "/-") == 0) {
		snprintf(msg, msglen, "'%s': paths under /-/ are the host's own endpoints", text);
		return -1;
	}
	for (const char *c = text; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u <= 0x20 || u >= 0x7f || u == '?' || u == '#') {
			snprintf(msg, msglen,
			         "'%s': only printable ASCII without spaces, '?' or '#' is allowed",
			         text);
			return -1;
		}
	}
	return 0;
}

static int config_parse_log_level(const char *text, exporterd_log_level *out)
{
	for (size_t i = 0; i < sizeof(config_log_levels) / sizeof(config_log_levels[0]); i++) {
		if (strcmp(text, config_log_levels[i]) == 0) {
			*out = (exporterd_log_level)i;
			return 0;
		}
	}
	return -1;
}

static int config_replace(char **slot, const char *value)
{
	char *copy = strdup(value);
	if (copy == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

static void config_exporter_key_list(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < CONFIG_NKEYS && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
		                         config_exporter_keys[k]);
}

static int config_set_exporter_key(config_parser *p, const char *key, const char *value)
{
	int k = 0;
	while (k < CONFIG_NKEYS && strcmp(key, config_exporter_keys[k]) != 0)
		k++;
	if (k == CONFIG_NKEYS) {
		char known[128];
		config_exporter_key_list(known, sizeof(known));
		config_fail(p, p->line, "[exporter] unknown key '%s'; known keys: %s", key, known);
		return -1;
	}
	if (p->exporter_set_at[k] != 0) {
		config_fail(p, p->line, "[exporter] key '%s' is set twice (first at line %d)", key,
		            p->exporter_set_at[k]);
		return -1;
	}
	p->exporter_set_at[k] = p->line;

	exporter_settings *s = &p->cfg->exporter;
	char msg[512];
	int rc = 0;
	switch ((config_exporter_key)k) {
	case CONFIG_KEY_LISTEN:
		if (config_check_listen(value, msg, sizeof(msg)) < 0)
			goto bad;
		rc = config_replace(&s->listen, value);
		s->listen_line = p->line;
		break;
	case CONFIG_KEY_METRICS_PATH:
		if (config_check_metrics_path(value, msg, sizeof(msg)) < 0)
			goto bad;
		rc = config_replace(&s->metrics_path, value);
		break;
	case CONFIG_KEY_PLUGIN_DIR:
		if (*value == '\0') {
			snprintf(msg, sizeof(msg), "the plugin folder must not be empty");
			goto bad;
		}
		rc = config_replace(&p->plugin_dir_value, value);
		break;
	case CONFIG_KEY_SCRAPE_TIMEOUT: {
		double seconds;
		if (duration_parse(value, &seconds) < 0) {
			snprintf(msg, sizeof(msg),
			         "'%s' is not a duration (e.g. 10s, 1m30s, 500ms)", value);
			goto bad;
		}
		if (seconds <= 0) {
			snprintf(msg, sizeof(msg), "must be greater than 0");
			goto bad;
		}
		s->scrape_timeout = seconds;
		break;
	}
	case CONFIG_KEY_LOG_LEVEL:
		if (config_parse_log_level(value, &s->log_level) < 0) {
			snprintf(msg, sizeof(msg),
			         "'%s' is not a log level (debug, info, warn, error)", value);
			goto bad;
		}
		break;
	case CONFIG_NKEYS:
		break;
	}
	if (rc < 0) {
		config_fail(p, p->line, "out of memory");
		return -1;
	}
	return 0;
bad:
	config_fail(p, p->line, "[exporter] key '%s': %s", key, msg);
	return -1;
}

/* ---- Sections ---- */

static bool config_valid_plugin_name(const char *name, size_t len)
{
	if (len == 0 || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static bool config_valid_instance_name(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static config_section *config_find_section(config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nsections; i++) {
		if (strcmp(cfg->sections[i].name, name) == 0)
			return &cfg->sections[i];
	}
	return NULL;
}

/* Opens the section named by a header line's text between the brackets. */
static int config_open_section(config_parser *p, const char *name, size_t len)
{
	const char *colon = memchr(name, ':', len);
	size_t plugin_len = colon ? (size_t)(colon - name) : len;

	if (len > CONFIG_MAX_INSTANCE_NAME) {
		config_fail(p, p->line, "section name is longer than %d characters",
		            CONFIG_MAX_INSTANCE_NAME);
		return -1;
	}
	if (plugin_len == 8 && strncmp(name, "exporter", 8) == 0) {
		if (colon != NULL) {
			config_fail(
			    p, p->line,
			    "[exporter] holds the host settings and takes no instance name");
			return -1;
		}
		if (p->exporter_line != 0) {
			config_fail(p, p->line,
			            "section [exporter] appears twice (first at line %d)",
			            p->exporter_line);
			return -1;
		}
		p->exporter_line = p->line;
		p->in = CONFIG_IN_EXPORTER;
		return 0;
	}
	if (!config_valid_plugin_name(name, plugin_len)) {
		config_fail(
		    p, p->line,
		    "section [%.*s]: plugin name '%.*s' must match [a-z][a-z0-9_]* (sections "
		    "are [plugin] or [plugin:instance])",
		    (int)len, name, (int)plugin_len, name);
		return -1;
	}
	if (plugin_len > CONFIG_MAX_PLUGIN_NAME) {
		config_fail(p, p->line, "section [%.*s]: plugin name is longer than %d characters",
		            (int)len, name, CONFIG_MAX_PLUGIN_NAME);
		return -1;
	}
	if (colon != NULL && !config_valid_instance_name(colon + 1, len - plugin_len - 1)) {
		config_fail(p, p->line,
		            "section [%.*s]: instance name '%.*s' must match [A-Za-z0-9_.-]+",
		            (int)len, name, (int)(len - plugin_len - 1), colon + 1);
		return -1;
	}

	char full[CONFIG_MAX_INSTANCE_NAME + 1];
	memcpy(full, name, len);
	full[len] = '\0';
	const config_section *seen = config_find_section(p->cfg, full);
	if (seen != NULL) {
		config_fail(p, p->line, "section [%s] appears twice (first at line %d)", full,
		            seen->line);
		return -1;
	}

	config *cfg = p->cfg;
	config_section *grown = realloc(cfg->sections, (cfg->nsections + 1) * sizeof(*grown));
	if (grown == NULL) {
		config_fail(p, p->line, "out of memory");
		return -1;
	}
	cfg->sections = grown;
	config_section *sec = &cfg->sections[cfg->nsections];
	memset(sec, 0, sizeof(*sec));
	sec->line = p->line;
	sec->name = strdup(full);
	sec->plugin = strndup(full, plugin_len);
	cfg->nsections++;
	if (sec->name == NULL || sec->plugin == NULL) {
		config_fail(p, p->line, "out of memory");
		return -1;
	}
	p->in = CONFIG_IN_PLUGIN;
	return 0;
}

static int config_add_entry(config_parser *p, const char *key, const char *value)
{
	config_section *sec = &p->cfg->sections[p->cfg->nsections - 1];
	config_entry *grown = realloc(sec->entries, (sec->nentries + 1) * sizeof(*grown));
	if (grown == NULL) {
		config_fail(p, p->line, "out of memory");
		return -1;
	}
	sec->entries = grown;
	config_entry *e = &sec->entries[sec->nentries];
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = p->line;
	sec->nentries++;
	if (e->key == NULL || e->value == NULL) {
		config_fail(p, p->line, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- libinih callbacks ---- */

static bool config_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A [header] line (leading blanks already skipped). libinih does not report
 * sections without keys and cuts long names, so headers are read here. */
static int config_read_header(config_parser *p, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	if (close == NULL) {
		config_fail(p, p->line, "section header has no closing ']'");
		return -1;
	}
	for (const char *c = close + 1; c < line + len; c++) {
		if (*c == ';')
			break;
		if (!config_is_blank(*c)) {
			config_fail(p, p->line, "unexpected text after the section header's ']'");
			return -1;
		}
	}
	return config_open_section(p, line + 1, (size_t)(close - line - 1));
}

/* fgets-like reader over the file in memory: one whole line per call, or
 * NULL (end of input) after an error so that parsing stops there. */
static char *config_reader(char *str, int num, void *stream)
{
	config_parser *p = stream;
	if (p->failed || p->pos >= p->size)
		return NULL;

	const char *start = p->data + p->pos;
	const char *newline = memchr(start, '\n', p->size - p->pos);
	size_t len = newline ? (size_t)(newline - start) : p->size - p->pos;
	p->pos += len + (newline ? 1 : 0);
	p->line++;

	if (p->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
		start += 3;
		len -= 3;
	}
	if (len > 0 && start[len - 1] == '\r')
		len--;
	/* The buffer must also hold '\n' and '\0'. */
	if (len > CONFIG_MAX_LINE || len + 2 > (size_t)num) {
		config_fail(p, p->line, "line is %zu bytes long; the limit is %d", len,
		            CONFIG_MAX_LINE);
		return NULL;
	}
	if (memchr(start, '\0', len) != NULL) {
		config_fail(p, p->line, "line contains a NUL byte");
		return NULL;
	}

	/* Leading blanks would make libinih read the line as the continuation of
	 * the previous value; an indented line is an ordinary line here. */
	while (len > 0 && config_is_blank(*start)) {
		start++;
		len--;
	}
	if (len > 0 && *start == '[') {
		if (config_read_header(p, start, len) < 0)
			return NULL;
	}
	memcpy(str, start, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	(void)section; /* the reader knows the section, untruncated */
	config_parser *p = user;
	if (p->failed)
		return 0;
	if (name == NULL)
		return 1;
	if (*name == '\0') {
		config_fail(p, p->line, "missing key name before '='");
		return 0;
	}
	if (p->in == CONFIG_IN_NOTHING) {
		config_fail(p, p->line, "key '%s' comes before any [section]", name);
		return 0;
	}

	char msg[512];
	char *expanded = config_expand_env(value, msg, sizeof(msg));
	if (expanded == NULL) {
		const char *section_name = p->in == CONFIG_IN_EXPORTER
		                               ? "exporter"
		                               : p->cfg->sections[p->cfg->nsections - 1].name;
		config_fail(p, p->line, "[%s] key '%s': %s", section_name, name, msg);
		return 0;
	}
	int rc = p->in == CONFIG_IN_EXPORTER ? config_set_exporter_key(p, name, expanded)
	                                     : config_add_entry(p, name, expanded);
	free(expanded);
	return rc == 0;
}

/* ---- Loading ---- */

/* Reads the whole file into a NUL-terminated buffer (caller frees). */
static char *config_read_file(const char *path, size_t *size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *data = malloc(cap);
	if (data == NULL)
		goto oom;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > CONFIG_MAX_FILE_SIZE) {
				snprintf(err, errlen,
				         "%s: larger than %u bytes; this is not a config file",
				         path, CONFIG_MAX_FILE_SIZE);
				goto fail;
			}
			char *grown = realloc(data, cap * 2);
			if (grown == NULL)
				goto oom;
			data = grown;
			cap *= 2;
		}
		size_t n = fread(data + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	data[len] = '\0';
	*size = len;
	return data;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	free(data);
	fclose(f);
	return NULL;
}

/* plugin_dir relative to the config file's folder; absolute paths stay. Caller frees. */
static char *config_resolve_dir(const char *config_path, const char *dir)
{
	const char *slash = strrchr(config_path, '/');
	if (dir[0] == '/' || slash == NULL)
		return strdup(dir);
	size_t folder_len = (size_t)(slash - config_path);
	if (folder_len == 0)
		folder_len = 1; /* the file is in "/" */
	char *out = NULL;
	if (asprintf(&out, "%.*s%s%s", (int)folder_len, config_path,
	             config_path[folder_len - 1] == '/' ? "" : "/", dir) < 0)
		return NULL;
	return out;
}

static int config_finish(config_parser *p)
{
	exporter_settings *s = &p->cfg->exporter;
	if ((s->listen == NULL && config_replace(&s->listen, CONFIG_DEFAULT_LISTEN) < 0) ||
	    (s->metrics_path == NULL &&
	     config_replace(&s->metrics_path, CONFIG_DEFAULT_METRICS_PATH) < 0))
		return -1;
	s->plugin_dir = config_resolve_dir(
	    p->path, p->plugin_dir_value ? p->plugin_dir_value : CONFIG_DEFAULT_PLUGIN_DIR);
	return s->plugin_dir ? 0 : -1;
}

int config_load(const char *path, config *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	out->exporter.scrape_timeout = CONFIG_DEFAULT_SCRAPE_TIMEOUT;
	out->exporter.log_level = EXPORTERD_LOG_INFO;
	out->path = strdup(path);
	if (out->path == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}

	size_t size = 0;
	char *data = config_read_file(path, &size, err, errlen);
	if (data == NULL)
		return -1;

	config_parser p = {
	    .path = path, .cfg = out, .data = data, .size = size, .err = err, .errlen = errlen};
	int rc = ini_parse_stream(config_reader, &p, config_handler, &p);
	free(data);

	if (rc == -2) {
		free(p.plugin_dir_value);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	/* libinih reports the first line it could not read as key = value or
	 * [section]; an error found here on a later line comes second. */
	if (rc > 0 && (!p.failed || rc < p.error_line)) {
		p.failed = false;
		config_fail(&p, rc,
		            "syntax error: expected 'key = value', a [section] header or a "
		            "comment");
	}
	if (p.failed) {
		free(p.plugin_dir_value);
		return -1;
	}
	int finished = config_finish(&p);
	free(p.plugin_dir_value);
	if (finished < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

void config_free(config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nsections; i++) {
		config_section *sec = &cfg->sections[i];
		for (size_t j = 0; j < sec->nentries; j++) {
			free(sec->entries[j].key);
			free(sec->entries[j].value);
		}
		free(sec->entries);
		free(sec->name);
		free(sec->plugin);
	}
	free(cfg->sections);
	free(cfg->path);
	free(cfg->exporter.listen);
	free(cfg->exporter.metrics_path);
	free(cfg->exporter.plugin_dir);
	memset(cfg, 0, sizeof(*cfg));
}
