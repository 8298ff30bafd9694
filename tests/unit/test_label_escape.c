/* Unit tests for label value and HELP escaping and UTF-8 repair (the EXPOSITION.md vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "label_escape.h"

#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"

static void expect_escape(const char *raw, label_escape_mode mode, const char *want)
{
	size_t len = strlen(raw);
	char *out = malloc(LABEL_ESCAPE_MAX(len) + 1);
	assert_non_null(out);
	size_t n = label_escape(out, raw, len, mode);
	assert_true(n <= LABEL_ESCAPE_MAX(len));
	out[n] = '\0';
	assert_string_equal(out, want);
	assert_true(label_utf8_valid(out, n));
	free(out);
}

static void expect_label_value(const char *raw, const char *want)
{
	expect_escape(raw, LABEL_ESCAPE_QUOTED, want);
}

static void test_exposition_vectors(void **state)
{
	(void)state;
	expect_label_value("a\"b", "a\\\"b");
	expect_label_value("C:\\DIR", "C:\\\\DIR");
	expect_label_value("line\nbreak", "line\\nbreak");
	expect_label_value("tab\there", "tab\there");
	expect_label_value("\xFF", FFFD);
	expect_label_value("", "");
	expect_label_value("plain", "plain");
	expect_label_value("\\\"\n", "\\\\\\\"\\n");
	expect_label_value("carriage\rreturn", "carriage\rreturn");
}

static void test_help_text_keeps_quotes(void **state)
{
	(void)state;
	expect_escape("say \"hi\"\\\nnext", LABEL_ESCAPE_HELP_TEXT, "say \"hi\"\\\\\\nnext");
	expect_escape("say \"hi\"", LABEL_ESCAPE_QUOTED, "say \\\"hi\\\"");
	expect_escape("bad \xC3", LABEL_ESCAPE_HELP_TEXT, "bad " FFFD);
}

static void test_valid_utf8_kept(void **state)
{
	(void)state;
	/* 2, 3 and 4 byte forms, the edges of each range. */
	expect_label_value("caf\xC3\xA9", "caf\xC3\xA9");
	expect_label_value("\xC2\x80\xDF\xBF", "\xC2\x80\xDF\xBF");
	expect_label_value("\xE0\xA0\x80\xEF\xBF\xBF", "\xE0\xA0\x80\xEF\xBF\xBF");
	expect_label_value("\xED\x9F\xBF\xEE\x80\x80", "\xED\x9F\xBF\xEE\x80\x80");
	expect_label_value("\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
	expect_label_value("Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t", "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t");
}

static void test_invalid_bytes_replaced(void **state)
{
	(void)state;
	expect_label_value("a\xFF"
	                   "b",
	                   "a" FFFD "b");
	expect_label_value("\xFE\xFF", FFFD FFFD);
	expect_label_value("\x80", FFFD);                            /* lone continuation byte */
	expect_label_value("\xBF\x80", FFFD FFFD);                   /* two of them */
	expect_label_value("\xF5\x80\x80\x80", FFFD FFFD FFFD FFFD); /* F5 is never a lead byte */
}

static void test_truncated_sequences(void **state)
{
	(void)state;
	/* One replacement per maximal ill-formed subpart. */
	expect_label_value("\xC3", FFFD);
	expect_label_value("\xE2\x82", FFFD);
	expect_label_value("\xF0\x9F\x98", FFFD);
	expect_label_value("\xE2\x82"
	                   "A",
	                   FFFD "A");
	expect_label_value("\xF0\x9F"
	                   "\xE2\x82\xAC",
	                   FFFD "\xE2\x82\xAC");
	expect_label_value("end\xE2", "end" FFFD);
}

static void test_overlong_encodings(void **state)
{
	(void)state;
	expect_label_value("\xC0\xAF", FFFD FFFD); /* '/' in two bytes */
	expect_label_value("\xC1\xBF", FFFD FFFD);
	expect_label_value("\xE0\x80\xAF", FFFD FFFD FFFD); /* '/' in three bytes */
	expect_label_value("\xE0\x9F\xBF", FFFD FFFD FFFD); /* below U+0800 */
	expect_label_value("\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD);
	expect_label_value("\xF0\x8F\xBF\xBF", FFFD FFFD FFFD FFFD); /* below U+10000 */
	expect_label_value("\xC0\x22", FFFD "\\\""); /* an overlong never hides a quote */
}

static void test_surrogates_and_beyond_unicode(void **state)
{
	(void)state;
	expect_label_value("\xED\xA0\x80", FFFD FFFD FFFD);          /* U+D800 */
	expect_label_value("\xED\xBF\xBF", FFFD FFFD FFFD);          /* U+DFFF */
	expect_label_value("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* U+110000 */
}

static void test_valid_and_repair(void **state)
{
	(void)state;
	assert_true(label_utf8_valid("abc\xC3\xA9", 5));
	assert_true(label_utf8_valid("", 0));
	assert_false(label_utf8_valid("\xFF", 1));
	assert_false(label_utf8_valid("\xE2\x82", 2));
	assert_false(label_utf8_valid("\xED\xA0\x80", 3));
	char out[32];
	size_t n = label_utf8_repair(out, "a\xFF\"\n", 4);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a" FFFD "\"\n", 6); /* repair does not escape */
	/* Embedded NUL bytes (key separators) pass through. */
	n = label_utf8_repair(out, "a\0\xC3", 3);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\0" FFFD, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exposition_vectors),
	    cmocka_unit_test(test_help_text_keeps_quotes),
	    cmocka_unit_test(test_valid_utf8_kept),
	    cmocka_unit_test(test_invalid_bytes_replaced),
	    cmocka_unit_test(test_truncated_sequences),
	    cmocka_unit_test(test_overlong_encodings),
	    cmocka_unit_test(test_surrogates_and_beyond_unicode),
	    cmocka_unit_test(test_valid_and_repair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
