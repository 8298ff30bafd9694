/* Unit tests for the plugin loader: real dlopen of the test-only plugins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loader.h"

#include <stdlib.h>
#include <string.h>

static const char *plugin_dir(void)
{
	const char *dir = getenv("TEST_PLUGIN_DIR");
	assert_non_null(dir);
	return dir;
}

/* Loads `name` expecting failure; returns the message in a static buffer. */
static const char *load_error(const char *name)
{
	static char err[1024];
	loaded_plugin p;
	err[0] = '\0';
	assert_int_equal(loader_open(plugin_dir(), name, &p, err, sizeof(err)), -1);
	assert_null(p.handle);
	assert_null(p.path);
	return err;
}

static void test_loads_a_good_plugin(void **state)
{
	(void)state;
	char err[256];
	loaded_plugin p;
	assert_int_equal(loader_open(plugin_dir(), "well_behaved", &p, err, sizeof(err)), 0);
	assert_non_null(p.handle);
	assert_string_equal(p.desc->name, "well_behaved");
	assert_int_equal(p.desc->abi_major, EXPORTERD_ABI_MAJOR);
	assert_non_null(strstr(p.path, "/well_behaved.so"));
	loader_close(&p);
	assert_null(p.handle);
	loader_close(&p); /* closing twice is harmless */
}

static void test_missing_file_names_the_path(void **state)
{
	(void)state;
	const char *err = load_error("no_such_plugin");
	assert_non_null(strstr(err, "/no_such_plugin.so"));
	assert_non_null(strstr(err, "No such file"));
}

static void test_undefined_symbol_shows_dlerror(void **state)
{
	(void)state;
	const char *err = load_error("undefined_symbol");
	assert_non_null(strstr(err, "/undefined_symbol.so"));
	assert_non_null(strstr(err, "undefined symbol"));
}

static void test_wrong_abi_is_refused(void **state)
{
	(void)state;
	const char *err = load_error("wrong_abi");
	assert_non_null(strstr(err, "/wrong_abi.so"));
	assert_non_null(strstr(err, "built for plugin ABI 99."));
}

static void test_too_small_descriptor_is_refused(void **state)
{
	(void)state;
	const char *err = load_error("too_small");
	assert_non_null(strstr(err, "descriptor is"));
	assert_non_null(strstr(err, "smaller than"));
}

static void test_name_mismatch_is_refused(void **state)
{
	(void)state;
	const char *err = load_error("name_mismatch");
	assert_non_null(strstr(err, "descriptor names the plugin"));
	assert_non_null(strstr(err, "\"name_mismatch\""));
}

static void test_shared_object_without_descriptor(void **state)
{
	(void)state;
	const char *err = load_error("not_a_plugin");
	assert_non_null(strstr(err, "no symbol exporterd_plugin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loads_a_good_plugin),
	    cmocka_unit_test(test_missing_file_names_the_path),
	    cmocka_unit_test(test_undefined_symbol_shows_dlerror),
	    cmocka_unit_test(test_wrong_abi_is_refused),
	    cmocka_unit_test(test_too_small_descriptor_is_refused),
	    cmocka_unit_test(test_name_mismatch_is_refused),
	    cmocka_unit_test(test_shared_object_without_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
