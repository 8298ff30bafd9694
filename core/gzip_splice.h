/* A gzip member made of per-request text in stored blocks followed by a cached raw DEFLATE stream.
 */
#ifndef EXPORTERD_GZIP_SPLICE_H
#define EXPORTERD_GZIP_SPLICE_H

#include <stddef.h>
#include <stdint.h>

#define GZIP_SPLICE_HEADER_LEN  10
#define GZIP_SPLICE_TRAILER_LEN 8

/* CRC-32 of A followed by B, from crc1 = CRC-32(A), crc2 = CRC-32(B) and len2 =
 * length of B (zlib's GF(2) matrix method; no data is read). */
uint32_t gzip_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);

/* The change to a CRC-32 from appending a fixed number of bytes. Computed once
 * per cached body, it makes each combination 32 steps instead of a chain of
 * matrix squarings. */
typedef struct gzip_crc32_shift {
	uint32_t matrix[32];
} gzip_crc32_shift;

/* Prepares shift for a second part of len2 bytes. */
void gzip_crc32_shift_init(gzip_crc32_shift *shift, uint64_t len2);
/* Same result as gzip_crc32_combine(crc1, crc2, len2) for the len2 of shift. */
uint32_t gzip_crc32_shift_combine(const gzip_crc32_shift *shift, uint32_t crc1, uint32_t crc2);

/* Size gzip_splice_prefix needs for dynamic_len bytes of dynamic text. */
size_t gzip_splice_prefix_bound(size_t dynamic_len);

/* Writes the gzip header, then the dynamic text as DEFLATE stored blocks that
 * are not final, into out (gzip_splice_prefix_bound(dynamic_len) bytes). The
 * member continues with a complete raw DEFLATE stream (its last block final)
 * and ends with gzip_splice_trailer. Returns the bytes written. */
size_t gzip_splice_prefix(unsigned char *out, const void *dynamic, size_t dynamic_len);

/* Writes the 8-byte trailer: CRC-32 and length (mod 2^32) of the whole
 * uncompressed text. */
void gzip_splice_trailer(unsigned char out[GZIP_SPLICE_TRAILER_LEN], uint32_t crc,
                         uint64_t total_len);

#endif
