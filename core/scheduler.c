/* One worker thread per instance: interval collection, collect-on-scrape, deadlines. */
#include "scheduler.h"

#include "duration.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct worker_args {
	exporterd_instance *inst;
	const scheduler_sink *sink;
} worker_args;

static double scheduler_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pthread_cond_timedwait wants CLOCK_REALTIME; our deadlines are monotonic. */
static void scheduler_wait_until(exporterd_instance *inst, double mono_deadline)
{
	double left = mono_deadline - exporterd_now();
	if (left <= 0)
		return;
	if (left > 3600)
		left = 3600;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double whole;
	double frac = modf(left, &whole);
	ts.tv_sec += (time_t)whole;
	ts.tv_nsec += (long)(frac * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&inst->cond, &inst->mu, &ts);
}

/* Records a finished collect in the status. Caller holds inst->mu. */
static void scheduler_record(exporterd_instance *inst, bool ok, double duration, const char *error)
{
	instance_status *st = &inst->status;
	st->collected = true;
	st->running = false;
	st->success = ok;
	st->last_duration = duration;
	st->last_collect_time = scheduler_wall_now();
	if (ok) {
		st->last_success_time = st->last_collect_time;
		st->last_error[0] = '\0';
	} else {
		/* Long plugin messages are cut to what the status holds. */
		size_t n = strnlen(error, sizeof(st->last_error) - 1);
		memcpy(st->last_error, error, n);
		st->last_error[n] = '\0';
	}
}

/* Logs a failure when it starts or its reason changes, a recovery once. */
static void scheduler_log_outcome(exporterd_instance *inst, bool was_ok, const char *was_error,
                                  bool ok, const char *error)
{
	if (ok && !was_ok)
		log_write(EXPORTERD_LOG_INFO, inst->name, "collect succeeded again");
	else if (!ok && (was_ok || strcmp(was_error, error) != 0))
		log_write(EXPORTERD_LOG_WARN, inst->name, "collect failed: %s", error);
	else if (!ok)
		log_write(EXPORTERD_LOG_DEBUG, inst->name, "collect failed: %s", error);
}

/* Runs one collect, renders, publishes, records the outcome. */
static void scheduler_run_collect(exporterd_instance *inst, const scheduler_sink *sink)
{
	pthread_mutex_lock(&inst->mu);
	uint64_t ticket = inst->requested;
	inst->started = exporterd_now();
	inst->deadline = inst->started + inst->timeout;
	inst->overrun_reported = false;
	inst->status.running = true;
	pthread_mutex_unlock(&inst->mu);

	inst->error[0] = '\0';
	int rc = inst->loaded.desc->collect(inst);
	char error[512];
	snprintf(error, sizeof(error), "%s", inst->error[0] ? inst->error : "collect failed");
	double end = exporterd_now();
	double duration = end - inst->started;

	instance_snapshot *snap = NULL;
	if (rc == 0 && end > inst->deadline) {
		rc = -1;
		char limit[32];
		duration_format(inst->timeout, limit, sizeof(limit));
		snprintf(error, sizeof(error), "timeout: collect took %.3fs, over the %s timeout",
		         duration, limit);
	}
	if (rc == 0) {
		snap = metric_store_snapshot(inst->store, error, sizeof(error));
		if (!snap)
			rc = -1;
	}
	/* A stopped instance (reload, shutdown) no longer owns its name on the board. */
	bool stopping = atomic_load(&inst->stopping);
	if (snap) {
		if (!stopping)
			publish_board_set(sink->board, inst->name, snap);
		instance_snapshot_unref(snap);
	}

	pthread_mutex_lock(&inst->mu);
	bool was_ok = inst->status.success || !inst->status.collected;
	char was_error[sizeof(inst->status.last_error)];
	memcpy(was_error, inst->status.last_error, sizeof(was_error));
	if (inst->overrun_reported && rc != 0) {
		/* Already reported and logged as a timeout: keep that reason. */
		was_ok = false;
		memcpy(error, inst->status.last_error, sizeof(was_error));
	}
	scheduler_record(inst, rc == 0, duration, error);
	instance_status copy = inst->status;
	pthread_mutex_unlock(&inst->mu);

	if (!stopping) {
		scheduler_log_outcome(inst, was_ok, was_error, rc == 0, copy.last_error);
		self_metrics_collector_update(sink->self, &copy);
	}

	/* Waiting scrapes wake only now, when data and self-metrics are both published. */
	pthread_mutex_lock(&inst->mu);
	inst->completed = ticket;
	pthread_cond_broadcast(&inst->cond);
	pthread_mutex_unlock(&inst->mu);
}

static void *scheduler_worker(void *arg)
{
	worker_args args = *(worker_args *)arg;
	free(arg);
	exporterd_instance *inst = args.inst;
	double next_due = exporterd_now();

	for (;;) {
		pthread_mutex_lock(&inst->mu);
		for (;;) {
			if (inst->stop)
				break;
			if (inst->interval > 0) {
				if (exporterd_now() >= next_due)
					break;
				scheduler_wait_until(inst, next_due);
			} else {
				if (inst->requested > inst->completed)
					break;
				pthread_cond_wait(&inst->cond, &inst->mu);
			}
		}
		bool stop = inst->stop;
		pthread_mutex_unlock(&inst->mu);
		if (stop)
			break;

		scheduler_run_collect(inst, args.sink);

		if (inst->interval > 0) {
			/* Fixed rate; after an overrun, start again at once rather than bunching
			 * up. */
			next_due += inst->interval;
			double now = exporterd_now();
			if (next_due < now)
				next_due = now;
		}
	}

	pthread_mutex_lock(&inst->mu);
	inst->exited = true;
	pthread_cond_broadcast(&inst->cond);
	pthread_mutex_unlock(&inst->mu);
	return NULL;
}

int scheduler_start(exporterd_instance *inst, const scheduler_sink *sink, char *err, size_t errlen)
{
	worker_args *args = malloc(sizeof(*args));
	if (!args) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	args->inst = inst;
	args->sink = sink;
	inst->board = sink->board;
	int rc = pthread_create(&inst->thread, NULL, scheduler_worker, args);
	if (rc != 0) {
		free(args);
		snprintf(err, errlen, "[%s] cannot start worker thread: %s", inst->name,
		         strerror(rc));
		return -1;
	}
	inst->thread_started = true;
	return 0;
}

uint64_t scheduler_request(exporterd_instance *inst)
{
	pthread_mutex_lock(&inst->mu);
	uint64_t ticket;
	if (inst->status.running && inst->overrun_reported) {
		/* Hung past its timeout: waiting again would only spend the scrape's deadline. */
		ticket = 0;
	} else if (inst->status.running || inst->requested > inst->completed) {
		ticket = inst->requested;
	} else {
		ticket = ++inst->requested;
		pthread_cond_broadcast(&inst->cond);
	}
	pthread_mutex_unlock(&inst->mu);
	return ticket;
}

/* Marks the running collect as timed out. Caller holds inst->mu. Returns true
 * when this call reported it (so the caller publishes the status). */
static bool scheduler_mark_overrun(exporterd_instance *inst, const char *why, instance_status *copy)
{
	if (!inst->status.running || inst->overrun_reported)
		return false;
	inst->overrun_reported = true;
	double running_for = exporterd_now() - inst->started;
	char msg[256];
	snprintf(msg, sizeof(msg), "timeout: collect still running after %.3fs (%s)", running_for,
	         why);
	scheduler_record(inst, false, running_for, msg);
	inst->status.running = true; /* it still is; the record only reports the failure */
	*copy = inst->status;
	return true;
}

static void scheduler_report_overrun(exporterd_instance *inst, const instance_status *copy,
                                     const scheduler_sink *sink)
{
	log_write(EXPORTERD_LOG_WARN, inst->name, "%s", copy->last_error);
	self_metrics_collector_update(sink->self, copy);
}

bool scheduler_wait(exporterd_instance *inst, uint64_t ticket, double deadline,
                    const scheduler_sink *sink)
{
	pthread_mutex_lock(&inst->mu);
	while (inst->completed < ticket && !inst->stop && !inst->exited &&
	       exporterd_now() < deadline)
		scheduler_wait_until(inst, deadline);
	bool done = inst->completed >= ticket;
	instance_status copy;
	bool report =
	    !done && !inst->stop && scheduler_mark_overrun(inst, "scrape deadline reached", &copy);
	pthread_mutex_unlock(&inst->mu);
	if (report)
		scheduler_report_overrun(inst, &copy, sink);
	return done;
}

void scheduler_check_overrun(exporterd_instance *inst, double now, const scheduler_sink *sink)
{
	pthread_mutex_lock(&inst->mu);
	instance_status copy;
	/* A stopped instance's name may already belong to its successor after a reload. */
	bool report = !inst->stop && inst->status.running && now > inst->deadline &&
	              scheduler_mark_overrun(inst, "over the collect timeout", &copy);
	pthread_mutex_unlock(&inst->mu);
	if (report)
		scheduler_report_overrun(inst, &copy, sink);
}

void scheduler_signal_stop(exporterd_instance *inst)
{
	atomic_store(&inst->stopping, 1);
	pthread_mutex_lock(&inst->mu);
	inst->stop = true;
	pthread_cond_broadcast(&inst->cond);
	pthread_mutex_unlock(&inst->mu);
}

bool scheduler_join(exporterd_instance *inst, double deadline)
{
	if (!inst->thread_started)
		return true;
	pthread_mutex_lock(&inst->mu);
	while (!inst->exited && exporterd_now() < deadline)
		scheduler_wait_until(inst, deadline);
	bool exited = inst->exited;
	pthread_mutex_unlock(&inst->mu);
	if (!exited)
		return false;
	pthread_join(inst->thread, NULL);
	inst->thread_started = false;
	return true;
}

void scheduler_status(exporterd_instance *inst, instance_status *out)
{
	pthread_mutex_lock(&inst->mu);
	*out = inst->status;
	pthread_mutex_unlock(&inst->mu);
}
