/* GET /probe: a scratch instance per request, the plugin's probe callback, and its page alone. */
#include "probe.h"

#include "instance.h"
#include "metric_store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_TEXT_TYPE "text/plain; charset=utf-8"
/* Longest module name or message quoted in a 400. */
#define PROBE_QUOTE_MAX 128

/* Scratch instances whose probe runs now, so that a stop can reach them. */
static pthread_mutex_t probe_live_mu = PTHREAD_MUTEX_INITIALIZER;
static exporterd_instance **probe_live;
static size_t probe_nlive;
static size_t probe_cap_live;

static int probe_live_add(exporterd_instance *scratch)
{
	pthread_mutex_lock(&probe_live_mu);
	int rc = 0;
	if (probe_nlive == probe_cap_live) {
		size_t cap = probe_cap_live ? probe_cap_live * 2 : 16;
		exporterd_instance **grown = realloc(probe_live, cap * sizeof(*grown));
		if (grown) {
			probe_live = grown;
			probe_cap_live = cap;
		} else {
			rc = -1;
		}
	}
	if (rc == 0)
		probe_live[probe_nlive++] = scratch;
	pthread_mutex_unlock(&probe_live_mu);
	return rc;
}

static void probe_live_remove(exporterd_instance *scratch)
{
	pthread_mutex_lock(&probe_live_mu);
	for (size_t i = 0; i < probe_nlive; i++) {
		if (probe_live[i] == scratch) {
			probe_live[i] = probe_live[--probe_nlive];
			break;
		}
	}
	if (probe_nlive == 0) {
		free(probe_live);
		probe_live = NULL;
		probe_cap_live = 0;
	}
	pthread_mutex_unlock(&probe_live_mu);
}

void probe_signal_stop(void)
{
	pthread_mutex_lock(&probe_live_mu);
	for (size_t i = 0; i < probe_nlive; i++)
		atomic_store(&probe_live[i]->stopping, 1);
	pthread_mutex_unlock(&probe_live_mu);
}

/* ---- Answers ---- */

/* A 400 or 500 with one line of text; user-supplied parts are quoted with
 * their control characters replaced, so the reason stays one line. */
static void probe_fail(probe_answer *out, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void probe_fail(probe_answer *out, unsigned status, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	out->status = status;
	out->content_type = PROBE_TEXT_TYPE;
	if (asprintf(&out->body, "%s\n", line) < 0) {
		out->body = NULL;
		out->len = 0;
		return;
	}
	out->len = strlen(out->body);
}

void probe_answer_free(probe_answer *answer)
{
	free(answer->body);
	answer->body = NULL;
	answer->len = 0;
}

/* ---- The scratch instance ---- */

/* True when the plugin was built with a probe callback and set it: ABI 1.1 or
 * later and a descriptor large enough to hold the field. */
static bool probe_supported(const exporterd_plugin_descriptor *d)
{
	return d->abi_minor >= 1 &&
	       d->size >= offsetof(exporterd_plugin_descriptor, probe) + sizeof(d->probe) &&
	       d->probe != NULL;
}

/* A fresh instance for one request: parent's name, plugin, options and data
 * by reference (never freed here), its own empty store and the request's
 * deadline. NULL when out of memory. Free with probe_scratch_free. */
static exporterd_instance *probe_scratch_new(const exporterd_instance *parent, double deadline)
{
	exporterd_instance *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->store = metric_store_new(parent->name, NULL);
	if (!s->store) {
		free(s);
		return NULL;
	}
	s->name = parent->name;
	s->plugin = parent->plugin;
	s->loaded = parent->loaded;
	s->options = parent->options;
	s->keys = parent->keys;
	s->interval = parent->interval;
	s->timeout = parent->timeout;
	s->data = parent->data;
	s->deadline = deadline;
	/* A stop signalled before this request began reaches it too. */
	atomic_init(&s->stopping, atomic_load(&((exporterd_instance *)parent)->stopping));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	return s;
}

/* Frees only what the scratch instance owns: its store and itself. */
static void probe_scratch_free(exporterd_instance *s)
{
	metric_store_free(s->store);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Renders the scratch instance's store alone into out (200), or a 500. */
static void probe_render(exporterd_instance *scratch, exposition_format format, probe_answer *out)
{
	char err[256];
	instance_snapshot *snap = metric_store_snapshot(scratch->store, err, sizeof(err));
	if (!snap) {
		probe_fail(out, 500, "cannot render the probe's metrics: %s", err);
		return;
	}
	char *names[] = {scratch->name};
	instance_snapshot *snaps[] = {snap};
	publish_board_view view = {
	    .generation = 0, .n = 1, .collectors = names, .snapshots = snaps};
	exposition_body *body = exposition_assemble(&view, format, NULL);
	instance_snapshot_unref(snap);
	if (!body) {
		probe_fail(out, 500, "out of memory");
		return;
	}
	size_t len = 0;
	const char *text = exposition_body_text(body, &len);
	out->body = malloc(len + 1);
	if (!out->body) {
		exposition_body_unref(body);
		probe_fail(out, 500, "out of memory");
		return;
	}
	memcpy(out->body, text, len);
	out->body[len] = '\0';
	out->len = len;
	out->status = 200;
	out->content_type = exposition_content_type(format);
	exposition_body_unref(body);
}

void probe_serve(host *h, const char *module, const char *target, double deadline,
                 exposition_format format, probe_answer *out)
{
	memset(out, 0, sizeof(*out));
	if (!module || !module[0])
		module = PROBE_DEFAULT_MODULE;
	if (!target || !target[0]) {
		probe_fail(out, 400, "missing target parameter");
		return;
	}
	void *set_ref = NULL;
	exporterd_instance *parent = host_acquire_instance(h, module, &set_ref);
	if (!parent) {
		probe_fail(out, 400, "unknown module \"%.*s\": no enabled instance has that name",
		           PROBE_QUOTE_MAX, module);
		return;
	}
	const exporterd_plugin_descriptor *desc = parent->loaded.desc;
	if (!probe_supported(desc)) {
		probe_fail(out, 400,
		           "module \"%.*s\" cannot probe: plugin %s has no probe callback",
		           PROBE_QUOTE_MAX, module, parent->plugin);
		host_release_instance(set_ref);
		return;
	}
	exporterd_instance *scratch = probe_scratch_new(parent, deadline);
	if (!scratch || probe_live_add(scratch) != 0) {
		if (scratch)
			probe_scratch_free(scratch);
		probe_fail(out, 500, "out of memory");
		host_release_instance(set_ref);
		return;
	}
	int rc = desc->probe(scratch, target);
	probe_live_remove(scratch);
	if (rc != 0)
		probe_fail(out, 400, "probe failed: %.*s", PROBE_QUOTE_MAX * 2,
		           scratch->error[0] ? scratch->error : "no reason given");
	else
		probe_render(scratch, format, out);
	probe_scratch_free(scratch);
	host_release_instance(set_ref);
}
