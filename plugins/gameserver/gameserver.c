/* The gameserver plugin: descriptor and the init, collect, shutdown that tie it together. */
#include "exporterd/plugin.h"
#include "gs_a2s.h"
#include "gs_config.h"
#include "gs_http.h"
#include "gs_metrics.h"
#include "gs_result.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Time kept back from the collect deadline for turning results into metrics. */
#define GS_PUBLISH_MARGIN_SECONDS 0.2

typedef struct gs_state {
	gs_config cfg;
	gs_metrics metrics;
	gs_http *http;
	gs_a2s *a2s;
	gs_result *results; /* this poll's, one per server */
	gs_outcome *last;   /* the previous poll's outcome per server, for the logs */
} gs_state;

static void gs_state_free(gs_state *st)
{
	if (!st)
		return;
	gs_http_free(st->http);
	gs_a2s_free(st->a2s);
	gs_config_free(&st->cfg);
	free(st->results);
	free(st->last);
	free(st);
}

/* One warning for every server without a key, saying how to give it one. */
static void gs_warn_missing_keys(exporterd_instance *inst, const gs_config *cfg)
{
	char labels[512] = "";
	size_t used = 0, missing = 0;
	const char *example = NULL;
	for (size_t i = 0; i < cfg->nservers; i++) {
		const gs_server *s = &cfg->servers[i];
		if (s->key && s->key[0])
			continue;
		if (!example)
			example = s->label;
		missing++;
		if (used < sizeof(labels))
			used += (size_t)snprintf(labels + used, sizeof(labels) - used, "%s%s",
			                         missing > 1 ? "," : "", s->label);
	}
	if (missing == 0)
		return;
	char upper[80];
	size_t k = 0;
	for (; example[k] && k + 1 < sizeof(upper); k++)
		upper[k] = (char)toupper((unsigned char)example[k]);
	upper[k] = '\0';
	exporterd_log(inst, EXPORTERD_LOG_WARN,
	              "no API key for server%s %s: %s gameserver_up 0 until one is set as "
	              "server = <label>:<key> in [%s] (exporter.ini reads the keys from the "
	              "environment, e.g. ${UNTURNED_KEY_%s})",
	              missing > 1 ? "s" : "", labels, missing > 1 ? "they report" : "it reports",
	              exporterd_instance_name(inst), upper);
}

static int gs_init(exporterd_instance *inst)
{
	gs_state *st = calloc(1, sizeof(*st));
	if (!st)
		return exporterd_error(inst, "out of memory");
	if (gs_config_load(inst, &st->cfg) != 0)
		goto fail;
	st->results = calloc(st->cfg.nservers, sizeof(*st->results));
	st->last = calloc(st->cfg.nservers, sizeof(*st->last));
	if (!st->results || !st->last) {
		exporterd_error(inst, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < st->cfg.nservers; i++)
		st->last[i] = GS_NOT_POLLED;
	if (gs_metrics_init(&st->metrics, inst, &st->cfg) != 0)
		goto fail;
	if (st->cfg.source == GS_SOURCE_A2S)
		st->a2s = gs_a2s_new(inst, &st->cfg);
	else
		st->http = gs_http_new(inst, &st->cfg);
	if (!st->a2s && !st->http)
		goto fail;
	if (st->cfg.source == GS_SOURCE_SERVERS_NET)
		gs_warn_missing_keys(inst, &st->cfg);
	exporterd_set_data(inst, st);
	return 0;
fail:
	gs_state_free(st);
	return -1;
}

/* Logs a server's outcome when it changes; repeats of the same failure go to debug. */
static void gs_log_outcome(exporterd_instance *inst, const gs_server *srv, gs_outcome before,
                           const gs_result *r)
{
	const char *reason = gs_outcome_reason(r->outcome);
	if (r->outcome == GS_OK) {
		if (before != GS_OK && before != GS_NOT_POLLED)
			exporterd_log(inst, EXPORTERD_LOG_INFO, "server %s answers again",
			              srv->label);
		return;
	}
	if (!reason)
		return;
	exporterd_log(inst, before == r->outcome ? EXPORTERD_LOG_DEBUG : EXPORTERD_LOG_WARN,
	              "server %s: poll failed (%s): %s", srv->label, reason, r->detail);
}

static double gs_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Turns every final, not yet reported result into metrics. Returns how many. */
static size_t gs_report_results(gs_state *st, exporterd_instance *inst, bool all)
{
	double wall = gs_wall_now();
	size_t n = 0;
	for (size_t i = 0; i < st->cfg.nservers; i++) {
		gs_result *r = &st->results[i];
		if (r->reported || (!all && !r->final))
			continue;
		const gs_server *srv = &st->cfg.servers[i];
		gs_log_outcome(inst, srv, st->last[i], r);
		st->last[i] = r->outcome;
		gs_metrics_update(&st->metrics, srv, r, wall);
		r->reported = 1;
		n++;
	}
	return n;
}

typedef struct gs_collect_ctx {
	gs_state *st;
	exporterd_instance *inst;
} gs_collect_ctx;

/* Publishes servers as they answer: a stalled one delays none of the others. */
static void gs_report_progress(void *arg)
{
	gs_collect_ctx *ctx = arg;
	if (gs_report_results(ctx->st, ctx->inst, false) > 0)
		exporterd_publish(ctx->inst);
}

static int gs_collect(exporterd_instance *inst)
{
	gs_state *st = exporterd_data(inst);
	for (size_t i = 0; i < st->cfg.nservers; i++)
		gs_result_reset(&st->results[i]);

	double deadline = exporterd_now() + st->cfg.poll_timeout;
	double host_deadline = exporterd_deadline(inst) - GS_PUBLISH_MARGIN_SECONDS;
	if (host_deadline < deadline)
		deadline = host_deadline;
	gs_collect_ctx ctx = {.st = st, .inst = inst};
	gs_progress progress = {.report = gs_report_progress, .ctx = &ctx};
	if (st->a2s)
		gs_a2s_poll(st->a2s, inst, st->results, deadline, &progress);
	else
		gs_http_poll(st->http, inst, st->results, deadline, &progress);
	if (exporterd_stopping(inst))
		return exporterd_error(inst, "stopping: polls abandoned");

	/* The rest: timeouts, and servers with nothing to poll with. */
	gs_report_results(st, inst, true);
	return 0;
}

static void gs_shutdown(exporterd_instance *inst)
{
	gs_state_free(exporterd_data(inst));
	exporterd_set_data(inst, NULL);
}

EXPORTERD_PLUGIN_DEFINE(.name = "gameserver",
                        .description = "Players online per game server, from the servers.net "
                                       "listing API or Steam A2S_INFO",
                        .options = gs_config_options, .default_interval = "60s", .init = gs_init,
                        .collect = gs_collect, .shutdown = gs_shutdown);
