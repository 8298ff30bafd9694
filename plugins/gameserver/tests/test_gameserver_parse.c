/* Unit tests of the gameserver parsers: listing API JSON, A2S packets, label text rules. */
#include "gs_a2s_proto.h"
#include "gs_json.h"
#include "gs_result.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static gs_result parse(const char *body)
{
	gs_result r;
	gs_result_reset(&r);
	gs_json_parse_listing(body, strlen(body), &r);
	return r;
}

static void test_numbers_as_strings_and_numbers(void **state)
{
	(void)state;
	gs_result r = parse("{\"players\":\"12\",\"maxplayers\":\"24\",\"is_online\":\"1\","
	                    "\"uptime\":\"99.5\",\"rank\":\"42\",\"name\":\"PVE\"}");
	assert_int_equal(r.outcome, GS_OK);
	assert_int_equal(r.online, 1);
	assert_true(r.players == 12 && r.max_players == 24 && r.rank == 42);
	assert_true(fabs(r.uptime_ratio - 0.995) < 1e-12);
	assert_string_equal(r.name, "PVE");
	assert_true(isnan(r.votes) && isnan(r.bots));

	r = parse(" {\"players\":7,\"maxplayers\":32,\"is_online\":1,\"votes\":250,"
	          "\"version\":3.5}");
	assert_int_equal(r.outcome, GS_OK);
	assert_true(r.players == 7 && r.max_players == 32 && r.votes == 250);
	assert_string_equal(r.version, "3.5");
}

static void test_offline_may_omit_counts(void **state)
{
	(void)state;
	gs_result r = parse("{\"is_online\":\"0\",\"name\":\"down\"}");
	assert_int_equal(r.outcome, GS_OK);
	assert_int_equal(r.online, 0);
	assert_true(isnan(r.players));
}

static void test_errors_by_reason(void **state)
{
	(void)state;
	struct {
		const char *body;
		gs_outcome outcome;
	} cases[] = {
	    {"Error: server key not found", GS_ERR_API_ERROR},
	    {"{\"error\":\"Invalid key\"}", GS_ERR_API_ERROR},
	    {"<!DOCTYPE html><html></html>", GS_ERR_PARSE},
	    {"", GS_ERR_PARSE},
	    {"   \n", GS_ERR_PARSE},
	    {"{\"players\":\"12\",\"maxpla", GS_ERR_PARSE},
	    {"[{\"players\":\"1\",\"maxplayers\":\"2\"}]", GS_ERR_PARSE},
	    {"{\"name\":\"x\",\"is_online\":\"1\"}", GS_ERR_PARSE},
	    {"{\"players\":\"lots\",\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"{\"players\":\"nan\",\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"{\"players\":\"0x10\",\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"{\"players\":\"-3\",\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"{\"players\":[1],\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"{\"players\":1e999,\"maxplayers\":\"24\"}", GS_ERR_PARSE},
	    {"\"just a string\"", GS_ERR_API_ERROR},
	    {"42", GS_ERR_API_ERROR},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gs_result r = parse(cases[i].body);
		if (r.outcome != cases[i].outcome)
			fail_msg("case %zu (%s): outcome %d, want %d", i, cases[i].body, r.outcome,
			         cases[i].outcome);
		assert_true(r.detail[0] != '\0');
	}
}

static void test_bad_optional_fields_are_dropped(void **state)
{
	(void)state;
	gs_result r = parse("{\"players\":\" 4 \",\"maxplayers\":\"8\",\"rank\":\"n/a\","
	                    "\"votes\":\"\",\"score\":null,\"uptime\":\"250\"}");
	assert_int_equal(r.outcome, GS_OK);
	assert_true(r.players == 4 && r.max_players == 8);
	assert_true(isnan(r.rank) && isnan(r.votes) && isnan(r.score) && isnan(r.uptime_ratio));
}

static void test_body_need_not_be_terminated(void **state)
{
	(void)state;
	const char body[] = "{\"players\":1,\"maxplayers\":2}GARBAGE";
	gs_result r;
	gs_result_reset(&r);
	assert_int_equal(gs_json_parse_listing(body, 29, &r), 0);
	assert_true(r.players == 1);
}

static void test_text_copy(void **state)
{
	(void)state;
	char out[8];
	gs_text_copy(out, sizeof(out), "a\tb\nc\rd", 7);
	assert_string_equal(out, "a\tb\nc d");
	/* "abcdeé" is 7 bytes; the last character does not fit whole in 6. */
	char small[7];
	gs_text_copy(small, sizeof(small), "abcde\xC3\xA9", 7);
	assert_string_equal(small, "abcde");
	gs_text_copy(small, sizeof(small), "ab\0cd", 5);
	assert_string_equal(small, "ab");
}

static void test_scrub(void **state)
{
	(void)state;
	char text[64] = "Error: key SeCrEt not found (SeCrEt)";
	gs_text_scrub(text, sizeof(text), "SeCrEt");
	assert_string_equal(text, "Error: key <key> not found (<key>)");
	gs_text_scrub(text, sizeof(text), "");
	assert_string_equal(text, "Error: key <key> not found (<key>)");
}

static size_t info_packet(unsigned char *p, size_t cut)
{
	static const unsigned char pkt[] = "\xFF\xFF\xFF\xFF\x49\x11"
	                                   "Name \"q\"\0map\0folder\0Game\0"
	                                   "\x22\xA6\x07\x18\x02\x64\x6C\x00\x01"
	                                   "1.0\0\x80\x87\x69";
	size_t len = sizeof(pkt) - 1;
	memcpy(p, pkt, len);
	return cut ? cut : len;
}

static void test_a2s_query_and_answers(void **state)
{
	(void)state;
	unsigned char q[GS_A2S_QUERY_MAX];
	assert_int_equal(gs_a2s_build_query(q, NULL), 25);
	assert_memory_equal(q, "\xFF\xFF\xFF\xFF\x54Source Engine Query\0", 25);
	const unsigned char ch[4] = {1, 2, 3, 4};
	assert_int_equal(gs_a2s_build_query(q, ch), 29);
	assert_memory_equal(q + 25, ch, 4);

	unsigned char challenge[4] = {0};
	gs_result r;
	gs_result_reset(&r);
	const unsigned char chpkt[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x41, 9, 8, 7, 6};
	assert_int_equal(gs_a2s_parse_answer(chpkt, sizeof(chpkt), challenge, &r),
	                 GS_A2S_CHALLENGE);
	assert_int_equal(challenge[0], 9);
	assert_int_equal(challenge[3], 6);

	unsigned char p[256];
	size_t len = info_packet(p, 0);
	gs_result_reset(&r);
	assert_int_equal(gs_a2s_parse_answer(p, len, challenge, &r), GS_A2S_INFO);
	assert_int_equal(r.outcome, GS_OK);
	assert_string_equal(r.name, "Name \"q\"");
	assert_string_equal(r.map, "map");
	assert_string_equal(r.game, "Game");
	assert_string_equal(r.version, "1.0");
	assert_true(r.players == 7 && r.max_players == 24 && r.bots == 2);

	/* Every cut of the packet before the version's NUL is refused, never read past. */
	size_t version_end = len - 4;
	for (size_t cut = 1; cut < version_end; cut++) {
		info_packet(p, 0);
		gs_result_reset(&r);
		assert_int_equal(gs_a2s_parse_answer(p, cut, challenge, &r), GS_A2S_BAD);
		assert_int_equal(r.outcome, GS_ERR_PARSE);
	}
	const unsigned char split[] = {0xFE, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5};
	gs_result_reset(&r);
	assert_int_equal(gs_a2s_parse_answer(split, sizeof(split), challenge, &r), GS_A2S_BAD);
	const unsigned char http[] = "HTTP/1.0 400";
	gs_result_reset(&r);
	assert_int_equal(gs_a2s_parse_answer(http, sizeof(http) - 1, challenge, &r), GS_A2S_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numbers_as_strings_and_numbers),
	    cmocka_unit_test(test_offline_may_omit_counts),
	    cmocka_unit_test(test_errors_by_reason),
	    cmocka_unit_test(test_bad_optional_fields_are_dropped),
	    cmocka_unit_test(test_body_need_not_be_terminated),
	    cmocka_unit_test(test_text_copy),
	    cmocka_unit_test(test_scrub),
	    cmocka_unit_test(test_a2s_query_and_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
