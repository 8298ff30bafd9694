/* Benchmark-only plugin: many families of labelled gauges, optionally changing on every collect. */
#include <exporterd/plugin.h>

#include <stdio.h>
#include <stdlib.h>

/* Keeps a mistyped option from asking for more memory than a benchmark machine has. */
#define BENCH_SERIES_MAX_TOTAL 10000000

/* Web-style dimensions: a fixed pool of instances and one path per series. */
#define BENCH_SERIES_INSTANCES 64

typedef struct bench_series_state {
	int64_t families;
	int64_t series;
	int change;
	uint64_t round;             /* collects done so far */
	exporterd_child **children; /* families * series handles, owned by the host */
} bench_series_state;

static const exporterd_option bench_series_options[] = {
    {"families", EXPORTERD_OPT_INT, "100", "number of gauge families", 0},
    {"series", EXPORTERD_OPT_INT, "1000", "labelled series per family", 0},
    {"change", EXPORTERD_OPT_BOOL, "false", "change every value on every collect", 0},
    {NULL, 0, NULL, NULL, 0},
};

/* A value that looks like a measurement (two decimals, spread over 0 .. 9999.99)
 * and differs for every series and round, so no two renders are identical. */
static double bench_series_value(uint64_t index, uint64_t round)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull + round * 0xbf58476d1ce4e5b9ull;
	x ^= x >> 31;
	return (double)(x % 1000000u) / 100.0;
}

static void bench_series_fill(bench_series_state *st)
{
	uint64_t total = (uint64_t)st->families * (uint64_t)st->series;
	for (uint64_t i = 0; i < total; i++)
		exporterd_gauge_set(st->children[i], bench_series_value(i, st->round));
	st->round++;
}

/* Also undoes a half-done init, so it is safe to call twice. */
static void bench_series_shutdown(exporterd_instance *inst)
{
	bench_series_state *st = exporterd_data(inst);
	if (!st)
		return;
	free(st->children);
	free(st);
	exporterd_set_data(inst, NULL);
}

static int bench_series_init(exporterd_instance *inst)
{
	int64_t families = exporterd_option_int(inst, "families", 0);
	int64_t series = exporterd_option_int(inst, "series", 0);
	if (families < 1 || series < 1)
		return exporterd_error(inst, "families and series must be at least 1");
	if (families > BENCH_SERIES_MAX_TOTAL / series)
		return exporterd_error(inst, "families * series must not exceed %d",
		                       BENCH_SERIES_MAX_TOTAL);

	bench_series_state *st = calloc(1, sizeof(*st));
	if (!st)
		return exporterd_error(inst, "out of memory");
	st->families = families;
	st->series = series;
	st->change = exporterd_option_bool(inst, "change", 0);
	st->children = calloc((size_t)(families * series), sizeof(*st->children));
	if (!st->children) {
		free(st);
		return exporterd_error(inst, "out of memory for %lld series",
		                       (long long)(families * series));
	}
	exporterd_set_data(inst, st);

	for (int64_t f = 0; f < families; f++) {
		char name[64];
		char help[96];
		snprintf(name, sizeof(name), "bench_series_%lld", (long long)f);
		snprintf(help, sizeof(help), "Synthetic gauge family %lld of the benchmark.",
		         (long long)f);
		exporterd_family *fam = exporterd_gauge_new(inst, name, help, "instance,path");
		if (!fam) {
			bench_series_shutdown(inst); /* exporterd_gauge_new said why */
			return -1;
		}
		for (int64_t s = 0; s < series; s++) {
			char instance[32];
			char path[48];
			snprintf(instance, sizeof(instance), "web-%02lld",
			         (long long)(s % BENCH_SERIES_INSTANCES));
			snprintf(path, sizeof(path), "/item/%lld", (long long)s);
			const char *values[] = {instance, path};
			exporterd_child *c = exporterd_child_get(fam, values);
			if (!c) {
				bench_series_shutdown(inst);
				return exporterd_error(inst, "out of memory creating series");
			}
			st->children[f * series + s] = c;
		}
	}
	bench_series_fill(st);
	return 0;
}

static int bench_series_collect(exporterd_instance *inst)
{
	bench_series_state *st = exporterd_data(inst);
	if (st->change)
		bench_series_fill(st);
	return 0;
}

EXPORTERD_PLUGIN_DEFINE(.name = "bench_series",
                        .description = "Benchmark load: families x series labelled gauges",
                        .options = bench_series_options, .default_interval = "1h",
                        .init = bench_series_init, .collect = bench_series_collect,
                        .shutdown = bench_series_shutdown);
