/* Steam A2S_INFO packets: building the query and reading the answer, without any I/O. */
#ifndef GS_A2S_PROTO_H
#define GS_A2S_PROTO_H

#include "gs_result.h"

#include <stddef.h>

/* Longest query: header, "Source Engine Query\0" and a 4-byte challenge. */
#define GS_A2S_QUERY_MAX 29
/* Largest single A2S packet (the protocol splits anything longer). */
#define GS_A2S_PACKET_MAX 1400

typedef enum gs_a2s_answer {
	GS_A2S_BAD = -1,      /* not an A2S_INFO answer; r says why (GS_ERR_PARSE) */
	GS_A2S_INFO = 0,      /* r holds the server's values, outcome GS_OK */
	GS_A2S_CHALLENGE = 1, /* repeat the query with the 4 bytes put in challenge */
} gs_a2s_answer;

/* Writes an A2S_INFO query into buf (at least GS_A2S_QUERY_MAX bytes), with
 * the 4-byte challenge appended when it is not NULL. Returns its length. */
size_t gs_a2s_build_query(unsigned char *buf, const unsigned char *challenge);

/* Reads one received packet. */
gs_a2s_answer gs_a2s_parse_answer(const unsigned char *pkt, size_t len, unsigned char challenge[4],
                                  gs_result *r);

#endif
