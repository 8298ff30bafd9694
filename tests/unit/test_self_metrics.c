/* Unit tests for the host's own metrics: build info, per-collector status, reload status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exposition.h"
#include "self_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The board's text page, malloc'd. */
static char *page_of(publish_board *board)
{
	publish_board_view view;
	publish_board_view_take(board, &view);
	exposition_body *body = exposition_assemble(&view, EXPOSITION_TEXT, NULL);
	publish_board_view_free(&view);
	assert_non_null(body);
	size_t len;
	const char *text = exposition_body_text(body, &len);
	char *copy = strndup(text, len);
	exposition_body_unref(body);
	return copy;
}

static void test_build_info_from_the_start(void **state)
{
	(void)state;
	char err[256];
	publish_board *board = publish_board_new();
	self_metrics *self = self_metrics_new(board, err, sizeof(err));
	assert_non_null(self);
	char *page = page_of(board);
	char want[256];
	snprintf(want, sizeof(want),
	         "exporterd_build_info{version=\"%s\",revision=\"%s\",abi=\"%d.%d\"} 1\n",
	         EXPORTERD_VERSION, EXPORTERD_REVISION, EXPORTERD_ABI_MAJOR, EXPORTERD_ABI_MINOR);
	assert_non_null(strstr(page, want));
	assert_non_null(strstr(page, "# TYPE exporterd_collector_success gauge\n"));
	assert_null(strstr(page, "exporterd_collector_success{"));
	free(page);
	self_metrics_free(self);
	publish_board_free(board);
}

static void test_collector_status_and_removal(void **state)
{
	(void)state;
	char err[256];
	publish_board *board = publish_board_new();
	self_metrics *self = self_metrics_new(board, err, sizeof(err));
	uint64_t before = publish_board_generation(board);

	instance_status st = {0};
	snprintf(st.name, sizeof(st.name), "gameserver");
	st.collected = true;
	st.success = false;
	st.last_duration = 0.5;
	self_metrics_collector_update(self, &st);
	assert_true(publish_board_generation(board) > before);
	char *page = page_of(board);
	assert_non_null(strstr(page, "exporterd_collector_success{collector=\"gameserver\"} 0\n"));
	assert_non_null(
	    strstr(page, "exporterd_collector_duration_seconds{collector=\"gameserver\"} 0.5\n"));
	/* No success yet: no timestamp (0 would read as 1970). */
	assert_null(strstr(page, "exporterd_collector_last_success_timestamp_seconds{"));
	free(page);

	st.success = true;
	st.last_success_time = 1795617018.5;
	self_metrics_collector_update(self, &st);
	page = page_of(board);
	assert_non_null(strstr(page, "exporterd_collector_success{collector=\"gameserver\"} 1\n"));
	assert_non_null(strstr(page, "exporterd_collector_last_success_timestamp_seconds{collector="
	                             "\"gameserver\"} 1795617018.5\n"));
	free(page);

	self_metrics_collector_remove(self, "gameserver");
	page = page_of(board);
	assert_null(strstr(page, "collector=\"gameserver\""));
	free(page);
	self_metrics_free(self);
	publish_board_free(board);
}

static void test_reload_outcomes(void **state)
{
	(void)state;
	char err[256];
	publish_board *board = publish_board_new();
	self_metrics *self = self_metrics_new(board, err, sizeof(err));
	self_metrics_reload(self, true, 1795617000);
	self_metrics_reload(self, false, 0);
	char *page = page_of(board);
	assert_non_null(strstr(page, "exporterd_config_last_reload_successful 0\n"));
	/* A failed reload leaves the time of the last good one. */
	assert_non_null(
	    strstr(page, "exporterd_config_last_reload_success_timestamp_seconds 1795617000\n"));
	free(page);
	self_metrics_free(self);
	publish_board_free(board);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_info_from_the_start),
	    cmocka_unit_test(test_collector_status_and_removal),
	    cmocka_unit_test(test_reload_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
