/* Reading a servers.net listing answer (JSON, numbers as numbers or strings) into a poll result. */
#ifndef GS_JSON_H
#define GS_JSON_H

#include "gs_result.h"

#include <stddef.h>

/* Parses the body of a 2xx answer (len bytes, need not be NUL-terminated).
 * On success sets r->outcome = GS_OK with online, players, max_players and the
 * optional fields that were present and valid, and returns 0. Otherwise marks
 * r with GS_ERR_API_ERROR (the API's plain-text or JSON error message) or
 * GS_ERR_PARSE (anything else that is not the expected object) and returns -1.
 * The detail may quote the start of an API error message, so the caller scrubs
 * it of the key. */
int gs_json_parse_listing(const char *body, size_t len, gs_result *r);

/* Reads a number given as a JSON number or a string holding one ("12", " 3.5 ").
 * Returns 0 with *out set, 1 when text is NULL (missing), -1 when present but
 * not a finite number. */
int gs_json_number_text(const char *text, double *out);

#endif
