/* The http_probe plugin: descriptor and the init, collect, probe, shutdown that tie it together. */
#include "exporterd/plugin.h"
#include "hp_config.h"
#include "hp_metrics.h"
#include "hp_runner.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Time kept back from the deadline for turning results into metrics. */
#define HP_PUBLISH_MARGIN_SECONDS 0.1
/* During a long cycle, what has finished is published this often, so that one
 * slow target keeps none of the others off the page. */
#define HP_PUBLISH_EVERY_SECONDS 1.0

/* What init builds. collect owns everything but cfg, which /probe requests
 * read at the same time (and only read). */
typedef struct hp_state {
	hp_config cfg;
	hp_metrics metrics;
	hp_runner *runner;
	const char **urls;
	hp_result *results;
	hp_reason *last; /* the previous cycle's outcome per target, for the logs */
} hp_state;

static void hp_state_free(hp_state *st)
{
	if (!st)
		return;
	hp_runner_free(st->runner);
	hp_config_free(&st->cfg);
	free(st->urls);
	free(st->results);
	free(st->last);
	free(st);
}

static int hp_init(exporterd_instance *inst)
{
	hp_state *st = calloc(1, sizeof(*st));
	if (!st)
		return exporterd_error(inst, "out of memory");
	if (hp_config_load(inst, &st->cfg) != 0)
		goto fail;
	size_t n = st->cfg.ntargets;
	st->urls = calloc(n ? n : 1, sizeof(*st->urls));
	st->results = calloc(n ? n : 1, sizeof(*st->results));
	st->last = calloc(n ? n : 1, sizeof(*st->last));
	if (!st->urls || !st->results || !st->last) {
		exporterd_error(inst, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		st->urls[i] = st->cfg.targets[i].url;
	if (hp_metrics_init(&st->metrics, inst, &st->cfg, true) != 0)
		goto fail;
	char why[256];
	size_t slots = n < st->cfg.max_concurrency ? n : st->cfg.max_concurrency;
	st->runner = hp_runner_new(&st->cfg, slots, why, sizeof(why));
	if (!st->runner) {
		exporterd_error(inst, "%s", why);
		goto fail;
	}
	exporterd_set_data(inst, st);
	return 0;
fail:
	hp_state_free(st);
	return -1;
}

/* Logs a target's outcome when it changes; repeats of the same failure go to debug. */
static void hp_log_outcome(exporterd_instance *inst, const char *target, hp_reason before,
                           const hp_result *r)
{
	if (r->reason == HP_OK) {
		if (before != HP_OK)
			exporterd_log(inst, EXPORTERD_LOG_INFO, "target %s succeeds again", target);
		return;
	}
	exporterd_log(inst, before == r->reason ? EXPORTERD_LOG_DEBUG : EXPORTERD_LOG_WARN,
	              "target %s: probe failed (%s): %s", target, hp_reason_name(r->reason),
	              r->detail);
}

/* One collect cycle, as the runner reports its probes. */
typedef struct hp_cycle {
	hp_state *st;
	exporterd_instance *inst;
	double published; /* exporterd_now() of the last publish (or the cycle's start) */
	bool pending;     /* results in the families that are not published yet */
} hp_cycle;

static void hp_cycle_done(void *arg, size_t i, const hp_result *r)
{
	hp_cycle *c = arg;
	if (exporterd_stopping(c->inst))
		return;
	const char *target = c->st->cfg.targets[i].label;
	hp_log_outcome(c->inst, target, c->st->last[i], r);
	c->st->last[i] = r->reason;
	hp_metrics_update(&c->st->metrics, target, r);
	c->pending = true;
}

static void hp_cycle_tick(void *arg)
{
	hp_cycle *c = arg;
	double now = exporterd_now();
	if (c->pending && now - c->published >= HP_PUBLISH_EVERY_SECONDS) {
		exporterd_publish(c->inst);
		c->published = now;
		c->pending = false;
	}
}

static int hp_collect(exporterd_instance *inst)
{
	hp_state *st = exporterd_data(inst);
	hp_cycle cycle = {.st = st, .inst = inst, .published = exporterd_now()};
	hp_runner_hooks hooks = {.done = hp_cycle_done, .tick = hp_cycle_tick, .arg = &cycle};
	double deadline = exporterd_deadline(inst) - HP_PUBLISH_MARGIN_SECONDS;
	hp_runner_run(st->runner, inst, st->urls, st->results, st->cfg.ntargets, deadline, &hooks);
	if (exporterd_stopping(inst))
		return exporterd_error(inst, "stopping: probes abandoned");
	return 0; /* the host publishes the rest */
}

static int hp_probe(exporterd_instance *scratch, const char *target)
{
	const hp_state *st = exporterd_data(scratch);
	char why[256];
	char *url = hp_config_probe_url(target, why, sizeof(why));
	if (!url)
		return exporterd_error(scratch, "%s", why);
	hp_metrics metrics;
	hp_runner *runner = NULL;
	int rc = -1;
	if (hp_metrics_init(&metrics, scratch, &st->cfg, false) != 0)
		goto done;
	runner = hp_runner_new(&st->cfg, 1, why, sizeof(why));
	if (!runner) {
		exporterd_error(scratch, "%s", why);
		goto done;
	}
	hp_result result;
	const char *urls[] = {url};
	double deadline = exporterd_deadline(scratch) - HP_PUBLISH_MARGIN_SECONDS;
	hp_runner_run(runner, scratch, urls, &result, 1, deadline, NULL);
	if (result.reason != HP_OK)
		exporterd_log(scratch, EXPORTERD_LOG_DEBUG, "probe of %s failed (%s): %s", url,
		              hp_reason_name(result.reason), result.detail);
	hp_metrics_update(&metrics, NULL, &result);
	rc = 0;
done:
	hp_runner_free(runner);
	free(url);
	return rc;
}

static void hp_shutdown(exporterd_instance *inst)
{
	hp_state_free(exporterd_data(inst));
	exporterd_set_data(inst, NULL);
}

EXPORTERD_PLUGIN_DEFINE(.name = "http_probe",
                        .description = "HTTP checks of many targets at once, with "
                                       "blackbox_exporter's probe_* metrics",
                        .options = hp_config_options, .default_interval = "15s", .init = hp_init,
                        .collect = hp_collect, .probe = hp_probe, .shutdown = hp_shutdown);
