/* Binds a section's entries to the host keys and the plugin's declared options. */
#ifndef EXPORTERD_OPTIONS_H
#define EXPORTERD_OPTIONS_H

#include "config.h"
#include "exporterd/plugin.h"

#include <stdbool.h>
#include <stdint.h>

/* Host keys every instance section accepts. Negative = not set in the file. */
typedef struct host_keys {
	bool enabled;    /* default true */
	double interval; /* seconds; 0 = collect on scrape; < 0 = plugin default */
	double timeout;  /* seconds; < 0 = default min(interval, scrape timeout) */
} host_keys;

/* Values of one declared option. */
typedef struct option_value {
	const exporterd_option *decl;
	size_t count;
	char **text; /* as written (after ${VAR}); default applied when absent */
	union {
		int64_t i;
		double d; /* DOUBLE and DURATION (seconds) */
		int b;
	} * parsed;
} option_value;

typedef struct bound_options {
	option_value *values;
	size_t nvalues;
} bound_options;

/* Checks every entry of sec against the host keys and decls (terminated by a
 * NULL name; decls may be NULL). Errors name "path:line" and, for an unknown
 * key, list the known keys; a secret's value is never quoted. 0 or -1. */
int options_bind(const exporterd_option *decls, const config_section *sec, const char *path,
                 host_keys *keys, bound_options *out, char *err, size_t errlen);
void options_free(bound_options *opts);

/* NULL when name is not declared. */
const option_value *options_find(const bound_options *opts, const char *name);

/* True when text is a declared secret of these options (used to scrub messages). */
bool options_is_secret(const exporterd_option *decls, const char *key);

#endif
