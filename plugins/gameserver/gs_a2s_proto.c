/* A2S_INFO wire format (Valve's "Server queries" page): query, challenge, answer. */
#include "gs_a2s_proto.h"

#include <stdint.h>
#include <string.h>

#define GS_A2S_SINGLE_PACKET  0xFFFFFFFFu
#define GS_A2S_SPLIT_PACKET   0xFFFFFFFEu
#define GS_A2S_QUERY_TYPE     0x54 /* 'T' */
#define GS_A2S_INFO_TYPE      0x49 /* 'I' */
#define GS_A2S_CHALLENGE_TYPE 0x41 /* 'A' */
#define GS_A2S_GOLDSRC_TYPE   0x6D /* 'm', the obsolete GoldSource answer */
#define GS_A2S_THE_SHIP_APPID 2400

static const char gs_a2s_payload[] = "Source Engine Query";

size_t gs_a2s_build_query(unsigned char *buf, const unsigned char *challenge)
{
	size_t n = 0;
	memset(buf, 0xFF, 4);
	n += 4;
	buf[n++] = GS_A2S_QUERY_TYPE;
	memcpy(buf + n, gs_a2s_payload, sizeof(gs_a2s_payload)); /* with its NUL */
	n += sizeof(gs_a2s_payload);
	if (challenge) {
		memcpy(buf + n, challenge, 4);
		n += 4;
	}
	return n;
}

/* A bounded reader over one packet. */
typedef struct gs_a2s_reader {
	const unsigned char *p;
	size_t len;
	size_t pos;
	int bad;
} gs_a2s_reader;

static unsigned gs_a2s_byte(gs_a2s_reader *rd)
{
	if (rd->pos >= rd->len) {
		rd->bad = 1;
		return 0;
	}
	return rd->p[rd->pos++];
}

static unsigned gs_a2s_short(gs_a2s_reader *rd)
{
	unsigned lo = gs_a2s_byte(rd);
	unsigned hi = gs_a2s_byte(rd);
	return lo | hi << 8;
}

/* A NUL-terminated string, copied as label text; a missing NUL is an error. */
static void gs_a2s_string(gs_a2s_reader *rd, char *dst, size_t dstlen)
{
	const unsigned char *start = rd->p + rd->pos;
	const void *nul = rd->pos < rd->len ? memchr(start, 0, rd->len - rd->pos) : NULL;
	if (!nul) {
		rd->bad = 1;
		if (dst)
			dst[0] = '\0';
		return;
	}
	size_t n = (size_t)((const unsigned char *)nul - start);
	if (dst)
		gs_text_copy(dst, dstlen, (const char *)start, n);
	rd->pos += n + 1;
}

static uint32_t gs_a2s_header(const unsigned char *pkt)
{
	return (uint32_t)pkt[0] | (uint32_t)pkt[1] << 8 | (uint32_t)pkt[2] << 16 |
	       (uint32_t)pkt[3] << 24;
}

gs_a2s_answer gs_a2s_parse_answer(const unsigned char *pkt, size_t len, unsigned char challenge[4],
                                  gs_result *r)
{
	if (len < 5) {
		gs_result_fail(r, GS_ERR_PARSE, "A2S answer of %zu bytes is too short", len);
		return GS_A2S_BAD;
	}
	uint32_t header = gs_a2s_header(pkt);
	if (header == GS_A2S_SPLIT_PACKET) {
		gs_result_fail(r, GS_ERR_PARSE, "split A2S answer (not used for A2S_INFO)");
		return GS_A2S_BAD;
	}
	if (header != GS_A2S_SINGLE_PACKET) {
		gs_result_fail(r, GS_ERR_PARSE, "not an A2S packet");
		return GS_A2S_BAD;
	}
	unsigned type = pkt[4];
	if (type == GS_A2S_CHALLENGE_TYPE) {
		if (len < 9) {
			gs_result_fail(r, GS_ERR_PARSE, "A2S challenge without its 4 bytes");
			return GS_A2S_BAD;
		}
		memcpy(challenge, pkt + 5, 4);
		return GS_A2S_CHALLENGE;
	}
	if (type == GS_A2S_GOLDSRC_TYPE) {
		gs_result_fail(r, GS_ERR_PARSE, "obsolete GoldSource A2S answer (not supported)");
		return GS_A2S_BAD;
	}
	if (type != GS_A2S_INFO_TYPE) {
		gs_result_fail(r, GS_ERR_PARSE, "unexpected A2S answer type 0x%02X", type);
		return GS_A2S_BAD;
	}

	gs_a2s_reader rd = {.p = pkt, .len = len, .pos = 5};
	gs_a2s_byte(&rd); /* protocol version */
	gs_a2s_string(&rd, r->name, sizeof(r->name));
	gs_a2s_string(&rd, r->map, sizeof(r->map));
	gs_a2s_string(&rd, NULL, 0); /* game folder */
	gs_a2s_string(&rd, r->game, sizeof(r->game));
	unsigned appid = gs_a2s_short(&rd);
	unsigned players = gs_a2s_byte(&rd);
	unsigned max_players = gs_a2s_byte(&rd);
	unsigned bots = gs_a2s_byte(&rd);
	gs_a2s_byte(&rd); /* server type */
	gs_a2s_byte(&rd); /* environment */
	gs_a2s_byte(&rd); /* visibility */
	gs_a2s_byte(&rd); /* VAC */
	if (appid == GS_A2S_THE_SHIP_APPID) {
		gs_a2s_byte(&rd); /* mode */
		gs_a2s_byte(&rd); /* witnesses */
		gs_a2s_byte(&rd); /* duration */
	}
	gs_a2s_string(&rd, r->version, sizeof(r->version));
	/* The extra data flag and what it announces follow; nothing here needs them. */
	if (rd.bad) {
		gs_result_fail(r, GS_ERR_PARSE, "truncated A2S_INFO answer");
		return GS_A2S_BAD;
	}
	r->players = players;
	r->max_players = max_players;
	r->bots = bots;
	r->online = 1;
	r->outcome = GS_OK;
	r->detail[0] = '\0';
	return GS_A2S_INFO;
}
