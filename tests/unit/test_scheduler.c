/* Unit tests for the scheduler: real instances of the test plugins on their worker threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "instance.h"
#include "publish_board.h"
#include "scheduler.h"
#include "self_metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One loaded config with its instances, board and self-metrics. */
typedef struct fixture {
	char path[64];
	config cfg;
	family_registry *reg;
	publish_board *board;
	self_metrics *self;
	scheduler_sink sink;
	exporterd_instance *inst[4];
	size_t n;
} fixture;

static fixture *fixture_new(const char *sections)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/test_scheduler_XXXXXX");
	int fd = mkstemp(f->path);
	assert_true(fd >= 0);
	FILE *out = fdopen(fd, "w");
	fprintf(out, "[exporter]\nplugin_dir = %s\nscrape_timeout = 5s\n%s",
	        getenv("TEST_PLUGIN_DIR"), sections);
	fclose(out);

	char err[1024];
	if (config_load(f->path, &f->cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	f->reg = family_registry_new();
	f->board = publish_board_new();
	f->self = self_metrics_new(f->board, err, sizeof(err));
	assert_non_null(f->self);
	f->sink = (scheduler_sink){.board = f->board, .self = f->self};
	for (size_t i = 0; i < f->cfg.nsections; i++) {
		exporterd_instance *inst =
		    instance_new(&f->cfg, &f->cfg.sections[i], f->reg, err, sizeof(err));
		if (!inst || instance_init(inst, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		f->inst[f->n++] = inst;
		assert_int_equal(scheduler_start(inst, &f->sink, err, sizeof(err)), 0);
	}
	return f;
}

/* Stops everything; a worker still hung after `grace` seconds is left running. */
static void fixture_free(fixture *f, double grace)
{
	for (size_t i = 0; i < f->n; i++)
		scheduler_signal_stop(f->inst[i]);
	for (size_t i = 0; i < f->n; i++) {
		if (scheduler_join(f->inst[i], exporterd_now() + grace))
			instance_free(f->inst[i]);
	}
	self_metrics_free(f->self);
	publish_board_free(f->board);
	family_registry_free(f->reg);
	config_free(&f->cfg);
	unlink(f->path);
	free(f);
}

typedef struct scrape_thread {
	fixture *f;
	uint64_t ticket;
	bool done;
} scrape_thread;

static void *scrape_once(void *arg)
{
	scrape_thread *t = arg;
	t->ticket = scheduler_request(t->f->inst[0]);
	t->done = scheduler_wait(t->f->inst[0], t->ticket, exporterd_now() + 5, &t->f->sink);
	return NULL;
}

static void test_concurrent_requests_share_one_collect(void **state)
{
	(void)state;
	fixture *f = fixture_new("[slow]\ninterval = 0\ndelay = 300ms\n");
	scrape_thread t[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		t[i] = (scrape_thread){.f = f};
		pthread_create(&th[i], NULL, scrape_once, &t[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		assert_true(t[i].done);
		assert_int_equal(t[i].ticket, 1);
	}
	instance_status st;
	scheduler_status(f->inst[0], &st);
	assert_true(st.collected);
	assert_true(st.success);
	assert_true(st.last_duration >= 0.29);

	/* The next request after completion is a new collect. */
	uint64_t next = scheduler_request(f->inst[0]);
	assert_int_equal(next, 2);
	assert_true(scheduler_wait(f->inst[0], next, exporterd_now() + 5, &f->sink));
	fixture_free(f, 2);
}

static void test_hung_collect_misses_its_deadline_once(void **state)
{
	(void)state;
	fixture *f = fixture_new("[hang]\ninterval = 0\nhang_after = 0\n");
	double start = exporterd_now();
	uint64_t ticket = scheduler_request(f->inst[0]);
	assert_false(scheduler_wait(f->inst[0], ticket, start + 0.3, &f->sink));
	double waited = exporterd_now() - start;
	assert_true(waited >= 0.29 && waited < 1.0);

	instance_status st;
	scheduler_status(f->inst[0], &st);
	assert_true(st.collected);
	assert_false(st.success);
	assert_true(st.running);
	assert_non_null(strstr(st.last_error, "timeout"));

	/* Reported once: later scrapes do not wait on it at all. */
	assert_int_equal(scheduler_request(f->inst[0]), 0);

	start = exporterd_now();
	scheduler_signal_stop(f->inst[0]);
	assert_false(scheduler_join(f->inst[0], exporterd_now() + 0.2));
	assert_true(exporterd_now() - start < 1.0);
	/* The hung worker still owns its instance: leave it, as the host does. */
	f->n = 0;
	fixture_free(f, 0);
}

static void test_interval_collects_without_requests(void **state)
{
	(void)state;
	fixture *f = fixture_new("[slow]\ninterval = 100ms\ntimeout = 1s\ndelay = 0s\n");
	usleep(450 * 1000);
	instance_status st;
	scheduler_status(f->inst[0], &st);
	assert_true(st.collected);
	assert_true(st.success);
	assert_true(st.last_success_time > 0);
	publish_board_view view;
	publish_board_view_take(f->board, &view);
	/* exporterd plus slow; the generation counts every publish (at least 4 collects). */
	assert_int_equal(view.n, 2);
	assert_true(view.generation >= 5);
	publish_board_view_free(&view);
	fixture_free(f, 2);
}

static void test_overrun_of_an_interval_collect_is_reported(void **state)
{
	(void)state;
	fixture *f = fixture_new("[slow]\ninterval = 1h\ntimeout = 100ms\ndelay = 400ms\n");
	usleep(200 * 1000);
	scheduler_check_overrun(f->inst[0], exporterd_now(), &f->sink);
	instance_status st;
	scheduler_status(f->inst[0], &st);
	assert_false(st.success);
	assert_non_null(strstr(st.last_error, "timeout"));
	/* When it returns late, it stays failed and nothing of it is published. */
	usleep(400 * 1000);
	scheduler_status(f->inst[0], &st);
	assert_false(st.running);
	assert_false(st.success);
	publish_board_view view;
	publish_board_view_take(f->board, &view);
	for (size_t i = 0; i < view.n; i++)
		assert_string_not_equal(view.collectors[i], "slow");
	publish_board_view_free(&view);
	fixture_free(f, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_concurrent_requests_share_one_collect),
	    cmocka_unit_test(test_hung_collect_misses_its_deadline_once),
	    cmocka_unit_test(test_interval_collects_without_requests),
	    cmocka_unit_test(test_overrun_of_an_interval_collect_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
