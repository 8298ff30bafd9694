/* Unit tests of the http_probe checks: valid_status_codes parsing, body regexes, TLS policy,
 * verdicts. */
#include "hp_checks.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static hp_status_set parse_ok(const char *text)
{
	hp_status_set set;
	char err[256] = "";
	if (hp_status_set_parse(text, &set, err, sizeof(err)) != 0)
		fail_msg("'%s' did not parse: %s", text, err);
	return set;
}

static void test_status_default_range(void **state)
{
	(void)state;
	hp_status_set set = parse_ok("200-299");
	assert_int_equal(set.n, 1);
	assert_false(hp_status_set_contains(&set, 199));
	assert_true(hp_status_set_contains(&set, 200));
	assert_true(hp_status_set_contains(&set, 250));
	assert_true(hp_status_set_contains(&set, 299));
	assert_false(hp_status_set_contains(&set, 300));
	assert_false(hp_status_set_contains(&set, 0));
	hp_status_set_free(&set);
}

static void test_status_lists_and_ranges(void **state)
{
	(void)state;
	hp_status_set set = parse_ok(" 200-204, 301 ,302\t404-404 418 500-599,");
	assert_int_equal(set.n, 6);
	long yes[] = {200, 204, 301, 302, 404, 418, 500, 503, 599};
	long no[] = {205, 300, 303, 403, 405, 417, 419, 499, 600};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(hp_status_set_contains(&set, yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(hp_status_set_contains(&set, no[i]));
	hp_status_set_free(&set);
}

static void test_status_errors(void **state)
{
	(void)state;
	struct {
		const char *text;
		const char *message_part;
	} cases[] = {
	    {"", "empty"},
	    {" , ", "empty"},
	    {"2xx", "'2xx'"},
	    {"200-", "'200-'"},
	    {"-200", "'-200'"},
	    {"99", "'99'"},
	    {"1000", "'1000'"},
	    {"200-1000", "'200-1000'"},
	    {"299-200", "backwards"},
	    {"200;201", "'200;201'"},
	    {"200 abc", "'abc'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hp_status_set set;
		char err[256] = "";
		assert_int_equal(hp_status_set_parse(cases[i].text, &set, err, sizeof(err)), -1);
		assert_null(set.ranges);
		assert_int_equal(set.n, 0);
		if (!strstr(err, cases[i].message_part))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].text, err,
			         cases[i].message_part);
	}
}

static void test_regex_compile_error(void **state)
{
	(void)state;
	hp_regex_list list = {0};
	char err[256] = "";
	assert_int_equal(hp_regex_list_add(&list, "ok(", err, sizeof(err)), -1);
	assert_int_equal(list.n, 0);
	assert_true(err[0] != '\0');
	assert_int_equal(hp_regex_list_add(&list, "^ok$", err, sizeof(err)), 0);
	assert_int_equal(list.n, 1);
	hp_regex_list_free(&list);
	assert_int_equal(list.n, 0);
}

static hp_checks checks_with(const char *codes, const char *must_not, const char *must)
{
	hp_checks c = {0};
	char err[256];
	c.valid_status = parse_ok(codes);
	if (must_not)
		assert_int_equal(hp_regex_list_add(&c.fail_if_matches, must_not, err, sizeof(err)),
		                 0);
	if (must)
		assert_int_equal(hp_regex_list_add(&c.fail_if_not_matches, must, err, sizeof(err)),
		                 0);
	return c;
}

static void test_verdict_order(void **state)
{
	(void)state;
	hp_checks c = checks_with("200-299", "error|fail", "\"status\": *\"ok\"");
	bool regex_failed = true;
	const char *good = "{\"status\": \"ok\"}";
	assert_true(hp_checks_need_body(&c));
	assert_int_equal(hp_checks_verdict(&c, 200, good, strlen(good), false, &regex_failed),
	                 HP_OK);
	assert_false(regex_failed);

	/* The status is checked first; a bad status is not a regex failure. */
	const char *bad = "error";
	assert_int_equal(hp_checks_verdict(&c, 503, bad, strlen(bad), false, &regex_failed),
	                 HP_REASON_STATUS_CODE);
	assert_false(regex_failed);

	assert_int_equal(hp_checks_verdict(&c, 200, bad, strlen(bad), false, &regex_failed),
	                 HP_REASON_BODY_REGEX);
	assert_true(regex_failed);

	const char *missing = "{\"status\": \"degraded\"}";
	assert_int_equal(hp_checks_verdict(&c, 200, missing, strlen(missing), false, &regex_failed),
	                 HP_REASON_BODY_REGEX);
	assert_true(regex_failed);

	/* No body at all: a required match fails. */
	assert_int_equal(hp_checks_verdict(&c, 204, NULL, 0, false, &regex_failed),
	                 HP_REASON_BODY_REGEX);
	hp_checks_free(&c);
}

static void test_verdict_body_with_nul_bytes(void **state)
{
	(void)state;
	hp_checks c = checks_with("200", "secret", NULL);
	bool regex_failed;
	/* The match sits after a NUL byte: the whole body is searched. */
	const char body[] = "abc\0the secret";
	assert_int_equal(hp_checks_verdict(&c, 200, body, sizeof(body) - 1, false, &regex_failed),
	                 HP_REASON_BODY_REGEX);
	/* Only len bytes count. */
	assert_int_equal(hp_checks_verdict(&c, 200, body, 8, false, &regex_failed), HP_OK);
	hp_checks_free(&c);
}

static void test_verdict_ssl_policy(void **state)
{
	(void)state;
	hp_checks c = checks_with("200-299", NULL, NULL);
	bool regex_failed;
	assert_false(hp_checks_need_body(&c));
	assert_int_equal(hp_checks_verdict(&c, 200, "", 0, true, &regex_failed), HP_OK);
	c.fail_if_ssl = true;
	assert_int_equal(hp_checks_verdict(&c, 200, "", 0, true, &regex_failed),
	                 HP_REASON_SSL_POLICY);
	assert_int_equal(hp_checks_verdict(&c, 200, "", 0, false, &regex_failed), HP_OK);
	c.fail_if_ssl = false;
	c.fail_if_not_ssl = true;
	assert_int_equal(hp_checks_verdict(&c, 200, "", 0, false, &regex_failed),
	                 HP_REASON_SSL_POLICY);
	assert_int_equal(hp_checks_verdict(&c, 200, "", 0, true, &regex_failed), HP_OK);
	/* A bad status still comes first. */
	assert_int_equal(hp_checks_verdict(&c, 404, "", 0, false, &regex_failed),
	                 HP_REASON_STATUS_CODE);
	hp_checks_free(&c);
}

static void test_reason_names(void **state)
{
	(void)state;
	const char *want[] = {"",          "dns",         "connect",    "tls",
	                      "timeout",   "status_code", "body_regex", "ssl_policy",
	                      "too_large", "http"};
	assert_int_equal(sizeof(want) / sizeof(want[0]), HP_REASON_COUNT);
	for (int r = 0; r < HP_REASON_COUNT; r++)
		assert_string_equal(hp_reason_name((hp_reason)r), want[r]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_default_range),
	    cmocka_unit_test(test_status_lists_and_ranges),
	    cmocka_unit_test(test_status_errors),
	    cmocka_unit_test(test_regex_compile_error),
	    cmocka_unit_test(test_verdict_order),
	    cmocka_unit_test(test_verdict_body_with_nul_bytes),
	    cmocka_unit_test(test_verdict_ssl_policy),
	    cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
