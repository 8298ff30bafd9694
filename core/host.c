/* The running exporter: builds instance sets from the config, swaps them on reload, serves their
 * status. */
#include "host.h"

#include "duration.h"
#include "instance.h"
#include "log.h"
#include "scheduler.h"
#include "self_metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The instances built from one configuration file. Scrapes hold a reference
 * while they use it, so a reload can swap sets under them. */
typedef struct instance_set {
	atomic_int refs;
	config cfg;
	family_registry *registry;
	exporterd_instance **items; /* enabled instances, in file order */
	size_t n;
} instance_set;

struct host {
	pthread_mutex_t mu; /* guards `current` */
	instance_set *current;
	publish_board *board;
	self_metrics *self;
	scheduler_sink sink;
	exporter_settings settings; /* from the first load; fixed while running */
	bool loaded;
};

static double host_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The `enabled` host key, read before the plugin loads: a disabled section's
 * plugin is never opened. A value that is not a boolean counts as enabled so
 * that options_bind reports it with its line. */
static bool host_section_enabled(const config_section *sec)
{
	for (size_t i = 0; i < sec->nentries; i++) {
		if (strcmp(sec->entries[i].key, "enabled") != 0)
			continue;
		const char *v = sec->entries[i].value;
		return !(strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
		         strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0);
	}
	return true;
}

/* Frees a set whose workers are stopped. Instances whose worker could not be
 * joined (a hung collect) are left allocated: their thread still uses them. */
static void host_set_free(instance_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		exporterd_instance *inst = set->items[i];
		if (!inst)
			continue;
		if (!inst->thread_started)
			instance_free(inst);
		else
			pthread_detach(inst->thread); /* its stack goes when the collect returns */
	}
	free(set->items);
	family_registry_free(set->registry);
	config_free(&set->cfg);
	free(set);
}

static instance_set *host_set_acquire(host *h)
{
	pthread_mutex_lock(&h->mu);
	instance_set *set = h->current;
	if (set)
		atomic_fetch_add(&set->refs, 1);
	pthread_mutex_unlock(&h->mu);
	return set;
}

static void host_set_release(instance_set *set)
{
	if (set && atomic_fetch_sub(&set->refs, 1) == 1)
		host_set_free(set);
}

/* Builds and inits every enabled instance of cfg (taking cfg over). */
static instance_set *host_set_build(config *cfg, char *err, size_t errlen)
{
	instance_set *set = calloc(1, sizeof(*set));
	if (!set) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return NULL;
	}
	atomic_init(&set->refs, 1);
	set->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	set->registry = family_registry_new();
	set->items = calloc(set->cfg.nsections ? set->cfg.nsections : 1, sizeof(*set->items));
	if (!set->registry || !set->items) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < set->cfg.nsections; i++) {
		const config_section *sec = &set->cfg.sections[i];
		if (!host_section_enabled(sec))
			continue;
		exporterd_instance *inst = instance_new(&set->cfg, sec, set->registry, err, errlen);
		if (!inst)
			goto fail;
		set->items[set->n++] = inst;
		if (!inst->keys.enabled) {
			/* options_bind read a false spelling host_section_enabled missed. */
			instance_free(inst);
			set->items[--set->n] = NULL;
			continue;
		}
		char why[768];
		if (instance_init(inst, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", set->cfg.path, sec->line, why);
			goto fail;
		}
	}
	return set;
fail:
	host_set_free(set);
	return NULL;
}

static int host_set_start(host *h, instance_set *set, char *err, size_t errlen)
{
	for (size_t i = 0; i < set->n; i++) {
		if (scheduler_start(set->items[i], &h->sink, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Stops the set's workers, waiting until deadline; shutdown runs in host_set_free. */
static void host_set_stop(instance_set *set, double deadline)
{
	for (size_t i = 0; i < set->n; i++)
		scheduler_signal_stop(set->items[i]);
	for (size_t i = 0; i < set->n; i++) {
		if (!scheduler_join(set->items[i], deadline))
			log_write(EXPORTERD_LOG_WARN, set->items[i]->name,
			          "collect still running at stop; its plugin is not shut down");
	}
}

static bool host_set_has(const instance_set *set, const char *name)
{
	for (size_t i = 0; set && i < set->n; i++) {
		if (strcmp(set->items[i]->name, name) == 0)
			return true;
	}
	return false;
}

host *host_new(char *err, size_t errlen)
{
	host *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	h->board = publish_board_new();
	if (!h->board) {
		snprintf(err, errlen, "out of memory");
		host_free(h);
		return NULL;
	}
	h->self = self_metrics_new(h->board, err, errlen);
	if (!h->self) {
		host_free(h);
		return NULL;
	}
	h->sink.board = h->board;
	h->sink.self = h->self;
	return h;
}

static int host_copy_settings(exporter_settings *dst, const exporter_settings *src)
{
	*dst = *src;
	dst->listen = strdup(src->listen);
	dst->metrics_path = strdup(src->metrics_path);
	dst->plugin_dir = strdup(src->plugin_dir);
	return dst->listen && dst->metrics_path && dst->plugin_dir ? 0 : -1;
}

int host_load(host *h, config *cfg, host_mode mode, char *err, size_t errlen)
{
	if (host_copy_settings(&h->settings, &cfg->exporter) != 0) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return -1;
	}
	h->loaded = true;
	instance_set *set = host_set_build(cfg, err, errlen);
	if (!set)
		return -1;
	if (mode == HOST_ONCE) {
		for (size_t i = 0; i < set->n; i++)
			set->items[i]->interval = 0;
	}
	pthread_mutex_lock(&h->mu);
	h->current = set;
	pthread_mutex_unlock(&h->mu);
	if (mode != HOST_CHECK && host_set_start(h, set, err, errlen) != 0)
		return -1;
	self_metrics_reload(h->self, true, host_wall_now());
	return 0;
}

/* Settings a reload cannot change: the listening socket and the paths served. */
static void host_warn_fixed_settings(const host *h, const exporter_settings *next)
{
	if (strcmp(h->settings.listen, next->listen) != 0 ||
	    strcmp(h->settings.metrics_path, next->metrics_path) != 0)
		log_warn("listen and metrics_path changes take effect after a restart");
}

int host_reload(host *h, const char *path, char *err, size_t errlen)
{
	config cfg;
	if (config_load(path, &cfg, err, errlen) != 0) {
		config_free(&cfg);
		self_metrics_reload(h->self, false, 0);
		return -1;
	}
	host_warn_fixed_settings(h, &cfg.exporter);
	log_set_level(cfg.exporter.log_level);
	/* plugin_dir is part of how instances load, so it does follow the file. */
	instance_set *next = host_set_build(&cfg, err, errlen);
	if (!next) {
		self_metrics_reload(h->self, false, 0);
		return -1;
	}

	pthread_mutex_lock(&h->mu);
	instance_set *old = h->current;
	pthread_mutex_unlock(&h->mu);

	/* The old set stops before the new one starts so that no two instances of
	 * one name ever publish at once. */
	if (old)
		host_set_stop(old, exporterd_now() + 2.0);
	if (host_set_start(h, next, err, errlen) != 0) {
		/* Threads could not start: keep what runs of next, it is the best there is. */
		log_error("%s", err);
	}
	pthread_mutex_lock(&h->mu);
	h->current = next;
	pthread_mutex_unlock(&h->mu);

	for (size_t i = 0; old && i < old->n; i++) {
		const char *name = old->items[i]->name;
		if (!host_set_has(next, name)) {
			publish_board_remove(h->board, name);
			self_metrics_collector_remove(h->self, name);
		}
	}
	host_set_release(old);
	self_metrics_reload(h->self, true, host_wall_now());
	return 0;
}

size_t host_statuses(host *h, instance_status **out)
{
	*out = NULL;
	instance_set *set = host_set_acquire(h);
	if (!set)
		return 0;
	size_t n = set->n;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		n = 0;
	for (size_t i = 0; i < n; i++)
		scheduler_status(set->items[i], &(*out)[i]);
	host_set_release(set);
	return n;
}

exporterd_instance *host_acquire_instance(host *h, const char *name, void **set_ref)
{
	*set_ref = NULL;
	instance_set *set = host_set_acquire(h);
	for (size_t i = 0; set && i < set->n; i++) {
		if (strcmp(set->items[i]->name, name) == 0) {
			*set_ref = set;
			return set->items[i];
		}
	}
	host_set_release(set);
	return NULL;
}

void host_release_instance(void *set_ref)
{
	host_set_release(set_ref);
}

bool host_ready(host *h)
{
	instance_set *set = host_set_acquire(h);
	bool ready = set != NULL;
	for (size_t i = 0; ready && i < set->n; i++) {
		instance_status st;
		scheduler_status(set->items[i], &st);
		ready = st.collected;
	}
	host_set_release(set);
	return ready;
}

bool host_all_succeeded(host *h)
{
	instance_status *st;
	size_t n = host_statuses(h, &st);
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok = ok && st[i].collected && st[i].success;
	free(st);
	return ok;
}

publish_board *host_board(host *h)
{
	return h->board;
}

const exporter_settings *host_settings(host *h)
{
	return &h->settings;
}

static bool host_filter_selects(const scrape_filter *filter, const char *name)
{
	if (!filter || filter->ncollectors == 0)
		return true;
	for (size_t i = 0; i < filter->ncollectors; i++) {
		if (strcmp(filter->collectors[i], name) == 0)
			return true;
	}
	return false;
}

void host_collect_on_scrape(host *h, double deadline, const scrape_filter *filter)
{
	instance_set *set = host_set_acquire(h);
	if (!set)
		return;
	uint64_t stack_tickets[16];
	uint64_t *tickets = set->n <= 16 ? stack_tickets : calloc(set->n, sizeof(*tickets));
	if (tickets) {
		/* Ask all first so that they collect in parallel, then wait for each. */
		for (size_t i = 0; i < set->n; i++) {
			exporterd_instance *inst = set->items[i];
			tickets[i] = inst->interval == 0 && host_filter_selects(filter, inst->name)
			                 ? scheduler_request(inst)
			                 : 0;
		}
		for (size_t i = 0; i < set->n; i++) {
			if (tickets[i])
				scheduler_wait(set->items[i], tickets[i], deadline, &h->sink);
		}
		if (tickets != stack_tickets)
			free(tickets);
	}
	double now = exporterd_now();
	for (size_t i = 0; i < set->n; i++)
		scheduler_check_overrun(set->items[i], now, &h->sink);
	host_set_release(set);
}

void host_check_overruns(host *h)
{
	instance_set *set = host_set_acquire(h);
	if (!set)
		return;
	double now = exporterd_now();
	for (size_t i = 0; i < set->n; i++)
		scheduler_check_overrun(set->items[i], now, &h->sink);
	host_set_release(set);
}

/* Appends printf output to a growing string; returns -1 when out of memory. */
static int host_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    EXPORTERD_PRINTF(4, 5);
static int host_appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return 0;
		}
		size_t want = (*cap ? *cap * 2 : 256) + (size_t)n;
		char *grown = realloc(*buf, want);
		if (!grown)
			return -1;
		*buf = grown;
		*cap = want;
	}
}

char *host_describe(host *h)
{
	instance_set *set = host_set_acquire(h);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	host_appendf(&buf, &len, &cap, "%s", "");
	for (size_t i = 0; set && i < set->cfg.nsections; i++) {
		const config_section *sec = &set->cfg.sections[i];
		exporterd_instance *inst = NULL;
		for (size_t j = 0; j < set->n; j++) {
			if (strcmp(set->items[j]->name, sec->name) == 0)
				inst = set->items[j];
		}
		if (!inst) {
			host_appendf(&buf, &len, &cap, "%s disabled\n", sec->name);
			continue;
		}
		char interval[32] = "on-scrape", timeout[32];
		if (inst->interval > 0)
			duration_format(inst->interval, interval, sizeof(interval));
		duration_format(inst->timeout, timeout, sizeof(timeout));
		host_appendf(&buf, &len, &cap, "%s ok plugin=%s interval=%s timeout=%s\n",
		             inst->name, inst->plugin, interval, timeout);
	}
	host_set_release(set);
	return buf;
}

void host_signal_stop(host *h)
{
	instance_set *set = host_set_acquire(h);
	for (size_t i = 0; set && i < set->n; i++)
		scheduler_signal_stop(set->items[i]);
	host_set_release(set);
}

void host_stop(host *h, double deadline)
{
	pthread_mutex_lock(&h->mu);
	instance_set *set = h->current;
	h->current = NULL;
	pthread_mutex_unlock(&h->mu);
	if (!set)
		return;
	host_set_stop(set, deadline);
	host_set_release(set);
}

void host_free(host *h)
{
	if (!h)
		return;
	host_stop(h, exporterd_now());
	self_metrics_free(h->self);
	publish_board_free(h->board);
	if (h->loaded) {
		free(h->settings.listen);
		free(h->settings.metrics_path);
		free(h->settings.plugin_dir);
	}
	pthread_mutex_destroy(&h->mu);
	free(h);
}
