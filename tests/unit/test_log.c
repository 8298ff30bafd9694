/* Unit tests for logfmt logging: line shape, quoting, levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Runs log_write with stderr redirected into a pipe; returns what was written. */
static const char *capture(exporterd_log_level level, const char *collector, const char *msg)
{
	static char out[8192];
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	int saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	log_write(level, collector, "%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	ssize_t n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	int rc = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (rc != 0)
		fail_msg("'%s' does not match /%s/", text, pattern);
}

static void test_line_shape(void **state)
{
	(void)state;
	log_set_level(EXPORTERD_LOG_DEBUG);
	const char *line = capture(EXPORTERD_LOG_WARN, "gameserver", "poll failed");
	assert_matches(line,
	               "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	               "level=warn msg=\"poll failed\" collector=gameserver\n$");
}

static void test_values_are_quoted_and_escaped(void **state)
{
	(void)state;
	log_set_level(EXPORTERD_LOG_DEBUG);
	const char *line = capture(EXPORTERD_LOG_ERROR, "http_probe:a b", "say \"hi\"\nnext");
	assert_non_null(strstr(line, "msg=\"say \\\"hi\\\"\\nnext\""));
	assert_non_null(strstr(line, "collector=\"http_probe:a b\"\n"));
	assert_int_equal(strchr(line, '\n') - line + 1, (long)strlen(line)); /* one line */

	line = capture(EXPORTERD_LOG_INFO, NULL, "plain");
	assert_non_null(strstr(line, "level=info msg=plain\n"));
	assert_null(strstr(line, "collector="));
}

static void test_level_threshold(void **state)
{
	(void)state;
	log_set_level(EXPORTERD_LOG_WARN);
	assert_string_equal(capture(EXPORTERD_LOG_INFO, NULL, "dropped"), "");
	assert_non_null(strstr(capture(EXPORTERD_LOG_ERROR, NULL, "kept"), "msg=kept"));
	log_set_level(EXPORTERD_LOG_INFO);
}

static void test_parse_level(void **state)
{
	(void)state;
	exporterd_log_level level;
	assert_int_equal(log_parse_level("debug", &level), 0);
	assert_int_equal(level, EXPORTERD_LOG_DEBUG);
	assert_int_equal(log_parse_level("WARN", &level), 0);
	assert_int_equal(level, EXPORTERD_LOG_WARN);
	assert_int_equal(log_parse_level("warning", &level), 0);
	assert_int_equal(level, EXPORTERD_LOG_WARN);
	assert_int_equal(log_parse_level("error", &level), 0);
	assert_int_equal(level, EXPORTERD_LOG_ERROR);
	assert_int_equal(log_parse_level("loud", &level), -1);
	assert_string_equal(log_level_name(EXPORTERD_LOG_INFO), "info");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_shape),
	    cmocka_unit_test(test_values_are_quoted_and_escaped),
	    cmocka_unit_test(test_level_threshold),
	    cmocka_unit_test(test_parse_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
