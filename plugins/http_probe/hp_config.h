/* http_probe options: their declaration table and the checked settings of one instance. */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include "exporterd/plugin.h"
#include "hp_checks.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

/* One `target =` line. */
typedef struct hp_target {
	char *label; /* the `target` label value: the given label, else the URL */
	char *url;
} hp_target;

typedef enum hp_ip_protocol {
	HP_IP_AUTO, /* whatever the name resolves to (libcurl tries IPv6 and IPv4) */
	HP_IP_4,
	HP_IP_6,
} hp_ip_protocol;

/* Everything a probe needs; read-only once loaded, so collects and /probe
 * requests share it across threads. */
typedef struct hp_config {
	hp_target *targets;
	size_t ntargets;
	const char *method;         /* owned by the host */
	const char *body;           /* owned by the host; NULL = none */
	struct curl_slist *headers; /* "Name: value" lines; NULL = none */
	char *accept_encoding;      /* the Accept-Encoding header's value, NULL = none */
	const char *ca_file;        /* owned by the host; NULL = system CAs */
	bool follow_redirects;
	bool tls_insecure_skip_verify;
	hp_ip_protocol ip_protocol;
	double probe_timeout; /* seconds */
	size_t max_body_bytes;
	size_t max_concurrency;
	hp_checks checks;
} hp_config;

/* Redirects followed before a probe fails (as Go's HTTP client, which blackbox uses). */
#define HP_MAX_REDIRECTS 10
/* Bounds of max_concurrency: each slot holds one connection. */
#define HP_MAX_CONCURRENCY 4096

/* The declared options, terminated by a NULL name. */
extern const exporterd_option hp_config_options[];

/* Reads and checks the instance's options into cfg (zeroed first). Returns 0,
 * or -1 after exporterd_error(); messages never quote a header or the body.
 * Free cfg with hp_config_free() either way. */
int hp_config_load(exporterd_instance *inst, hp_config *cfg);
void hp_config_free(hp_config *cfg);

/* The URL to probe for a /probe `target`: as given when it names http:// or
 * https://, else with http:// in front (as blackbox does). Returns a malloc'd
 * string (caller frees), or NULL with a one-line reason in err. */
char *hp_config_probe_url(const char *target, char *err, size_t errlen);

#endif
