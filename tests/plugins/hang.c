/* Test-only plugin: publishes for hang_after collects, then blocks in collect for an hour. */
#include <exporterd/plugin.h>

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/*
 * A truly hung plugin: once it hangs it ignores exporterd_stopping() and its
 * deadline, so the host must answer scrapes and stop without it.
 */

typedef struct hang {
	int64_t hang_after;
	int64_t collects;
	exporterd_family *collects_total;
	exporterd_family *alive;
} hang;

static const exporterd_option hang_options[] = {
    {"hang_after", EXPORTERD_OPT_INT, "0", "collects that succeed before collect blocks", 0},
    {NULL, 0, NULL, NULL, 0},
};

static int hang_init(exporterd_instance *inst)
{
	hang *h = calloc(1, sizeof(*h));
	if (!h)
		return exporterd_error(inst, "out of memory");
	h->hang_after = exporterd_option_int(inst, "hang_after", 0);
	h->collects_total =
	    exporterd_counter_new(inst, "hang_collects", "Collects that returned.", NULL);
	h->alive = exporterd_gauge_new(inst, "hang_alive", "1 while collects still return.", NULL);
	if (!h->collects_total || !h->alive) {
		free(h);
		return -1;
	}
	exporterd_set_data(inst, h);
	return 0;
}

static int hang_collect(exporterd_instance *inst)
{
	hang *h = exporterd_data(inst);
	if (h->collects >= h->hang_after) {
		for (int i = 0; i < 3600 * 10; i++) {
			struct timespec tenth = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
			nanosleep(&tenth, NULL);
		}
		return exporterd_error(inst, "woke up after an hour");
	}
	h->collects++;
	exporterd_child *c = exporterd_child_with(h->collects_total);
	exporterd_child *a = exporterd_child_with(h->alive);
	if (!c || !a)
		return exporterd_error(inst, "out of memory");
	exporterd_counter_inc(c, 1);
	exporterd_gauge_set(a, 1);
	return 0;
}

static void hang_shutdown(exporterd_instance *inst)
{
	free(exporterd_data(inst));
}

EXPORTERD_PLUGIN_DEFINE(.name = "hang", .description = "Test plugin whose collect hangs",
                        .options = hang_options, .default_interval = "1s", .init = hang_init,
                        .collect = hang_collect, .shutdown = hang_shutdown);
