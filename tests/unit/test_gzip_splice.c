/* Unit tests for the gzip splice: CRC-32 combination and members that decompress everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gzip_splice.h"

#include <libdeflate.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* xorshift64*: reproducible data without libc's rand state. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng_next();
}

/* Exposition-like text: compressible, like the bodies the splice wraps. */
static void fill_text(char *p, size_t n, unsigned seed)
{
	size_t at = 0;
	for (unsigned i = 0; at < n; i++) {
		char line[128];
		int len =
		    snprintf(line, sizeof(line), "demo_metric_%u{instance=\"i%u\",n=\"%u\"} %u\n",
		             seed % 7, i % 13, i, (seed * 31 + i) % 1000);
		size_t take = (size_t)len < n - at ? (size_t)len : n - at;
		memcpy(p + at, line, take);
		at += take;
	}
}

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)libdeflate_crc32(0, p, n);
}

static void test_crc32_combine_matches_whole(void **state)
{
	(void)state;
	size_t max = 300000;
	unsigned char *buf = malloc(max);
	assert_non_null(buf);
	fill_random(buf, max);
	for (int round = 0; round < 200; round++) {
		size_t len = round < 10 ? (size_t)round : (size_t)(rng_next() % max);
		size_t split = len ? (size_t)(rng_next() % (len + 1)) : 0;
		if (round % 17 == 0)
			split = len; /* empty second part */
		if (round % 19 == 0)
			split = 0; /* empty first part */
		uint32_t combined =
		    gzip_crc32_combine(crc(buf, split), crc(buf + split, len - split), len - split);
		assert_int_equal(combined, crc(buf, len));
	}
	free(buf);
}

static void test_crc32_shift_matches_combine(void **state)
{
	(void)state;
	size_t max = 300000;
	unsigned char *buf = malloc(max);
	assert_non_null(buf);
	fill_random(buf, max);
	for (int round = 0; round < 100; round++) {
		size_t len = round < 10 ? (size_t)round : (size_t)(rng_next() % max);
		size_t split = len ? (size_t)(rng_next() % (len + 1)) : 0;
		gzip_crc32_shift shift;
		gzip_crc32_shift_init(&shift, len - split);
		uint32_t a = crc(buf, split), b = crc(buf + split, len - split);
		assert_int_equal(gzip_crc32_shift_combine(&shift, a, b), crc(buf, len));
		assert_int_equal(gzip_crc32_shift_combine(&shift, a, b),
		                 gzip_crc32_combine(a, b, len - split));
	}
	/* Lengths past 4 GiB (ISIZE wraps, the CRC does not). */
	gzip_crc32_shift shift;
	uint64_t huge = (1ull << 32) + 12345;
	gzip_crc32_shift_init(&shift, huge);
	assert_int_equal(gzip_crc32_shift_combine(&shift, 0xdeadbeefu, 0x12345678u),
	                 gzip_crc32_combine(0xdeadbeefu, 0x12345678u, huge));
	free(buf);
}

static void test_crc32_combine_known_values(void **state)
{
	(void)state;
	/* CRC-32("123456789") = 0xCBF43926, the standard check value. */
	const char *s = "123456789";
	assert_int_equal(crc(s, 9), 0xcbf43926u);
	assert_int_equal(gzip_crc32_combine(crc(s, 4), crc(s + 4, 5), 5), 0xcbf43926u);
	assert_int_equal(gzip_crc32_combine(0, crc(s, 9), 9), 0xcbf43926u);
	assert_int_equal(gzip_crc32_combine(crc(s, 9), 0, 0), 0xcbf43926u);
}

/* A spliced member: prefix(dynamic) + raw DEFLATE(body) + trailer. */
typedef struct member {
	unsigned char *data;
	size_t len;
} member;

static member splice(const void *dynamic, size_t dynamic_len, const void *body, size_t body_len,
                     int level)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	assert_non_null(c);
	size_t bound = libdeflate_deflate_compress_bound(c, body_len);
	size_t total = gzip_splice_prefix_bound(dynamic_len) + bound + GZIP_SPLICE_TRAILER_LEN;
	member m = {malloc(total), 0};
	assert_non_null(m.data);
	m.len = gzip_splice_prefix(m.data, dynamic, dynamic_len);
	assert_true(m.len <= gzip_splice_prefix_bound(dynamic_len));
	size_t n = libdeflate_deflate_compress(c, body, body_len, m.data + m.len, bound);
	assert_true(n > 0);
	m.len += n;
	libdeflate_free_compressor(c);
	uint32_t whole =
	    gzip_crc32_combine(crc(dynamic, dynamic_len), crc(body, body_len), body_len);
	gzip_splice_trailer(m.data + m.len, whole, (uint64_t)dynamic_len + body_len);
	m.len += GZIP_SPLICE_TRAILER_LEN;
	return m;
}

static void assert_libdeflate_roundtrip(const member *m, const char *expect, size_t expect_len)
{
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	assert_non_null(d);
	char *out = malloc(expect_len + 1);
	assert_non_null(out);
	size_t in_used = 0, out_len = 0;
	enum libdeflate_result rc = libdeflate_gzip_decompress_ex(
	    d, m->data, m->len, out, expect_len + 1, &in_used, &out_len);
	assert_int_equal(rc, LIBDEFLATE_SUCCESS);
	assert_int_equal(in_used, m->len);
	assert_int_equal(out_len, expect_len);
	assert_memory_equal(out, expect, expect_len);
	free(out);
	libdeflate_free_decompressor(d);
}

/* Members also checked by python3's gzip module (an independent inflater that
 * verifies CRC and length): written to a scratch folder, checked in one run. */
static char python_dir[] = "/tmp/exporterd-splice-XXXXXX";
static int python_count;

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void queue_python_check(const member *m, const char *expect, size_t expect_len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%d.gz", python_dir, python_count);
	write_file(path, m->data, m->len);
	snprintf(path, sizeof(path), "%s/%d.txt", python_dir, python_count);
	write_file(path, expect, expect_len);
	python_count++;
}

static void test_python_reads_every_queued_member(void **state)
{
	(void)state;
	assert_true(python_count > 0);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "python3 -c 'import gzip,sys\n"
	         "d, n = sys.argv[1], int(sys.argv[2])\n"
	         "for i in range(n):\n"
	         "    got = gzip.decompress(open(\"%%s/%%d.gz\" %% (d, i), \"rb\").read())\n"
	         "    assert got == open(\"%%s/%%d.txt\" %% (d, i), \"rb\").read(), i\n"
	         "print(n)' %s %d",
	         python_dir, python_count);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	int checked = -1;
	assert_int_equal(fscanf(p, "%d", &checked), 1);
	assert_int_equal(pclose(p), 0);
	assert_int_equal(checked, python_count);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", python_dir);
	assert_int_equal(system(cmd), 0);
}

static void check_sizes(size_t dynamic_len, size_t body_len, int level, bool python)
{
	char *dynamic = malloc(dynamic_len + 1), *body = malloc(body_len + 1);
	char *whole = malloc(dynamic_len + body_len + 1);
	assert_true(dynamic && body && whole);
	fill_text(dynamic, dynamic_len, 1);
	fill_text(body, body_len, 2);
	memcpy(whole, dynamic, dynamic_len);
	memcpy(whole + dynamic_len, body, body_len);
	member m = splice(dynamic, dynamic_len, body, body_len, level);
	assert_libdeflate_roundtrip(&m, whole, dynamic_len + body_len);
	if (python)
		queue_python_check(&m, whole, dynamic_len + body_len);
	free(m.data);
	free(dynamic);
	free(body);
	free(whole);
}

static void test_splice_edge_sizes(void **state)
{
	(void)state;
	const size_t dyn[] = {0, 1, 100, 65534, 65535, 65536, 131070, 131071, 200000};
	const size_t body[] = {0, 1, 5000, 300000};
	for (size_t i = 0; i < sizeof(dyn) / sizeof(dyn[0]); i++) {
		for (size_t j = 0; j < sizeof(body) / sizeof(body[0]); j++)
			check_sizes(dyn[i], body[j], 6, true);
	}
}

static void test_splice_random_sizes_and_levels(void **state)
{
	(void)state;
	for (int round = 0; round < 30; round++) {
		size_t dynamic_len = (size_t)(rng_next() % 150000);
		if (round % 5 == 0)
			dynamic_len = 0;
		size_t body_len = (size_t)(rng_next() % 200000);
		/* Every level ends its stream differently; the slow 10-12 once each. */
		int level = round < 3 ? 10 + round : 1 + (int)(rng_next() % 9);
		check_sizes(dynamic_len, body_len, level, true);
	}
}

static void test_prefix_layout(void **state)
{
	(void)state;
	unsigned char out[64];
	/* No dynamic text: just the 10-byte header. */
	assert_int_equal(gzip_splice_prefix(out, "", 0), GZIP_SPLICE_HEADER_LEN);
	assert_int_equal(out[0], 0x1f);
	assert_int_equal(out[1], 0x8b);
	assert_int_equal(out[2], 8);
	/* "abc": one stored block that is not final, LEN 3, NLEN ~3. */
	size_t n = gzip_splice_prefix(out, "abc", 3);
	assert_int_equal(n, GZIP_SPLICE_HEADER_LEN + 5 + 3);
	const unsigned char block[] = {0x00, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c'};
	assert_memory_equal(out + GZIP_SPLICE_HEADER_LEN, block, sizeof(block));
	assert_int_equal(gzip_splice_prefix_bound(0), GZIP_SPLICE_HEADER_LEN);
	assert_int_equal(gzip_splice_prefix_bound(65535), GZIP_SPLICE_HEADER_LEN + 65535 + 5);
	assert_int_equal(gzip_splice_prefix_bound(65536), GZIP_SPLICE_HEADER_LEN + 65536 + 10);

	unsigned char trailer[GZIP_SPLICE_TRAILER_LEN];
	gzip_splice_trailer(trailer, 0x11223344u, 0x100000005ull); /* ISIZE is mod 2^32 */
	const unsigned char expect[] = {0x44, 0x33, 0x22, 0x11, 0x05, 0, 0, 0};
	assert_memory_equal(trailer, expect, sizeof(expect));
}

static void test_bad_crc_is_detected(void **state)
{
	(void)state;
	/* The check is real: a wrong trailer makes the inflater refuse the member. */
	char body[1000];
	fill_text(body, sizeof(body), 3);
	member m = splice("x", 1, body, sizeof(body), 6);
	m.data[m.len - GZIP_SPLICE_TRAILER_LEN] ^= 1;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	char out[2000];
	size_t out_len;
	assert_int_equal(libdeflate_gzip_decompress(d, m.data, m.len, out, sizeof(out), &out_len),
	                 LIBDEFLATE_BAD_DATA);
	libdeflate_free_decompressor(d);
	free(m.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc32_combine_matches_whole),
	    cmocka_unit_test(test_crc32_combine_known_values),
	    cmocka_unit_test(test_crc32_shift_matches_combine),
	    cmocka_unit_test(test_prefix_layout),
	    cmocka_unit_test(test_splice_edge_sizes),
	    cmocka_unit_test(test_splice_random_sizes_and_levels),
	    cmocka_unit_test(test_bad_crc_is_detected),
	    cmocka_unit_test(test_python_reads_every_queued_member),
	};
	if (!mkdtemp(python_dir)) {
		perror("mkdtemp");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
