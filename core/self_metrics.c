/* The host's own metrics (exporterd_*), kept in a metric store like a plugin's and published on
 * change. */
#include "self_metrics.h"

#include "log.h"
#include "metric_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct self_metrics {
	pthread_mutex_t mu; /* the store is single-threaded; workers update it concurrently */
	publish_board *board;
	metric_store *store;
	exporterd_family *success;
	exporterd_family *duration;
	exporterd_family *last_success;
	exporterd_family *reload_ok;
	exporterd_family *reload_time;
};

static exporterd_family *self_family(self_metrics *self, metric_kind kind, const char *name,
                                     const char *help, const char *labels, const char *info_labels,
                                     char *err, size_t errlen)
{
	family_options opts = {.info_labels = info_labels, .allow_reserved = 1};
	return metric_store_family_new(self->store, kind, name, help, labels, &opts, err, errlen);
}

/* Renders and publishes the store. Caller holds self->mu. */
static void self_publish(self_metrics *self)
{
	char err[256];
	instance_snapshot *snap = metric_store_snapshot(self->store, err, sizeof(err));
	if (!snap) {
		log_error("cannot render the host's own metrics: %s", err);
		return;
	}
	publish_board_set(self->board, SELF_METRICS_COLLECTOR, snap);
	instance_snapshot_unref(snap);
}

self_metrics *self_metrics_new(publish_board *board, char *err, size_t errlen)
{
	self_metrics *self = calloc(1, sizeof(*self));
	if (!self) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&self->mu, NULL);
	self->board = board;
	self->store = metric_store_new(SELF_METRICS_COLLECTOR, NULL);
	if (!self->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	exporterd_family *build =
	    self_family(self, METRIC_INFO, "exporterd_build", "Build of this exporterd.", NULL,
	                "version,revision,abi", err, errlen);
	self->success = self_family(self, METRIC_GAUGE, "exporterd_collector_success",
	                            "1 if the last collect of the collector succeeded, else 0.",
	                            "collector", NULL, err, errlen);
	self->duration = self_family(self, METRIC_GAUGE, "exporterd_collector_duration_seconds",
	                             "Duration of the last collect of the collector.", "collector",
	                             NULL, err, errlen);
	self->last_success =
	    self_family(self, METRIC_GAUGE, "exporterd_collector_last_success_timestamp_seconds",
	                "Unix time of the last successful collect of the collector.", "collector",
	                NULL, err, errlen);
	self->reload_ok = self_family(self, METRIC_GAUGE, "exporterd_config_last_reload_successful",
	                              "1 if the last configuration (re)load succeeded, else 0.",
	                              NULL, NULL, err, errlen);
	self->reload_time = self_family(
	    self, METRIC_GAUGE, "exporterd_config_last_reload_success_timestamp_seconds",
	    "Unix time of the last successful configuration (re)load.", NULL, NULL, err, errlen);
	if (!build || !self->success || !self->duration || !self->last_success ||
	    !self->reload_ok || !self->reload_time)
		goto fail;

	char abi[32];
	snprintf(abi, sizeof(abi), "%d.%d", EXPORTERD_ABI_MAJOR, EXPORTERD_ABI_MINOR);
	const char *build_values[] = {EXPORTERD_VERSION, EXPORTERD_REVISION, abi};
	exporterd_info_set(exporterd_child_get(build, NULL), build_values);

	pthread_mutex_lock(&self->mu);
	self_publish(self);
	pthread_mutex_unlock(&self->mu);
	return self;
fail:
	self_metrics_free(self);
	return NULL;
}

void self_metrics_free(self_metrics *self)
{
	if (!self)
		return;
	metric_store_free(self->store);
	pthread_mutex_destroy(&self->mu);
	free(self);
}

void self_metrics_collector_update(self_metrics *self, const instance_status *st)
{
	const char *labels[] = {st->name};
	pthread_mutex_lock(&self->mu);
	exporterd_gauge_set(exporterd_child_get(self->success, labels), st->success ? 1 : 0);
	exporterd_gauge_set(exporterd_child_get(self->duration, labels), st->last_duration);
	/* Absent until the first success: a 0 timestamp would read as 1970 in alerts. */
	if (st->last_success_time > 0)
		exporterd_gauge_set(exporterd_child_get(self->last_success, labels),
		                    st->last_success_time);
	self_publish(self);
	pthread_mutex_unlock(&self->mu);
}

void self_metrics_collector_remove(self_metrics *self, const char *collector)
{
	const char *labels[] = {collector};
	pthread_mutex_lock(&self->mu);
	exporterd_child_remove(self->success, labels);
	exporterd_child_remove(self->duration, labels);
	exporterd_child_remove(self->last_success, labels);
	self_publish(self);
	pthread_mutex_unlock(&self->mu);
}

void self_metrics_reload(self_metrics *self, bool success, double when)
{
	pthread_mutex_lock(&self->mu);
	exporterd_gauge_set(exporterd_child_get(self->reload_ok, NULL), success ? 1 : 0);
	if (success)
		exporterd_gauge_set(exporterd_child_get(self->reload_time, NULL), when);
	self_publish(self);
	pthread_mutex_unlock(&self->mu);
}
