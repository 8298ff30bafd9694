/* Instances of plugins and the host services plugins call on them (options, errors, logs, clock).
 */
#include "instance.h"

#include "duration.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

exporterd_instance *instance_new(const config *cfg, const config_section *sec, family_registry *reg,
                                 char *err, size_t errlen)
{
	exporterd_instance *inst = calloc(1, sizeof(*inst));
	if (!inst) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	inst->name = strdup(sec->name);
	inst->plugin = strdup(sec->plugin);
	pthread_mutex_init(&inst->mu, NULL);
	pthread_cond_init(&inst->cond, NULL);
	if (!inst->name || !inst->plugin) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	char why[768];
	if (loader_open(cfg->exporter.plugin_dir, sec->plugin, &inst->loaded, why, sizeof(why)) !=
	    0) {
		snprintf(err, errlen, "%s:%d: [%s] %s", cfg->path, sec->line, sec->name, why);
		goto fail;
	}
	const exporterd_plugin_descriptor *d = inst->loaded.desc;
	if (options_bind(d->options, sec, cfg->path, &inst->keys, &inst->options, err, errlen) != 0)
		goto fail;

	double plugin_interval = 60;
	if (d->default_interval && duration_parse(d->default_interval, &plugin_interval) != 0) {
		snprintf(err, errlen, "plugin %s: bad default_interval \"%s\"", d->name,
		         d->default_interval);
		goto fail;
	}
	inst->interval = inst->keys.interval >= 0 ? inst->keys.interval : plugin_interval;
	if (inst->keys.timeout > 0)
		inst->timeout = inst->keys.timeout;
	else if (inst->interval > 0 && inst->interval < cfg->exporter.scrape_timeout)
		inst->timeout = inst->interval;
	else
		inst->timeout = cfg->exporter.scrape_timeout;

	inst->store = metric_store_new(inst->name, reg);
	if (!inst->store) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	instance_status *st = &inst->status;
	snprintf(st->name, sizeof(st->name), "%s", inst->name);
	snprintf(st->plugin, sizeof(st->plugin), "%s", inst->plugin);
	st->interval = inst->interval;
	st->timeout = inst->timeout;
	return inst;
fail:
	instance_free(inst);
	return NULL;
}

int instance_init(exporterd_instance *inst, char *err, size_t errlen)
{
	inst->error[0] = '\0';
	if (inst->loaded.desc->init(inst) != 0) {
		snprintf(err, errlen, "[%s] plugin init failed: %s", inst->name,
		         inst->error[0] ? inst->error : "no reason given");
		return -1;
	}
	inst->initialized = true;
	return 0;
}

void instance_free(exporterd_instance *inst)
{
	if (!inst)
		return;
	if (inst->initialized && inst->loaded.desc->shutdown)
		inst->loaded.desc->shutdown(inst);
	metric_store_free(inst->store);
	options_free(&inst->options);
	/* Closing after the store: the store holds no pointers into the plugin, but
	 * shutdown above may still have run plugin code. */
	loader_close(&inst->loaded);
	pthread_cond_destroy(&inst->cond);
	pthread_mutex_destroy(&inst->mu);
	free(inst->name);
	free(inst->plugin);
	free(inst);
}

metric_store *instance_metric_store(exporterd_instance *inst)
{
	return inst->store;
}

/* ---- Services of include/exporterd/plugin.h ---- */

EXPORTERD_API const char *exporterd_instance_name(const exporterd_instance *inst)
{
	return inst->name;
}

EXPORTERD_API void exporterd_set_data(exporterd_instance *inst, void *data)
{
	inst->data = data;
}

EXPORTERD_API void *exporterd_data(const exporterd_instance *inst)
{
	return inst->data;
}

EXPORTERD_API int exporterd_error(exporterd_instance *inst, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(inst->error, sizeof(inst->error), fmt, ap);
	va_end(ap);
	return -1;
}

EXPORTERD_API void exporterd_log(exporterd_instance *inst, exporterd_log_level level,
                                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_writev(level, inst ? inst->name : NULL, fmt, ap);
	va_end(ap);
}

EXPORTERD_API int exporterd_publish(exporterd_instance *inst)
{
	/* Without a board (a --check run, a /probe scratch instance) there is nowhere to show it.
	 */
	if (!inst->board || atomic_load(&inst->stopping))
		return 0;
	char err[256];
	instance_snapshot *snap = metric_store_snapshot(inst->store, err, sizeof(err));
	if (!snap)
		return exporterd_error(inst, "%s", err);
	publish_board_set(inst->board, inst->name, snap);
	instance_snapshot_unref(snap);
	return 0;
}

EXPORTERD_API double exporterd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

EXPORTERD_API double exporterd_deadline(const exporterd_instance *inst)
{
	return inst->deadline;
}

EXPORTERD_API int exporterd_stopping(const exporterd_instance *inst)
{
	return atomic_load(&((exporterd_instance *)inst)->stopping);
}

/* The value slot of option `name` at `index`, or NULL when undeclared or absent. */
static const option_value *instance_option(const exporterd_instance *inst, const char *name,
                                           size_t index)
{
	const option_value *v = options_find(&inst->options, name);
	return v && index < v->count ? v : NULL;
}

EXPORTERD_API size_t exporterd_option_count(const exporterd_instance *inst, const char *name)
{
	const option_value *v = options_find(&inst->options, name);
	return v ? v->count : 0;
}

EXPORTERD_API const char *exporterd_option_string(const exporterd_instance *inst, const char *name,
                                                  size_t index)
{
	const option_value *v = instance_option(inst, name, index);
	return v ? v->text[index] : NULL;
}

EXPORTERD_API int64_t exporterd_option_int(const exporterd_instance *inst, const char *name,
                                           size_t index)
{
	const option_value *v = instance_option(inst, name, index);
	return v && v->decl->type == EXPORTERD_OPT_INT ? v->parsed[index].i : 0;
}

EXPORTERD_API double exporterd_option_double(const exporterd_instance *inst, const char *name,
                                             size_t index)
{
	const option_value *v = instance_option(inst, name, index);
	return v && v->decl->type == EXPORTERD_OPT_DOUBLE ? v->parsed[index].d : 0;
}

EXPORTERD_API int exporterd_option_bool(const exporterd_instance *inst, const char *name,
                                        size_t index)
{
	const option_value *v = instance_option(inst, name, index);
	return v && v->decl->type == EXPORTERD_OPT_BOOL ? v->parsed[index].b : 0;
}

EXPORTERD_API double exporterd_option_duration(const exporterd_instance *inst, const char *name,
                                               size_t index)
{
	const option_value *v = instance_option(inst, name, index);
	return v && v->decl->type == EXPORTERD_OPT_DURATION ? v->parsed[index].d : 0;
}
