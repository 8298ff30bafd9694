/* exporter.ini: reads the file into the [exporter] settings and the plugin sections. */
#ifndef EXPORTERD_CONFIG_H
#define EXPORTERD_CONFIG_H

#include "exporterd/plugin.h"

#include <stdbool.h>
#include <stddef.h>

/* Length of a line (without its newline) the system libinih can hold. Longer
 * lines are reported as errors instead of being split. */
#define CONFIG_MAX_LINE 196

/* One `key = value` line of a plugin section, ${VAR} already expanded. */
typedef struct config_entry {
	char *key;
	char *value;
	int line;
} config_entry;

/* `[plugin]` or `[plugin:instance]`, in file order. */
typedef struct config_section {
	char *name;   /* "gameserver" or "http_probe:internal" (the instance name) */
	char *plugin; /* "gameserver", matches [a-z][a-z0-9_]* */
	int line;     /* line of the [header] */
	config_entry *entries;
	size_t nentries;
} config_section;

typedef struct exporter_settings {
	char *listen;          /* "0.0.0.0:8192", "[::]:8192" or ":8192" */
	char *metrics_path;    /* starts with '/' */
	char *plugin_dir;      /* absolute, or relative to the working directory */
	double scrape_timeout; /* seconds, > 0 */
	exporterd_log_level log_level;
	int listen_line; /* where listen was set, 0 when defaulted */
} exporter_settings;

typedef struct config {
	char *path; /* as given */
	exporter_settings exporter;
	config_section *sections;
	size_t nsections;
} config;

/* Reads and checks the file. On error returns -1 and writes one message to
 * err in the form "path:line: what is wrong" (or "path: ..." without a line).
 * Checks done here: syntax, overlong lines, ${VAR} expansion, [exporter] keys and
 * values, section names, duplicate section names. Plugin keys are checked later
 * by options_bind(). *out is zeroed first; free it with config_free() either way. */
int config_load(const char *path, config *out, char *err, size_t errlen);
void config_free(config *cfg);

/* Expands ${VAR} and ${VAR:-default} from the environment. Returns a malloc'd
 * string (caller frees) or NULL with a message in err (unset variable, syntax). */
char *config_expand_env(const char *text, char *err, size_t errlen);

#endif
