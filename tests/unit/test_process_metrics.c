/* Unit tests for process_* metrics: /proc parsing on crafted input, real readings, rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* A /proc/<pid>/stat line with the given command name, utime 250, stime 150,
 * starttime 12345, vsize 104857600, rss 2560 (fields 14, 15, 22, 23, 24). */
static void stat_line(char *buf, size_t size, const char *comm)
{
	snprintf(buf, size,
	         "4242 (%s) S 1 4242 4242 0 -1 4194560 1234 0 5 0 250 150 0 0 20 0 3 0 12345 "
	         "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 16384 0 0 0 17 1 0 0 "
	         "0 0 0\n",
	         comm);
}

static void test_parse_stat_plain(void **state)
{
	(void)state;
	char line[512];
	stat_line(line, sizeof(line), "exporterd");
	process_stats st = {0};
	assert_int_equal(process_stats_parse_stat(line, 100, 4096, 1700000000.0, &st), 0);
	assert_true(st.have_stat);
	assert_true(st.have_start_time);
	assert_true(fabs(st.cpu_seconds - 4.0) < 1e-12); /* (250 + 150) / 100 */
	assert_true(st.virtual_bytes == 104857600.0);
	assert_true(st.resident_bytes == 2560.0 * 4096);
	assert_true(fabs(st.start_time_seconds - (1700000000.0 + 123.45)) < 1e-6);
}

static void test_parse_stat_hostile_comm(void **state)
{
	(void)state;
	/* The command name is chosen by whoever started the process: spaces,
	 * parentheses and digits must not shift the fields. */
	const char *names[] = {"a b", ") 1 2 3 (", "x) S 9 9 9 9 9 9 9 9 9 9 999 999 (y",
	                       "((",  "))",        ""};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[512];
		stat_line(line, sizeof(line), names[i]);
		process_stats st = {0};
		assert_int_equal(process_stats_parse_stat(line, 100, 4096, 0, &st), 0);
		assert_true(fabs(st.cpu_seconds - 4.0) < 1e-12);
		assert_true(st.resident_bytes == 2560.0 * 4096);
		assert_true(st.virtual_bytes == 104857600.0);
	}
}

static void test_parse_stat_other_clock(void **state)
{
	(void)state;
	char line[512];
	stat_line(line, sizeof(line), "e");
	process_stats st = {0};
	assert_int_equal(process_stats_parse_stat(line, 250, 16384, -1, &st), 0);
	assert_true(fabs(st.cpu_seconds - 1.6) < 1e-12);
	assert_true(st.resident_bytes == 2560.0 * 16384);
	assert_false(st.have_start_time); /* no btime: no start time */
}

static void test_parse_stat_rejects_garbage(void **state)
{
	(void)state;
	process_stats st = {0};
	const char *bad[] = {
	    "",
	    "4242 exporterd S 1", /* no ')' */
	    "4242 (e) S 1 2 3",   /* too short */
	    "4242 (e) S 1 4242 4242 0 -1 4194560 1234 0 5 0 2x5 150 0 0 20 0 3 0 12345 1 2\n",
	    "4242 (e) S 1 4242 4242 0 -1 4194560 1234 0 5 0 250 150 0 0 20 0 3 0 12345 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(process_stats_parse_stat(bad[i], 100, 4096, 0, &st), -1);
	char line[512];
	stat_line(line, sizeof(line), "e");
	assert_int_equal(process_stats_parse_stat(line, 0, 4096, 0, &st), -1);
	assert_false(st.have_stat);
}

static void test_parse_btime(void **state)
{
	(void)state;
	double btime = 0;
	const char *stat = "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 1 2 3\n"
	                   "ctxt 99\nbtime 1732540000\nprocesses 1234\n";
	assert_int_equal(process_stats_parse_btime(stat, &btime), 0);
	assert_true(btime == 1732540000.0);
	assert_int_equal(process_stats_parse_btime("btime 5", &btime), 0);
	assert_true(btime == 5.0);
	assert_int_equal(process_stats_parse_btime("cpu 1\nxbtime 7\n", &btime), -1);
	assert_int_equal(process_stats_parse_btime("btime x\n", &btime), -1);
	assert_int_equal(process_stats_parse_btime("", &btime), -1);
}

static void test_parse_max_fds(void **state)
{
	(void)state;
	const char *limits =
	    "Limit                     Soft Limit           Hard Limit           Units     \n"
	    "Max cpu time              unlimited            unlimited            seconds   \n"
	    "Max open files            1024                 524288               files     \n"
	    "Max locked memory         8388608              8388608              bytes     \n";
	double v = 0;
	assert_int_equal(process_stats_parse_max_fds(limits, &v), 0);
	assert_true(v == 1024.0); /* the soft limit, not the hard one */
	assert_int_equal(
	    process_stats_parse_max_fds("Max open files            unlimited            unlimited  "
	                                "          files     \n",
	                                &v),
	    0);
	assert_true(isinf(v) && v > 0);
	assert_int_equal(process_stats_parse_max_fds("Max cpu time 5 5 seconds\n", &v), -1);
	assert_int_equal(process_stats_parse_max_fds("Max open files  x12 3 files\n", &v), -1);
	assert_int_equal(process_stats_parse_max_fds("", &v), -1);
}

static void test_real_values_are_plausible(void **state)
{
	(void)state;
	/* Burn a little CPU so that the counter has something to show. */
	volatile double sink = 0;
	for (int i = 0; i < 20000000; i++)
		sink += i * 0.5;
	process_stats st;
	process_stats_read(&st);
	assert_true(st.have_stat && st.have_start_time && st.have_open_fds && st.have_max_fds);
	assert_true(st.cpu_seconds > 0 && st.cpu_seconds < 3600);
	assert_true(st.resident_bytes > 100 * 1024);
	assert_true(st.virtual_bytes >= st.resident_bytes);
	double now = (double)time(NULL);
	assert_true(st.start_time_seconds > now - 3600 && st.start_time_seconds <= now + 1);
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur == RLIM_INFINITY)
		assert_true(isinf(st.max_fds));
	else
		assert_true(st.max_fds == (double)rl.rlim_cur);
	/* Opening a descriptor shows up in the next reading. */
	assert_true(st.open_fds >= 3 && st.open_fds <= st.max_fds);
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	process_stats after;
	process_stats_read(&after);
	assert_true(after.open_fds == st.open_fds + 1);
	close(fd);
}

static process_stats sample_stats(void)
{
	return (process_stats){.have_stat = true,
	                       .cpu_seconds = 0.25,
	                       .virtual_bytes = 104857600,
	                       .resident_bytes = 10485760,
	                       .have_start_time = true,
	                       .start_time_seconds = 1732540000.5,
	                       .have_open_fds = true,
	                       .open_fds = 9,
	                       .have_max_fds = true,
	                       .max_fds = 1024};
}

static void test_render_text(void **state)
{
	(void)state;
	process_stats st = sample_stats();
	char buf[PROCESS_METRICS_MAX];
	size_t n = process_metrics_render(&st, EXPOSITION_TEXT, NULL, buf);
	const char *want =
	    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
	    "# TYPE process_cpu_seconds_total counter\n"
	    "process_cpu_seconds_total 0.25\n"
	    "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	    "# TYPE process_virtual_memory_bytes gauge\n"
	    "process_virtual_memory_bytes 104857600\n"
	    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes 10485760\n"
	    "# HELP process_start_time_seconds Start time of the process since unix epoch in "
	    "seconds.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds 1732540000.5\n"
	    "# HELP process_open_fds Number of open file descriptors.\n"
	    "# TYPE process_open_fds gauge\n"
	    "process_open_fds 9\n"
	    "# HELP process_max_fds Maximum number of open file descriptors.\n"
	    "# TYPE process_max_fds gauge\n"
	    "process_max_fds 1024\n";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_render_openmetrics(void **state)
{
	(void)state;
	process_stats st = sample_stats();
	char buf[PROCESS_METRICS_MAX];
	size_t n = process_metrics_render(&st, EXPOSITION_OPENMETRICS, NULL, buf);
	const char *want =
	    "# TYPE process_cpu_seconds counter\n"
	    "# UNIT process_cpu_seconds seconds\n"
	    "# HELP process_cpu_seconds Total user and system CPU time spent in seconds.\n"
	    "process_cpu_seconds_total 0.25\n"
	    "# TYPE process_virtual_memory_bytes gauge\n"
	    "# UNIT process_virtual_memory_bytes bytes\n"
	    "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	    "process_virtual_memory_bytes 104857600\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "# UNIT process_resident_memory_bytes bytes\n"
	    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	    "process_resident_memory_bytes 10485760\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "# UNIT process_start_time_seconds seconds\n"
	    "# HELP process_start_time_seconds Start time of the process since unix epoch in "
	    "seconds.\n"
	    "process_start_time_seconds 1732540000.5\n"
	    "# TYPE process_open_fds gauge\n"
	    "# HELP process_open_fds Number of open file descriptors.\n"
	    "process_open_fds 9\n"
	    "# TYPE process_max_fds gauge\n"
	    "# HELP process_max_fds Maximum number of open file descriptors.\n"
	    "process_max_fds 1024\n";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void test_render_skips_missing_and_filters(void **state)
{
	(void)state;
	process_stats st = sample_stats();
	st.have_stat = false;
	st.have_start_time = false;
	char buf[PROCESS_METRICS_MAX + 1];
	size_t n = process_metrics_render(&st, EXPOSITION_TEXT, NULL, buf);
	buf[n] = '\0';
	assert_null(strstr(buf, "process_cpu"));
	assert_null(strstr(buf, "memory"));
	assert_non_null(strstr(buf, "\nprocess_open_fds 9\n"));

	st = sample_stats();
	const char *names[] = {"process_cpu_seconds_total", "process_max_fds"};
	scrape_filter filter = {.names = names, .nnames = 2};
	n = process_metrics_render(&st, EXPOSITION_OPENMETRICS, &filter, buf);
	buf[n] = '\0';
	assert_string_equal(buf,
	                    "# TYPE process_cpu_seconds counter\n"
	                    "# UNIT process_cpu_seconds seconds\n"
	                    "# HELP process_cpu_seconds Total user and system CPU time spent in "
	                    "seconds.\n"
	                    "process_cpu_seconds_total 0.25\n"
	                    "# TYPE process_max_fds gauge\n"
	                    "# HELP process_max_fds Maximum number of open file descriptors.\n"
	                    "process_max_fds 1024\n");
	const char *other[] = {"gameserver_players"};
	filter = (scrape_filter){.names = other, .nnames = 1};
	assert_int_equal(process_metrics_render(&st, EXPOSITION_TEXT, &filter, buf), 0);
}

static void test_render_fits_the_bound(void **state)
{
	(void)state;
	/* The longest numbers float_format can produce, everywhere. */
	process_stats st = sample_stats();
	st.cpu_seconds = st.virtual_bytes = st.resident_bytes = st.start_time_seconds =
	    st.open_fds = -2.2250738585072014e-308;
	st.max_fds = INFINITY;
	char buf[PROCESS_METRICS_MAX];
	for (int f = 0; f < 2; f++) {
		size_t n = process_metrics_render(&st, f ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT,
		                                  NULL, buf);
		assert_true(n < PROCESS_METRICS_MAX);
		assert_int_equal(buf[n - 1], '\n');
	}
	size_t n = process_metrics_render(&st, EXPOSITION_TEXT, NULL, buf);
	assert_memory_equal(buf + n - strlen("process_max_fds +Inf\n"), "process_max_fds +Inf\n",
	                    strlen("process_max_fds +Inf\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_stat_plain),
	    cmocka_unit_test(test_parse_stat_hostile_comm),
	    cmocka_unit_test(test_parse_stat_other_clock),
	    cmocka_unit_test(test_parse_stat_rejects_garbage),
	    cmocka_unit_test(test_parse_btime),
	    cmocka_unit_test(test_parse_max_fds),
	    cmocka_unit_test(test_real_values_are_plausible),
	    cmocka_unit_test(test_render_text),
	    cmocka_unit_test(test_render_openmetrics),
	    cmocka_unit_test(test_render_skips_missing_and_filters),
	    cmocka_unit_test(test_render_fits_the_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
