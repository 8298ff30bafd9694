/* Binds a section's entries to the host keys (enabled, interval, timeout) and a plugin's declared
 * options. */
#include "options.h"

#include "duration.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum options_host_key {
	OPTIONS_KEY_ENABLED,
	OPTIONS_KEY_INTERVAL,
	OPTIONS_KEY_TIMEOUT,
	OPTIONS_NHOST_KEYS
} options_host_key;

static const char *const options_host_key_names[OPTIONS_NHOST_KEYS] = {"enabled", "interval",
                                                                       "timeout"};

typedef union options_parsed {
	int64_t i;
	double d;
	int b;
} options_parsed;

/* option_value.parsed points at an unnamed union of the same members. */
_Static_assert(sizeof(options_parsed) == sizeof(*((option_value *)0)->parsed),
               "options_parsed must match option_value.parsed");

/* What one bad value is not, for "'x' is not <what>". */
static const char *options_type_expectation(exporterd_option_type type)
{
	switch (type) {
	case EXPORTERD_OPT_STRING:
		return "a string";
	case EXPORTERD_OPT_INT:
		return "an integer";
	case EXPORTERD_OPT_DOUBLE:
		return "a number";
	case EXPORTERD_OPT_BOOL:
		return "a boolean (true/false, yes/no, on/off, 1/0)";
	case EXPORTERD_OPT_DURATION:
		return "a duration (e.g. 30s, 1m30s, 500ms)";
	}
	return "a value of a known type";
}

static bool options_known_type(exporterd_option_type type)
{
	return type >= EXPORTERD_OPT_STRING && type <= EXPORTERD_OPT_DURATION;
}

static int options_parse_bool(const char *text, int *out)
{
	static const char *const truths[] = {"true", "yes", "on", "1"};
	static const char *const lies[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(text, truths[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(text, lies[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Parses text as type. 0, or -1 when it is not a value of that type. */
static int options_parse_value(exporterd_option_type type, const char *text, options_parsed *out)
{
	char *end;
	switch (type) {
	case EXPORTERD_OPT_STRING:
		out->i = 0;
		return 0;
	case EXPORTERD_OPT_INT: {
		if (*text == '\0' || *text == ' ' || *text == '\t')
			return -1;
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (*end != '\0' || errno == ERANGE)
			return -1;
		out->i = (int64_t)v;
		return 0;
	}
	case EXPORTERD_OPT_DOUBLE: {
		if (*text == '\0' || *text == ' ' || *text == '\t')
			return -1;
		double v = strtod(text, &end);
		if (*end != '\0' || !isfinite(v))
			return -1;
		out->d = v;
		return 0;
	}
	case EXPORTERD_OPT_BOOL:
		return options_parse_bool(text, &out->b);
	case EXPORTERD_OPT_DURATION:
		return duration_parse(text, &out->d);
	}
	return -1;
}

/* Writes "path:line: [section] " and the message into err. */
static void options_error(char *err, size_t errlen, const char *path, int line,
                          const config_section *sec, const char *fmt, ...) EXPORTERD_PRINTF(6, 7);
static void options_error(char *err, size_t errlen, const char *path, int line,
                          const config_section *sec, const char *fmt, ...)
{
	if (errlen == 0)
		return;
	int n = snprintf(err, errlen, "%s:%d: [%s] ", path, line, sec->name);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Checks the plugin's table itself: names, types, no clash with the host keys,
 * no name declared twice. The section names the plugin in the message. */
static int options_check_decls(const exporterd_option *decls, const config_section *sec,
                               const char *path, size_t *count, char *err, size_t errlen)
{
	size_t n = 0;
	for (; decls != NULL && decls[n].name != NULL; n++) {
		const exporterd_option *d = &decls[n];
		if (d->name[0] == '\0') {
			options_error(err, errlen, path, sec->line, sec,
			              "plugin '%s': option #%zu has an empty name", sec->plugin,
			              n + 1);
			return -1;
		}
		if (!options_known_type(d->type)) {
			options_error(err, errlen, path, sec->line, sec,
			              "plugin '%s': option '%s' has an unknown type (%d)",
			              sec->plugin, d->name, (int)d->type);
			return -1;
		}
		for (int k = 0; k < OPTIONS_NHOST_KEYS; k++) {
			if (strcmp(d->name, options_host_key_names[k]) == 0) {
				options_error(
				    err, errlen, path, sec->line, sec,
				    "plugin '%s': option '%s' is a key the host handles itself "
				    "(enabled, interval, timeout)",
				    sec->plugin, d->name);
				return -1;
			}
		}
		for (size_t j = 0; j < n; j++) {
			if (strcmp(decls[j].name, d->name) == 0) {
				options_error(err, errlen, path, sec->line, sec,
				              "plugin '%s': option '%s' is declared twice",
				              sec->plugin, d->name);
				return -1;
			}
		}
		options_parsed unused;
		if (d->default_value != NULL &&
		    options_parse_value(d->type, d->default_value, &unused) < 0) {
			if (d->flags & EXPORTERD_OPT_SECRET)
				options_error(
				    err, errlen, path, sec->line, sec,
				    "plugin '%s': option '%s': the default value is not %s",
				    sec->plugin, d->name, options_type_expectation(d->type));
			else
				options_error(err, errlen, path, sec->line, sec,
				              "plugin '%s': option '%s': default '%s' is not %s",
				              sec->plugin, d->name, d->default_value,
				              options_type_expectation(d->type));
			return -1;
		}
	}
	*count = n;
	return 0;
}

/* "enabled, interval, timeout, a, b" into buf. */
static void options_known_keys(const exporterd_option *decls, size_t ndecls, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int k = 0; k < OPTIONS_NHOST_KEYS && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
		                         options_host_key_names[k]);
	for (size_t i = 0; i < ndecls && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, ", %s", decls[i].name);
}

/* Appends one value (text copied) to v. 0 or -1 when out of memory. */
static int options_append(option_value *v, const char *text, options_parsed parsed)
{
	char *copy = strdup(text);
	if (copy == NULL)
		return -1;
	char **texts = realloc(v->text, (v->count + 1) * sizeof(*texts));
	if (texts == NULL) {
		free(copy);
		return -1;
	}
	v->text = texts;
	void *values = realloc(v->parsed, (v->count + 1) * sizeof(*v->parsed));
	if (values == NULL) {
		free(copy);
		return -1;
	}
	v->parsed = values;
	v->text[v->count] = copy;
	memcpy(&v->parsed[v->count], &parsed, sizeof(*v->parsed));
	v->count++;
	return 0;
}

static int options_bind_host_key(int k, const config_entry *e, const config_section *sec,
                                 const char *path, host_keys *keys, char *err, size_t errlen)
{
	if (k == OPTIONS_KEY_ENABLED) {
		int b;
		if (options_parse_bool(e->value, &b) < 0) {
			options_error(err, errlen, path, e->line, sec,
			              "key 'enabled': '%s' is not %s", e->value,
			              options_type_expectation(EXPORTERD_OPT_BOOL));
			return -1;
		}
		keys->enabled = b != 0;
		return 0;
	}
	double seconds;
	if (duration_parse(e->value, &seconds) < 0) {
		options_error(err, errlen, path, e->line, sec, "key '%s': '%s' is not %s", e->key,
		              e->value, options_type_expectation(EXPORTERD_OPT_DURATION));
		return -1;
	}
	if (k == OPTIONS_KEY_TIMEOUT) {
		if (seconds <= 0) {
			options_error(err, errlen, path, e->line, sec,
			              "key 'timeout': must be greater than 0");
			return -1;
		}
		keys->timeout = seconds;
	} else {
		keys->interval = seconds;
	}
	return 0;
}

int options_bind(const exporterd_option *decls, const config_section *sec, const char *path,
                 host_keys *keys, bound_options *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	keys->enabled = true;
	keys->interval = -1;
	keys->timeout = -1;
	if (errlen > 0)
		err[0] = '\0';

	size_t ndecls = 0;
	if (options_check_decls(decls, sec, path, &ndecls, err, errlen) < 0)
		return -1;

	/* Line where each key was first set, for "set twice" messages. */
	int host_line[OPTIONS_NHOST_KEYS] = {0};
	int *decl_line = calloc(ndecls + 1, sizeof(*decl_line));
	if (decl_line == NULL)
		goto oom;
	if (ndecls > 0) {
		out->values = calloc(ndecls, sizeof(*out->values));
		if (out->values == NULL)
			goto oom;
		out->nvalues = ndecls;
		for (size_t i = 0; i < ndecls; i++)
			out->values[i].decl = &decls[i];
	}

	for (size_t j = 0; j < sec->nentries; j++) {
		const config_entry *e = &sec->entries[j];

		int k = 0;
		while (k < OPTIONS_NHOST_KEYS && strcmp(e->key, options_host_key_names[k]) != 0)
			k++;
		if (k < OPTIONS_NHOST_KEYS) {
			if (host_line[k] != 0) {
				options_error(err, errlen, path, e->line, sec,
				              "key '%s' is set twice (first at line %d)", e->key,
				              host_line[k]);
				goto fail;
			}
			host_line[k] = e->line;
			if (options_bind_host_key(k, e, sec, path, keys, err, errlen) < 0)
				goto fail;
			continue;
		}

		size_t i = 0;
		while (i < ndecls && strcmp(e->key, decls[i].name) != 0)
			i++;
		if (i == ndecls) {
			char known[1024];
			options_known_keys(decls, ndecls, known, sizeof(known));
			options_error(err, errlen, path, e->line, sec,
			              "unknown key '%s'; known keys: %s", e->key, known);
			goto fail;
		}
		const exporterd_option *d = &decls[i];
		if (decl_line[i] != 0 && !(d->flags & EXPORTERD_OPT_REPEATABLE)) {
			options_error(
			    err, errlen, path, e->line, sec,
			    "key '%s' is set twice (first at line %d); it takes one value", e->key,
			    decl_line[i]);
			goto fail;
		}
		if (decl_line[i] == 0)
			decl_line[i] = e->line;
		options_parsed parsed;
		if (options_parse_value(d->type, e->value, &parsed) < 0) {
			if (d->flags & EXPORTERD_OPT_SECRET)
				options_error(err, errlen, path, e->line, sec,
				              "key '%s': the value (secret, not shown) is not %s",
				              e->key, options_type_expectation(d->type));
			else
				options_error(err, errlen, path, e->line, sec,
				              "key '%s': '%s' is not %s", e->key, e->value,
				              options_type_expectation(d->type));
			goto fail;
		}
		if (options_append(&out->values[i], e->value, parsed) < 0)
			goto oom;
	}

	for (size_t i = 0; i < ndecls; i++) {
		const exporterd_option *d = &decls[i];
		if (decl_line[i] != 0)
			continue;
		if (d->flags & EXPORTERD_OPT_REQUIRED) {
			options_error(err, errlen, path, sec->line, sec,
			              "missing required key '%s' (%s)", d->name,
			              d->description ? d->description : "no description");
			goto fail;
		}
		if (d->default_value == NULL)
			continue;
		options_parsed parsed;
		if (options_parse_value(d->type, d->default_value, &parsed) < 0 ||
		    options_append(&out->values[i], d->default_value, parsed) < 0)
			goto oom; /* the default was checked above */
	}
	free(decl_line);
	return 0;

oom:
	snprintf(err, errlen, "%s:%d: [%s] out of memory", path, sec->line, sec->name);
fail:
	free(decl_line);
	options_free(out);
	return -1;
}

void options_free(bound_options *opts)
{
	if (opts == NULL)
		return;
	for (size_t i = 0; i < opts->nvalues; i++) {
		option_value *v = &opts->values[i];
		for (size_t j = 0; j < v->count; j++)
			free(v->text[j]);
		free(v->text);
		free(v->parsed);
	}
	free(opts->values);
	memset(opts, 0, sizeof(*opts));
}

const option_value *options_find(const bound_options *opts, const char *name)
{
	if (opts == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < opts->nvalues; i++) {
		if (strcmp(opts->values[i].decl->name, name) == 0)
			return &opts->values[i];
	}
	return NULL;
}

bool options_is_secret(const exporterd_option *decls, const char *key)
{
	if (decls == NULL || key == NULL)
		return false;
	for (size_t i = 0; decls[i].name != NULL; i++) {
		if (strcmp(decls[i].name, key) == 0)
			return (decls[i].flags & EXPORTERD_OPT_SECRET) != 0;
	}
	return false;
}
