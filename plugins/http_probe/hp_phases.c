/* http_probe phases: blackbox's resolve, connect, tls, processing, transfer from libcurl's timers.
 */
#include "hp_phases.h"

static const char *const hp_phase_names[HP_PHASE_COUNT] = {
    "resolve", "connect", "tls", "processing", "transfer",
};

const char *hp_phase_name(hp_phase phase)
{
	return (unsigned)phase < HP_PHASE_COUNT ? hp_phase_names[phase] : "";
}

/* b - a, or 0 when the clock readings are out of order. */
static int64_t hp_span(int64_t a, int64_t b)
{
	return b > a ? b - a : 0;
}

void hp_phases_add(int64_t phases[HP_PHASE_COUNT], const hp_hop_times *t, bool first)
{
	if (first)
		phases[HP_PHASE_RESOLVE] += t->namelookup > 0 ? t->namelookup : 0;
	if (t->connect <= 0)
		return;
	phases[HP_PHASE_CONNECT] += hp_span(t->namelookup, t->connect);
	/* Blackbox counts processing from the moment the connection is ready. */
	int64_t ready = t->connect;
	if (t->tls) {
		if (t->appconnect <= 0)
			return; /* the handshake did not finish */
		phases[HP_PHASE_TLS] += hp_span(t->connect, t->appconnect);
		ready = t->appconnect;
	}
	if (t->starttransfer <= 0)
		return;
	phases[HP_PHASE_PROCESSING] += hp_span(ready, t->starttransfer);
	if (t->completed)
		phases[HP_PHASE_TRANSFER] += hp_span(t->starttransfer, t->total);
}
