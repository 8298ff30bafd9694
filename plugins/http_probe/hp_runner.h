/* http_probe runner: probes many URLs at once through one libcurl multi handle, max_concurrency at
 * a time. */
#ifndef HP_RUNNER_H
#define HP_RUNNER_H

#include "exporterd/plugin.h"
#include "hp_checks.h"
#include "hp_config.h"
#include "hp_phases.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one probe found: the blackbox_exporter HTTP prober's numbers. */
typedef struct hp_result {
	hp_reason reason;               /* HP_OK when the probe succeeded */
	char detail[256];               /* why it failed, for a log line */
	double duration;                /* seconds, the whole probe with its redirects */
	int64_t phases[HP_PHASE_COUNT]; /* microseconds, see hp_phases_add */
	int64_t dns_lookup;             /* microseconds the first name lookup took */
	long status;                    /* status of the last answer; 0 = none */
	double content_length;          /* Content-Length of the last answer; -1 = not given */
	double body_length;             /* bytes of its body after content decoding */
	int redirects;                  /* redirects followed */
	bool ssl;                       /* the last answer came over TLS */
	double http_version;            /* 1.0, 1.1, 2, 3; 0 = no answer */
	bool regex_failed;              /* the body regexes failed the probe */
	bool has_cert_expiry;           /* cert_expiry is known (a TLS answer) */
	double cert_expiry;             /* Unix time of the earliest NotAfter of the peer's chain */
	char tls_version[16];           /* "TLS 1.3" ...; "" = not TLS */
	int ip_protocol; /* 4 or 6: the address family of the first connection; 0 = none */
} hp_result;

/* Clears r to "timed out before it started". */
void hp_result_reset(hp_result *r);

typedef struct hp_runner hp_runner;

/* A runner for cfg (which must outlive it) with `slots` probes in flight at
 * most. Returns NULL with a message in err. Free with hp_runner_free. */
hp_runner *hp_runner_new(const hp_config *cfg, size_t slots, char *err, size_t errlen);
void hp_runner_free(hp_runner *runner);

/* What a run tells its caller, on the running thread; any member may be NULL. */
typedef struct hp_runner_hooks {
	/* Each probe's final result, once per URL (also for those never started). */
	void (*done)(void *arg, size_t index, const hp_result *result);
	/* Called at least every 100 ms while probes are in flight. */
	void (*tick)(void *arg);
	void *arg;
} hp_runner_hooks;

/* Probes urls[0..n) into results[0..n): `slots` at a time, each for at most
 * cfg->probe_timeout and all by `deadline` (exporterd_now clock). A probe
 * still running at the deadline, or never started, fails with `timeout`.
 * Returns early when exporterd_stopping(inst). hooks may be NULL. One runner
 * serves one call at a time; different runners may run at once on different
 * threads. */
void hp_runner_run(hp_runner *runner, exporterd_instance *inst, const char *const *urls,
                   hp_result *results, size_t n, double deadline, const hp_runner_hooks *hooks);

#endif
