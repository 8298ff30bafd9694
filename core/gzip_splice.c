/* Builds gzip responses around a cached raw DEFLATE body without compressing it again. */
#include "gzip_splice.h"

#include <string.h>

/* Largest payload of one DEFLATE stored block (LEN is 16 bits). */
#define STORED_BLOCK_MAX 65535u
#define STORED_HEADER    5u

/* CRC-32 state transitions are linear over GF(2): a 32x32 bit matrix, one
 * column per 32-bit word, moves a CRC past a run of zero bits. */
typedef uint32_t gf2_matrix[32];

static uint32_t gf2_times(const gf2_matrix m, uint32_t vec)
{
	uint32_t sum = 0;
	for (const uint32_t *col = m; vec; vec >>= 1, col++) {
		if (vec & 1)
			sum ^= *col;
	}
	return sum;
}

static void gf2_square(gf2_matrix out, const gf2_matrix m)
{
	for (int i = 0; i < 32; i++)
		out[i] = gf2_times(m, m[i]);
}

uint32_t gzip_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
	if (len2 == 0)
		return crc1; /* B is empty */
	gf2_matrix odd, even;
	/* The operator for one zero bit: shift right, xor the reflected polynomial on carry. */
	odd[0] = 0xedb88320u;
	for (int i = 1; i < 32; i++)
		odd[i] = 1u << (i - 1);
	gf2_square(even, odd); /* two zero bits */
	gf2_square(odd, even); /* four zero bits */
	/* Each squaring doubles the shift, starting at one zero byte; apply the
	 * powers of two present in len2 (counted in bytes). */
	for (;;) {
		gf2_square(even, odd);
		if (len2 & 1)
			crc1 = gf2_times(even, crc1);
		len2 >>= 1;
		if (len2 == 0)
			break;
		gf2_square(odd, even);
		if (len2 & 1)
			crc1 = gf2_times(odd, crc1);
		len2 >>= 1;
		if (len2 == 0)
			break;
	}
	return crc1 ^ crc2;
}

/* out = a after b: applying out is applying b, then a. out may not alias a or b. */
static void gf2_multiply(gf2_matrix out, const gf2_matrix a, const gf2_matrix b)
{
	for (int i = 0; i < 32; i++)
		out[i] = gf2_times(a, b[i]);
}

void gzip_crc32_shift_init(gzip_crc32_shift *shift, uint64_t len2)
{
	gf2_matrix power, square, result, next;
	/* One zero bit, then squared three times: one zero byte. */
	power[0] = 0xedb88320u;
	for (int i = 1; i < 32; i++)
		power[i] = 1u << (i - 1);
	for (int k = 0; k < 3; k++) {
		gf2_square(square, power);
		memcpy(power, square, sizeof(power));
	}
	for (int i = 0; i < 32; i++)
		result[i] = 1u << i; /* identity: zero bytes */
	/* Powers of one operator commute, so the bits of len2 can be applied in any order. */
	while (len2) {
		if (len2 & 1) {
			gf2_multiply(next, power, result);
			memcpy(result, next, sizeof(result));
		}
		len2 >>= 1;
		if (len2) {
			gf2_square(square, power);
			memcpy(power, square, sizeof(power));
		}
	}
	memcpy(shift->matrix, result, sizeof(result));
}

uint32_t gzip_crc32_shift_combine(const gzip_crc32_shift *shift, uint32_t crc1, uint32_t crc2)
{
	return gf2_times(shift->matrix, crc1) ^ crc2;
}

size_t gzip_splice_prefix_bound(size_t dynamic_len)
{
	size_t blocks = (dynamic_len + STORED_BLOCK_MAX - 1) / STORED_BLOCK_MAX;
	return GZIP_SPLICE_HEADER_LEN + dynamic_len + blocks * STORED_HEADER;
}

size_t gzip_splice_prefix(unsigned char *out, const void *dynamic, size_t dynamic_len)
{
	/* ID1 ID2, CM=deflate, no flags, no mtime (the body is shared across
	 * responses), XFL 0, OS=Unix. */
	static const unsigned char header[GZIP_SPLICE_HEADER_LEN] = {0x1f, 0x8b, 8, 0, 0,
	                                                             0,    0,    0, 0, 3};
	memcpy(out, header, sizeof(header));
	size_t at = sizeof(header);
	const unsigned char *src = dynamic;
	while (dynamic_len > 0) {
		size_t n = dynamic_len < STORED_BLOCK_MAX ? dynamic_len : STORED_BLOCK_MAX;
		/* BFINAL=0, BTYPE=00 and the padding to the byte boundary: one zero
		 * byte, since every block here starts byte-aligned. */
		out[at++] = 0;
		out[at++] = (unsigned char)(n & 0xff);
		out[at++] = (unsigned char)(n >> 8);
		out[at++] = (unsigned char)(~n & 0xff);
		out[at++] = (unsigned char)((~n >> 8) & 0xff);
		memcpy(out + at, src, n);
		at += n;
		src += n;
		dynamic_len -= n;
	}
	return at;
}

void gzip_splice_trailer(unsigned char out[GZIP_SPLICE_TRAILER_LEN], uint32_t crc,
                         uint64_t total_len)
{
	uint32_t isize = (uint32_t)total_len;
	for (int i = 0; i < 4; i++) {
		out[i] = (unsigned char)(crc >> (8 * i));
		out[4 + i] = (unsigned char)(isize >> (8 * i));
	}
}
