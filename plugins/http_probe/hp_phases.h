/* http_probe timings: libcurl's per-request timers turned into blackbox's probe_http_duration
 * phases. */
#ifndef HP_PHASES_H
#define HP_PHASES_H

#include <stdbool.h>
#include <stdint.h>

/* The `phase` label values of probe_http_duration_seconds, in blackbox's order. */
typedef enum hp_phase {
	HP_PHASE_RESOLVE,
	HP_PHASE_CONNECT,
	HP_PHASE_TLS,
	HP_PHASE_PROCESSING,
	HP_PHASE_TRANSFER,
} hp_phase;

#define HP_PHASE_COUNT (HP_PHASE_TRANSFER + 1)

const char *hp_phase_name(hp_phase phase);

/* One request (one hop of a redirect chain) as libcurl timed it: microseconds
 * from the start of that request until each event, 0 when the event did not
 * happen (CURLINFO_NAMELOOKUP_TIME_T, _CONNECT_, _APPCONNECT_, _STARTTRANSFER_,
 * _TOTAL_). Whole microseconds keep the sums exact. */
typedef struct hp_hop_times {
	int64_t namelookup;    /* name resolved */
	int64_t connect;       /* TCP connected */
	int64_t appconnect;    /* TLS handshake done (TLS only) */
	int64_t starttransfer; /* first response byte */
	int64_t total;         /* request over */
	bool tls;              /* the request went over TLS */
	bool completed;        /* the whole response was read */
} hp_hop_times;

/* Adds one request's phases (microseconds) to phases[], as blackbox sums them over a redirect
 * chain: resolve for the first request only; connect once TCP is connected;
 * tls for a finished handshake; processing from the ready connection to the
 * first response byte; transfer from there to the end of a response that
 * arrived in full. Timers that ran backwards count as 0. */
void hp_phases_add(int64_t phases[HP_PHASE_COUNT], const hp_hop_times *t, bool first);

#endif
