/* Unit tests for the landing page: links, one row per instance, everything HTML-escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "landing_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_rows_and_links(void **state)
{
	(void)state;
	instance_status st[2] = {0};
	snprintf(st[0].name, sizeof(st[0].name), "gameserver");
	snprintf(st[0].plugin, sizeof(st[0].plugin), "gameserver");
	st[0].interval = 60;
	st[0].collected = true;
	st[0].success = true;
	st[0].last_collect_time = 1795617018;
	st[0].last_duration = 0.25;
	snprintf(st[1].name, sizeof(st[1].name), "http_probe:internal");
	snprintf(st[1].plugin, sizeof(st[1].plugin), "http_probe");
	st[1].interval = 0;

	size_t len = 0;
	char *page = landing_page_render("/custom/metrics", st, 2, &len);
	assert_non_null(page);
	assert_int_equal(len, strlen(page));
	assert_non_null(strstr(page, "<!DOCTYPE html>"));
	assert_non_null(strstr(page, "href=\"/custom/metrics\""));
	assert_non_null(strstr(page, "href=\"/-/healthy\""));
	assert_non_null(strstr(page, "href=\"/-/ready\""));
	assert_non_null(strstr(page, EXPORTERD_VERSION));
	/* A header row plus one row per instance. */
	assert_int_equal(count(page, "<tr>"), 3);
	assert_non_null(strstr(page, "<td>gameserver</td>"));
	assert_non_null(strstr(page, "<td>http_probe:internal</td>"));
	assert_non_null(strstr(page, "2026-11-25 14:30:18 UTC"));
	assert_true(strstr(page, "</html>") != NULL);
	free(page);
}

static void test_everything_is_escaped(void **state)
{
	(void)state;
	instance_status st = {0};
	snprintf(st.name, sizeof(st.name), "x<script>");
	snprintf(st.plugin, sizeof(st.plugin), "p&q");
	st.collected = true;
	snprintf(st.last_error, sizeof(st.last_error), "<b>boom</b> & \"quoted\" 'single'");

	size_t len = 0;
	char *page = landing_page_render("/m\"><x", &st, 1, &len);
	assert_non_null(page);
	assert_null(strstr(page, "<script>"));
	assert_null(strstr(page, "<b>boom"));
	assert_null(strstr(page, "\"><x"));
	assert_non_null(strstr(page, "x&lt;script&gt;"));
	assert_non_null(strstr(page, "p&amp;q"));
	assert_non_null(strstr(page, "&lt;b&gt;boom&lt;/b&gt; &amp; &quot;quoted&quot;"));
	free(page);
}

static void test_no_instances(void **state)
{
	(void)state;
	size_t len = 0;
	char *page = landing_page_render("/metrics", NULL, 0, &len);
	assert_non_null(page);
	assert_int_equal(count(page, "<tr>"), 2);
	assert_non_null(strstr(page, "No collector is enabled."));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_and_links),
	    cmocka_unit_test(test_everything_is_escaped),
	    cmocka_unit_test(test_no_instances),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
