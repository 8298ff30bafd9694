/* GET /probe: one synchronous probe by a configured instance, answered with only its metrics. */
#ifndef EXPORTERD_PROBE_H
#define EXPORTERD_PROBE_H

#include "exposition.h"
#include "host.h"

#include <stddef.h>

/* The instance /probe uses when the request names no module. */
#define PROBE_DEFAULT_MODULE "http_probe"

/* What to send back. */
typedef struct probe_answer {
	unsigned status;          /* 200; 400 for a request that cannot be probed; 500 */
	const char *content_type; /* exact header value, static */
	char *body;               /* malloc'd (free with probe_answer_free); NULL only when
	                           * out of memory */
	size_t len;
} probe_answer;

/* Runs the probe callback of the running instance named `module` (NULL: the
 * default) on `target` until `deadline` (exporterd_now clock), on a scratch
 * instance that borrows the configured one's options and data and has a
 * store of its own, and renders that store alone in `format`. Unknown module,
 * a module whose plugin has no probe callback, a missing target or a probe
 * that refuses the target: 400 with a one-line reason. Blocks the calling
 * thread for up to the deadline. Always fills out. */
void probe_serve(host *h, const char *module, const char *target, double deadline,
                 exposition_format format, probe_answer *out);
void probe_answer_free(probe_answer *answer);

/* Makes exporterd_stopping() true for every probe in flight, so that they
 * return at once (used when the HTTP server stops). */
void probe_signal_stop(void);

#endif
