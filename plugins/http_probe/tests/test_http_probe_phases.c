/* Unit tests of the http_probe phases: libcurl's timers into blackbox's resolve ... transfer. */
#include "hp_phases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

/* Phases in microseconds, exact. */
static void assert_phases(const int64_t got[HP_PHASE_COUNT], int64_t resolve, int64_t connect,
                          int64_t tls, int64_t processing, int64_t transfer)
{
	int64_t want[HP_PHASE_COUNT] = {resolve, connect, tls, processing, transfer};
	for (int p = 0; p < HP_PHASE_COUNT; p++) {
		if (got[p] != want[p])
			fail_msg("phase %s: got %lld us, want %lld us", hp_phase_name((hp_phase)p),
			         (long long)got[p], (long long)want[p]);
	}
}

static void test_names(void **state)
{
	(void)state;
	const char *want[] = {"resolve", "connect", "tls", "processing", "transfer"};
	for (int p = 0; p < HP_PHASE_COUNT; p++)
		assert_string_equal(hp_phase_name((hp_phase)p), want[p]);
}

static void test_plain_http(void **state)
{
	(void)state;
	int64_t ph[HP_PHASE_COUNT] = {0};
	hp_hop_times t = {.namelookup = 10000,
	                  .connect = 30000,
	                  .starttransfer = 100000,
	                  .total = 125000,
	                  .completed = true};
	hp_phases_add(ph, &t, true);
	assert_phases(ph, 10000, 20000, 0, 70000, 25000);
}

static void test_https(void **state)
{
	(void)state;
	int64_t ph[HP_PHASE_COUNT] = {0};
	hp_hop_times t = {.namelookup = 1000,
	                  .connect = 2000,
	                  .appconnect = 12000,
	                  .starttransfer = 20000,
	                  .total = 50000,
	                  .tls = true,
	                  .completed = true};
	hp_phases_add(ph, &t, true);
	assert_phases(ph, 1000, 1000, 10000, 8000, 30000);
}

static void test_redirect_chain_sums_but_resolves_once(void **state)
{
	(void)state;
	int64_t ph[HP_PHASE_COUNT] = {0};
	hp_hop_times first = {.namelookup = 4000,
	                      .connect = 6000,
	                      .starttransfer = 16000,
	                      .total = 17000,
	                      .completed = true};
	hp_hop_times second = {.namelookup = 3000,
	                       .connect = 4000,
	                       .appconnect = 9000,
	                       .starttransfer = 19000,
	                       .total = 29000,
	                       .tls = true,
	                       .completed = true};
	hp_phases_add(ph, &first, true);
	hp_phases_add(ph, &second, false);
	assert_phases(ph, 4000, 2000 + 1000, 5000, 10000 + 10000, 1000 + 10000);
}

static void test_failures_stop_early(void **state)
{
	(void)state;
	/* Lookup failed: nothing happened. */
	int64_t ph[HP_PHASE_COUNT] = {0};
	hp_hop_times dns = {.total = 20000};
	hp_phases_add(ph, &dns, true);
	assert_phases(ph, 0, 0, 0, 0, 0);

	/* Refused: only the lookup. */
	hp_hop_times refused = {.namelookup = 1000, .total = 2000};
	hp_phases_add(ph, &refused, true);
	assert_phases(ph, 1000, 0, 0, 0, 0);

	/* Handshake failed: connect but no tls, processing or transfer. */
	int64_t ph2[HP_PHASE_COUNT] = {0};
	hp_hop_times handshake = {.namelookup = 1000, .connect = 3000, .total = 10000, .tls = true};
	hp_phases_add(ph2, &handshake, true);
	assert_phases(ph2, 1000, 2000, 0, 0, 0);

	/* Timed out while the body was arriving: no transfer phase. */
	int64_t ph3[HP_PHASE_COUNT] = {0};
	hp_hop_times slow = {
	    .namelookup = 1000, .connect = 2000, .starttransfer = 5000, .total = 1000000};
	hp_phases_add(ph3, &slow, true);
	assert_phases(ph3, 1000, 1000, 0, 3000, 0);
}

static void test_backward_timers_count_as_zero(void **state)
{
	(void)state;
	int64_t ph[HP_PHASE_COUNT] = {0};
	hp_hop_times t = {.namelookup = 5000,
	                  .connect = 4000,
	                  .starttransfer = 3000,
	                  .total = 2000,
	                  .completed = true};
	hp_phases_add(ph, &t, true);
	assert_phases(ph, 5000, 0, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_plain_http),
	    cmocka_unit_test(test_https),
	    cmocka_unit_test(test_redirect_chain_sums_but_resolves_once),
	    cmocka_unit_test(test_failures_stop_early),
	    cmocka_unit_test(test_backward_timers_count_as_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
