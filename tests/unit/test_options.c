/* Unit tests of options.c: host keys, declared option types, repeatable/required/secret, defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "options.h"

#include <stdio.h>
#include <string.h>

#define PATH "conf/exporter.ini"

static const exporterd_option demo_options[] = {
    {"server", EXPORTERD_OPT_STRING, NULL, "name:key of one server", EXPORTERD_OPT_REPEATABLE},
    {"port", EXPORTERD_OPT_INT, "8080", "TCP port", 0},
    {"ratio", EXPORTERD_OPT_DOUBLE, "0.5", "sampling ratio", 0},
    {"verbose", EXPORTERD_OPT_BOOL, "off", "log every request", 0},
    {"backoff", EXPORTERD_OPT_DURATION, "1m30s", "wait after a failure", 0},
    {"api_key", EXPORTERD_OPT_STRING, NULL, "key of the listing API", EXPORTERD_OPT_SECRET},
    {"pin", EXPORTERD_OPT_INT, NULL, "numeric secret", EXPORTERD_OPT_SECRET},
    {"label", EXPORTERD_OPT_STRING, NULL, "extra label", 0},
    {NULL, 0, NULL, NULL, 0},
};

static const exporterd_option required_options[] = {
    {"target", EXPORTERD_OPT_STRING, NULL, "URL to probe", EXPORTERD_OPT_REQUIRED},
    {"codes", EXPORTERD_OPT_INT, NULL, "accepted status codes",
     EXPORTERD_OPT_REQUIRED | EXPORTERD_OPT_REPEATABLE},
    {NULL, 0, NULL, NULL, 0},
};

/* A section [name] at line 10 whose entries are on lines 11, 12, ... */
typedef struct test_section {
	config_section sec;
	config_entry entries[16];
} test_section;

static void make_section(test_section *t, const char *name, const char *const *kv)
{
	memset(t, 0, sizeof(*t));
	t->sec.name = (char *)name;
	t->sec.plugin = (char *)name;
	t->sec.line = 10;
	t->sec.entries = t->entries;
	for (size_t i = 0; kv[2 * i] != NULL; i++) {
		t->entries[i].key = (char *)kv[2 * i];
		t->entries[i].value = (char *)kv[2 * i + 1];
		t->entries[i].line = 11 + (int)i;
		t->sec.nentries++;
	}
}

#define SECTION(t, name, ...) make_section(t, name, (const char *const[]){__VA_ARGS__, NULL})

/* Binds; asserts failure with exactly this message. */
static void bind_fails(const exporterd_option *decls, const test_section *t, const char *expected)
{
	host_keys keys;
	bound_options opts;
	char err[1024] = "";
	if (options_bind(decls, &t->sec, PATH, &keys, &opts, err, sizeof(err)) != -1)
		fail_msg("bind succeeded, expected '%s'", expected);
	if (strcmp(err, expected) != 0)
		fail_msg("message\n  '%s'\nexpected\n  '%s'", err, expected);
	assert_int_equal(opts.nvalues, 0);
	assert_null(opts.values);
}

static void bind_ok(const exporterd_option *decls, const test_section *t, host_keys *keys,
                    bound_options *opts)
{
	char err[1024] = "";
	if (options_bind(decls, &t->sec, PATH, keys, opts, err, sizeof(err)) != 0)
		fail_msg("bind failed: %s", err);
}

static void test_host_keys_default(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	make_section(&t, "empty", (const char *const[]){NULL});
	bind_ok(NULL, &t, &keys, &opts);
	assert_true(keys.enabled);
	assert_true(keys.interval < 0);
	assert_true(keys.timeout < 0);
	assert_int_equal(opts.nvalues, 0);
	assert_null(options_find(&opts, "server"));
	options_free(&opts);
}

static void test_host_keys(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	SECTION(&t, "g", "enabled", "no", "interval", "1m", "timeout", "2.5");
	bind_ok(NULL, &t, &keys, &opts);
	assert_false(keys.enabled);
	assert_true(keys.interval == 60);
	assert_true(keys.timeout == 2.5);
	options_free(&opts);

	SECTION(&t, "g", "interval", "0");
	bind_ok(demo_options, &t, &keys, &opts);
	assert_true(keys.interval == 0);
	assert_true(keys.enabled);
	options_free(&opts);

	static const char *const truths[] = {"true", "TRUE", "Yes", "on", "ON", "1"};
	static const char *const lies[] = {"false", "False", "NO", "off", "Off", "0"};
	for (size_t i = 0; i < 6; i++) {
		SECTION(&t, "g", "enabled", truths[i]);
		bind_ok(NULL, &t, &keys, &opts);
		assert_true(keys.enabled);
		options_free(&opts);
		SECTION(&t, "g", "enabled", lies[i]);
		bind_ok(NULL, &t, &keys, &opts);
		assert_false(keys.enabled);
		options_free(&opts);
	}
}

static void test_host_key_errors(void **state)
{
	(void)state;
	test_section t;
	SECTION(&t, "g", "enabled", "maybe");
	bind_fails(NULL, &t,
	           PATH ":11: [g] key 'enabled': 'maybe' is not a boolean (true/false, yes/no, "
	                "on/off, 1/0)");
	SECTION(&t, "g", "enabled", "");
	bind_fails(NULL, &t,
	           PATH ":11: [g] key 'enabled': '' is not a boolean (true/false, yes/no, on/off, "
	                "1/0)");
	SECTION(&t, "g", "label", "x", "interval", "-1s");
	bind_fails(demo_options, &t,
	           PATH
	           ":12: [g] key 'interval': '-1s' is not a duration (e.g. 30s, 1m30s, 500ms)");
	SECTION(&t, "g", "timeout", "0s");
	bind_fails(NULL, &t, PATH ":11: [g] key 'timeout': must be greater than 0");
	SECTION(&t, "g", "interval", "1m", "timeout", "5s", "interval", "2m");
	bind_fails(NULL, &t, PATH ":13: [g] key 'interval' is set twice (first at line 11)");
}

static void test_types(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	SECTION(&t, "demo", "port", "-7", "ratio", "1e3", "verbose", "Yes", "backoff", "500ms",
	        "label", "", "api_key", "s3cret");
	bind_ok(demo_options, &t, &keys, &opts);
	assert_int_equal(opts.nvalues, 8);

	const option_value *v = options_find(&opts, "port");
	assert_non_null(v);
	assert_ptr_equal(v->decl, &demo_options[1]);
	assert_int_equal(v->count, 1);
	assert_string_equal(v->text[0], "-7");
	assert_int_equal(v->parsed[0].i, -7);

	v = options_find(&opts, "ratio");
	assert_string_equal(v->text[0], "1e3");
	assert_true(v->parsed[0].d == 1000.0);

	v = options_find(&opts, "verbose");
	assert_string_equal(v->text[0], "Yes");
	assert_int_equal(v->parsed[0].b, 1);

	v = options_find(&opts, "backoff");
	assert_string_equal(v->text[0], "500ms");
	assert_true(v->parsed[0].d == 0.5);

	v = options_find(&opts, "label");
	assert_int_equal(v->count, 1);
	assert_string_equal(v->text[0], "");

	v = options_find(&opts, "api_key");
	assert_string_equal(v->text[0], "s3cret");

	/* Declared, not given, no default: present with no values. */
	v = options_find(&opts, "server");
	assert_non_null(v);
	assert_int_equal(v->count, 0);
	assert_null(options_find(&opts, "nope"));
	options_free(&opts);

	SECTION(&t, "demo", "port", "9223372036854775807", "ratio", "-0.25");
	bind_ok(demo_options, &t, &keys, &opts);
	assert_true(options_find(&opts, "port")->parsed[0].i == INT64_MAX);
	assert_true(options_find(&opts, "ratio")->parsed[0].d == -0.25);
	options_free(&opts);

	SECTION(&t, "demo", "port", "-9223372036854775808", "backoff", "0");
	bind_ok(demo_options, &t, &keys, &opts);
	assert_true(options_find(&opts, "port")->parsed[0].i == INT64_MIN);
	assert_true(options_find(&opts, "backoff")->parsed[0].d == 0);
	options_free(&opts);
}

/* [demo:x] with two servers, then key = value on line 13, must fail with "is not <what>". */
static void type_error(const char *key, const char *value, const char *what)
{
	test_section t;
	char expected[512];
	SECTION(&t, "demo:x", "server", "a", "server", "b", key, value);
	snprintf(expected, sizeof(expected), "%s:13: [demo:x] key '%s': '%s' is not %s", PATH, key,
	         value, what);
	bind_fails(demo_options, &t, expected);
}

static void test_type_errors(void **state)
{
	(void)state;
	const char *integer = "an integer", *number = "a number";
	const char *boolean = "a boolean (true/false, yes/no, on/off, 1/0)";
	const char *duration = "a duration (e.g. 30s, 1m30s, 500ms)";
	type_error("port", "12abc", integer);
	type_error("port", "", integer);
	type_error("port", "1.5", integer);
	type_error("port", "9223372036854775808", integer);
	type_error("port", "-9223372036854775809", integer);
	type_error("port", "0x10", integer);
	type_error("ratio", "abc", number);
	type_error("ratio", "nan", number);
	type_error("ratio", "inf", number);
	type_error("ratio", "1e999", number);
	type_error("ratio", "", number);
	type_error("ratio", "1.5x", number);
	type_error("verbose", "2", boolean);
	type_error("verbose", "enabled", boolean);
	type_error("backoff", "1h1h", duration);
	type_error("backoff", "5 s", duration);
}

static void test_secret_not_echoed(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	SECTION(&t, "demo", "pin", "hunter2");
	bind_fails(demo_options, &t,
	           PATH ":11: [demo] key 'pin': the value (secret, not shown) is not an integer");

	/* A secret given twice: both lines, never the values. */
	SECTION(&t, "demo", "api_key", "first-secret", "api_key", "second-secret");
	char err[512];
	assert_int_equal(options_bind(demo_options, &t.sec, PATH, &keys, &opts, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, PATH ":12: [demo] key 'api_key' is set twice (first at line 11); "
	                              "it takes one value");
	assert_null(strstr(err, "secret-"));

	assert_true(options_is_secret(demo_options, "api_key"));
	assert_true(options_is_secret(demo_options, "pin"));
	assert_false(options_is_secret(demo_options, "server"));
	assert_false(options_is_secret(demo_options, "unknown"));
	assert_false(options_is_secret(demo_options, "enabled"));
	assert_false(options_is_secret(NULL, "api_key"));
}

static void test_unknown_key(void **state)
{
	(void)state;
	test_section t;
	SECTION(&t, "demo", "port", "1", "sever", "x");
	bind_fails(demo_options, &t,
	           PATH ":12: [demo] unknown key 'sever'; known keys: enabled, interval, timeout, "
	                "server, port, ratio, verbose, backoff, api_key, pin, label");
	SECTION(&t, "bare", "target", "x");
	bind_fails(NULL, &t,
	           PATH ":11: [bare] unknown key 'target'; known keys: enabled, interval, timeout");
}

static void test_repeatable(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	SECTION(&t, "demo", "server", "pve:a", "port", "1", "server", "pvp:b", "server",
	        "vanilla:");
	bind_ok(demo_options, &t, &keys, &opts);
	const option_value *v = options_find(&opts, "server");
	assert_int_equal(v->count, 3);
	assert_string_equal(v->text[0], "pve:a");
	assert_string_equal(v->text[1], "pvp:b");
	assert_string_equal(v->text[2], "vanilla:");
	options_free(&opts);

	SECTION(&t, "demo", "port", "1", "label", "x", "port", "2");
	bind_fails(demo_options, &t,
	           PATH ":13: [demo] key 'port' is set twice (first at line 11); it takes one "
	                "value");

	SECTION(&t, "p", "target", "http://x", "codes", "200", "codes", "204");
	bind_ok(required_options, &t, &keys, &opts);
	v = options_find(&opts, "codes");
	assert_int_equal(v->count, 2);
	assert_int_equal(v->parsed[0].i, 200);
	assert_int_equal(v->parsed[1].i, 204);
	options_free(&opts);

	/* A repeatable value is checked one by one. */
	SECTION(&t, "p", "target", "x", "codes", "200", "codes", "2O4");
	bind_fails(required_options, &t, PATH ":13: [p] key 'codes': '2O4' is not an integer");
}

static void test_required(void **state)
{
	(void)state;
	test_section t;
	SECTION(&t, "http_probe:internal", "codes", "200");
	bind_fails(required_options, &t,
	           PATH ":10: [http_probe:internal] missing required key 'target' (URL to probe)");
	SECTION(&t, "http_probe", "target", "x", "interval", "5s");
	bind_fails(required_options, &t,
	           PATH ":10: [http_probe] missing required key 'codes' (accepted status codes)");
	make_section(&t, "http_probe", (const char *const[]){NULL});
	bind_fails(required_options, &t,
	           PATH ":10: [http_probe] missing required key 'target' (URL to probe)");
}

static void test_defaults(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	SECTION(&t, "demo", "ratio", "0.75");
	bind_ok(demo_options, &t, &keys, &opts);

	const option_value *v = options_find(&opts, "port");
	assert_int_equal(v->count, 1);
	assert_string_equal(v->text[0], "8080");
	assert_int_equal(v->parsed[0].i, 8080);
	v = options_find(&opts, "ratio"); /* given: the default is not added */
	assert_int_equal(v->count, 1);
	assert_true(v->parsed[0].d == 0.75);
	v = options_find(&opts, "verbose");
	assert_string_equal(v->text[0], "off");
	assert_int_equal(v->parsed[0].b, 0);
	v = options_find(&opts, "backoff");
	assert_string_equal(v->text[0], "1m30s");
	assert_true(v->parsed[0].d == 90);
	assert_int_equal(options_find(&opts, "api_key")->count, 0);
	options_free(&opts);

	/* A repeatable option's default is one value, replaced by any given ones. */
	static const exporterd_option with_list[] = {
	    {"tag", EXPORTERD_OPT_STRING, "none", "tags", EXPORTERD_OPT_REPEATABLE},
	    {NULL, 0, NULL, NULL, 0},
	};
	make_section(&t, "l", (const char *const[]){NULL});
	bind_ok(with_list, &t, &keys, &opts);
	assert_int_equal(options_find(&opts, "tag")->count, 1);
	assert_string_equal(options_find(&opts, "tag")->text[0], "none");
	options_free(&opts);
	SECTION(&t, "l", "tag", "a", "tag", "b");
	bind_ok(with_list, &t, &keys, &opts);
	assert_int_equal(options_find(&opts, "tag")->count, 2);
	assert_string_equal(options_find(&opts, "tag")->text[0], "a");
	options_free(&opts);
}

static void test_bad_declarations(void **state)
{
	(void)state;
	test_section t;
	make_section(&t, "broken", (const char *const[]){NULL});

	static const exporterd_option bad_default[] = {
	    {"port", EXPORTERD_OPT_INT, "eighty", "TCP port", 0},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(bad_default, &t,
	           PATH ":10: [broken] plugin 'broken': option 'port': default 'eighty' is not an "
	                "integer");

	static const exporterd_option bad_secret_default[] = {
	    {"token", EXPORTERD_OPT_DURATION, "topsecret", "token", EXPORTERD_OPT_SECRET},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(bad_secret_default, &t,
	           PATH ":10: [broken] plugin 'broken': option 'token': the default value is not "
	                "a duration (e.g. 30s, 1m30s, 500ms)");

	static const exporterd_option host_clash[] = {
	    {"label", EXPORTERD_OPT_STRING, NULL, "x", 0},
	    {"interval", EXPORTERD_OPT_DURATION, "1s", "mine", 0},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(host_clash, &t,
	           PATH ":10: [broken] plugin 'broken': option 'interval' is a key the host "
	                "handles itself (enabled, interval, timeout)");

	static const exporterd_option twice[] = {
	    {"a", EXPORTERD_OPT_STRING, NULL, "x", 0},
	    {"a", EXPORTERD_OPT_INT, NULL, "y", 0},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(twice, &t, PATH ":10: [broken] plugin 'broken': option 'a' is declared twice");

	static const exporterd_option bad_type[] = {
	    {"a", (exporterd_option_type)42, NULL, "x", 0},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(bad_type, &t,
	           PATH ":10: [broken] plugin 'broken': option 'a' has an unknown type (42)");

	static const exporterd_option empty_name[] = {
	    {"", EXPORTERD_OPT_STRING, NULL, "x", 0},
	    {NULL, 0, NULL, NULL, 0},
	};
	bind_fails(empty_name, &t,
	           PATH ":10: [broken] plugin 'broken': option #1 has an empty name");
}

static void test_error_after_values_frees(void **state)
{
	(void)state;
	/* Values bound before the failing entry are released (checked by ASan/valgrind). */
	test_section t;
	SECTION(&t, "demo", "server", "a", "server", "b", "port", "1", "label", "x", "bogus", "1");
	bind_fails(demo_options, &t,
	           PATH ":15: [demo] unknown key 'bogus'; known keys: enabled, interval, timeout, "
	                "server, port, ratio, verbose, backoff, api_key, pin, label");
	SECTION(&t, "demo", "server", "a", "label", "x");
	bind_fails(required_options, &t,
	           PATH ":11: [demo] unknown key 'server'; known keys: enabled, interval, timeout, "
	                "target, codes");
}

static void test_small_error_buffer(void **state)
{
	(void)state;
	test_section t;
	host_keys keys;
	bound_options opts;
	char err[8];
	SECTION(&t, "demo", "bogus", "1");
	assert_int_equal(options_bind(demo_options, &t.sec, PATH, &keys, &opts, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "conf/ex");
	assert_int_equal(options_bind(demo_options, &t.sec, PATH, &keys, &opts, err, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_host_keys_default),
	    cmocka_unit_test(test_host_keys),
	    cmocka_unit_test(test_host_key_errors),
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_type_errors),
	    cmocka_unit_test(test_secret_not_echoed),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_repeatable),
	    cmocka_unit_test(test_required),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad_declarations),
	    cmocka_unit_test(test_error_after_values_frees),
	    cmocka_unit_test(test_small_error_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
