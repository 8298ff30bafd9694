/* Test-only plugin: each collect takes `delay`, and counts itself. */
#include <exporterd/plugin.h>

#include <stdlib.h>
#include <time.h>

typedef struct slow {
	double delay;
	exporterd_family *collects_total;
	exporterd_family *delay_seconds;
} slow;

static const exporterd_option slow_options[] = {
    {"delay", EXPORTERD_OPT_DURATION, "1s", "how long each collect sleeps", 0},
    {NULL, 0, NULL, NULL, 0},
};

static int slow_init(exporterd_instance *inst)
{
	slow *s = calloc(1, sizeof(*s));
	if (!s)
		return exporterd_error(inst, "out of memory");
	s->delay = exporterd_option_duration(inst, "delay", 0);
	s->collects_total =
	    exporterd_counter_new(inst, "slow_collects", "Collects that finished.", NULL);
	s->delay_seconds =
	    exporterd_gauge_new(inst, "slow_delay_seconds", "The configured delay.", NULL);
	if (!s->collects_total || !s->delay_seconds) {
		free(s);
		return -1;
	}
	exporterd_set_data(inst, s);
	return 0;
}

static int slow_collect(exporterd_instance *inst)
{
	slow *s = exporterd_data(inst);
	/* Sleeps in small steps so that a stopping host is not kept waiting. */
	double until = exporterd_now() + s->delay;
	while (!exporterd_stopping(inst)) {
		double left = until - exporterd_now();
		if (left <= 0)
			break;
		if (left > 0.01)
			left = 0.01;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(left * 1e9)};
		nanosleep(&ts, NULL);
	}
	exporterd_child *c = exporterd_child_with(s->collects_total);
	exporterd_child *d = exporterd_child_with(s->delay_seconds);
	if (!c || !d)
		return exporterd_error(inst, "out of memory");
	exporterd_counter_inc(c, 1);
	exporterd_gauge_set(d, s->delay);
	return 0;
}

static void slow_shutdown(exporterd_instance *inst)
{
	free(exporterd_data(inst));
}

EXPORTERD_PLUGIN_DEFINE(.name = "slow", .description = "Test plugin with a slow collect",
                        .options = slow_options, .default_interval = "0", .init = slow_init,
                        .collect = slow_collect, .shutdown = slow_shutdown);
