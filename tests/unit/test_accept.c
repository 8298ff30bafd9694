/* Unit tests for content negotiation: Accept → format, Accept-Encoding → gzip or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "accept.h"

#include <stdbool.h>
#include <stdio.h>

#define OM   EXPOSITION_OPENMETRICS
#define TEXT EXPOSITION_TEXT

typedef struct format_vector {
	const char *accept;
	exposition_format want;
} format_vector;

static void test_format_vectors(void **state)
{
	(void)state;
	static const format_vector vectors[] = {
	    /* Absent or empty: text. */
	    {NULL, TEXT},
	    {"", TEXT},
	    {"   ", TEXT},
	    /* What Prometheus 2.42 sends. */
	    {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
	     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
	     OM},
	    /* Prometheus 3 (escaping parameters, text 1.0.0, protobuf first). */
	    {"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
	     "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
	     "escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
	     OM},
	    {"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
	     "encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;"
	     "escaping=underscores;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
	     OM},
	    /* Prometheus 3 configured for text first. */
	    {"text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,"
	     "application/openmetrics-text;version=1.0.0;q=0.4,*/*;q=0.1",
	     TEXT},
	    /* OpenMetrics named alone, in any version we accept: we serve 1.0.0. */
	    {"application/openmetrics-text", OM},
	    {"application/openmetrics-text;version=0.0.1", OM},
	    {"application/openmetrics-text; version=1.0.0; charset=utf-8", OM},
	    {"application/openmetrics-text;version=\"1.0.0\"", OM},
	    {"Application/OpenMetrics-Text;Version=1.0.0", OM},
	    /* A version we do not produce is not a match. */
	    {"application/openmetrics-text;version=2.0.0", TEXT},
	    {"application/openmetrics-text;version=2.0.0,*/*;q=0.1", TEXT},
	    /* Text named alone or with other things. */
	    {"text/plain", TEXT},
	    {"text/plain;version=0.0.4", TEXT},
	    {"text/plain; version=0.0.4; charset=utf-8", TEXT},
	    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", TEXT},
	    {"*/*", TEXT},
	    {"application/json", TEXT},
	    /* q-values decide... */
	    {"text/plain;q=0.5,application/openmetrics-text", OM},
	    {"text/plain,application/openmetrics-text;q=0.5", TEXT},
	    {"application/openmetrics-text;q=0.9,text/plain;q=0.91", TEXT},
	    {"application/openmetrics-text;q=1.000,text/plain;q=0.999", OM},
	    /* ...q=0 means "not acceptable"... */
	    {"application/openmetrics-text;q=0", TEXT},
	    {"application/openmetrics-text;q=0.000,*/*", TEXT},
	    {"text/plain;q=0,*/*", OM},
	    {"text/plain;q=0,application/openmetrics-text;q=0.1", OM},
	    {"*/*;q=0", TEXT},
	    /* ...then specificity... */
	    {"application/openmetrics-text;version=1.0.0,text/plain", OM},
	    {"text/plain;version=0.0.4,application/openmetrics-text", TEXT},
	    {"application/*,text/plain", TEXT},
	    {"text/*,application/openmetrics-text", OM},
	    {"application/*;q=0.8,text/*;q=0.5", OM},
	    /* ...then order. */
	    {"text/plain,application/openmetrics-text", TEXT},
	    {"application/openmetrics-text,text/plain", OM},
	    /* The most specific range sets an offer's q, wherever it stands. */
	    {"*/*;q=1,application/openmetrics-text;q=0.2,text/plain;q=0.3", TEXT},
	    {"application/openmetrics-text;version=1.0.0;q=0.9,application/openmetrics-text;q=0",
	     OM},
	    {"application/*;q=0,application/openmetrics-text", OM},
	    /* Whitespace, empty elements, case. */
	    {"  application/openmetrics-text ; version=1.0.0 ; q=1 , text/plain ; q=0.5 ", OM},
	    {",,application/openmetrics-text,,", OM},
	    {"TEXT/PLAIN;Q=0.4, APPLICATION/OPENMETRICS-TEXT;Q=0.6", OM},
	    /* Malformed elements are skipped, the rest still counts. */
	    {"application/openmetrics-text;q=2,text/plain;q=0.5", TEXT},
	    {"application/openmetrics-text;q=abc", TEXT},
	    {"application/openmetrics-text;q=0.1234", TEXT},
	    {"application/openmetrics-text;q=-1", TEXT},
	    {"garbage stuff here, application/openmetrics-text", OM},
	    {"application/openmetrics-text;version=\"1.0.0,text/plain", TEXT},
	    {"application/openmetrics-text;foo=\"a,b\";q=0.9,text/plain;q=0.8", OM},
	    {"text/plain;q=0.9 extra,application/openmetrics-text;q=0.1", OM},
	    {"/,;;;=,=", TEXT},
	    {"application/openmetrics-text;;q=0.9,text/plain;q=0.1", OM},
	};
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		exposition_format got = accept_format(vectors[i].accept);
		if (got != vectors[i].want)
			fail_msg("Accept: %s -> %s, want %s",
			         vectors[i].accept ? vectors[i].accept : "(none)",
			         got == OM ? "openmetrics" : "text",
			         vectors[i].want == OM ? "openmetrics" : "text");
	}
}

typedef struct gzip_vector {
	const char *accept_encoding;
	bool want;
} gzip_vector;

static void test_gzip_vectors(void **state)
{
	(void)state;
	static const gzip_vector vectors[] = {
	    {NULL, false},
	    {"", false},
	    {"gzip", true},
	    {"GZIP", true},
	    {"x-gzip", true},
	    {"gzip, deflate, br", true},
	    {"deflate, gzip;q=1.0, *;q=0.5", true},
	    {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
	    {"gzip;q=0", false},
	    {"gzip;q=0.0, identity", false},
	    {"*", true},
	    {"*;q=0.5", true},
	    {"*;q=0", false},
	    {"gzip;q=0, *", false}, /* the named coding wins over * */
	    {"*, gzip;q=0", false},
	    {"gzip;q=0.5, *;q=0", true},
	    {"identity", false},
	    {"deflate", false},
	    {"br, deflate", false},
	    {"identity;q=0, gzip", true},
	    {"identity;q=1, gzip;q=0.5", false}, /* the client prefers it uncompressed */
	    {"identity;q=0.5, gzip;q=0.5", true},
	    {"gzip;q=0.001", true},
	    {"  gzip  ;  q=0.7  ", true},
	    {"gzip;q=bad", false},
	    {"gzipx", false},
	    {"gzip ;", true},
	};
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		bool got = accept_gzip(vectors[i].accept_encoding);
		if (got != vectors[i].want)
			fail_msg("Accept-Encoding: %s -> %d, want %d",
			         vectors[i].accept_encoding ? vectors[i].accept_encoding : "(none)",
			         got, vectors[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_vectors),
	    cmocka_unit_test(test_gzip_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
