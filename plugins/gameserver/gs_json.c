/* Listing API answers: a JSON object whose values are mostly strings, sometimes numbers. */
#include "gs_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int gs_json_number_text(const char *text, double *out)
{
	if (!text)
		return 1;
	while (isspace((unsigned char)*text))
		text++;
	if (*text == '\0')
		return -1;
	/* strtod would also take "nan", "inf" and hex; the API sends plain decimals. */
	for (const char *p = text; *p; p++) {
		if (!isdigit((unsigned char)*p) && !strchr("+-.eE \t\r\n", *p))
			return -1;
	}
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno == ERANGE || !isfinite(v))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* A member read as a number. 0 found, 1 missing (or JSON null), -1 unusable. */
static int gs_json_member_number(const cJSON *obj, const char *key, double *out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!item || cJSON_IsNull(item))
		return 1;
	if (cJSON_IsNumber(item)) {
		if (!isfinite(item->valuedouble))
			return -1;
		*out = item->valuedouble;
		return 0;
	}
	if (cJSON_IsBool(item)) {
		*out = cJSON_IsTrue(item) ? 1 : 0;
		return 0;
	}
	if (cJSON_IsString(item))
		return gs_json_number_text(item->valuestring, out);
	return -1;
}

/* A member read as label text: strings as they are, numbers printed. Missing
 * or other types leave dst empty. */
static void gs_json_member_text(const cJSON *obj, const char *key, char *dst, size_t dstlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	dst[0] = '\0';
	if (cJSON_IsString(item) && item->valuestring) {
		gs_text_copy(dst, dstlen, item->valuestring, strlen(item->valuestring));
	} else if (cJSON_IsNumber(item) && isfinite(item->valuedouble)) {
		snprintf(dst, dstlen, "%.15g", item->valuedouble);
	}
}

/* The first line of a plain-text answer, for the log: printable ASCII only. */
static void gs_json_quote_line(const char *body, size_t len, char *dst, size_t dstlen)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < dstlen && o < 100; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '\n' || c == '\r')
			break;
		dst[o++] = c >= 0x20 && c < 0x7F ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* Accepts the API's spellings of a true flag: 1, "1", true, "true", "yes", "online". */
static int gs_json_member_flag(const cJSON *obj, const char *key, int *out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!item || cJSON_IsNull(item))
		return 1;
	if (cJSON_IsString(item) && item->valuestring) {
		const char *s = item->valuestring;
		if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "online")) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "offline")) {
			*out = 0;
			return 0;
		}
	}
	double v;
	int rc = gs_json_member_number(obj, key, &v);
	if (rc != 0)
		return rc;
	*out = v != 0;
	return 0;
}

/* An optional gauge: kept only when present and a number; a bad value is
 * dropped rather than failing the whole answer. */
static void gs_json_optional(const cJSON *obj, const char *key, double *out)
{
	double v;
	if (gs_json_member_number(obj, key, &v) == 0)
		*out = v;
}

int gs_json_parse_listing(const char *body, size_t len, gs_result *r)
{
	size_t start = 0;
	while (start < len && isspace((unsigned char)body[start]))
		start++;
	if (start == len)
		return gs_result_fail(r, GS_ERR_PARSE, "empty answer");
	char first = body[start];
	if (first == '<')
		return gs_result_fail(r, GS_ERR_PARSE, "an HTML page instead of JSON");
	if (first != '{' && first != '[') {
		char line[128];
		gs_json_quote_line(body + start, len - start, line, sizeof(line));
		return gs_result_fail(r, GS_ERR_API_ERROR, "the API says: %s", line);
	}

	cJSON *doc = cJSON_ParseWithLength(body + start, len - start);
	if (!doc)
		return gs_result_fail(r, GS_ERR_PARSE, "invalid or truncated JSON");
	int rc = -1;
	if (!cJSON_IsObject(doc)) {
		gs_result_fail(r, GS_ERR_PARSE, "a JSON %s instead of an object",
		               cJSON_IsArray(doc) ? "array" : "value");
		goto done;
	}
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsString(error) && error->valuestring && error->valuestring[0]) {
		char line[128];
		gs_json_quote_line(error->valuestring, strlen(error->valuestring), line,
		                   sizeof(line));
		gs_result_fail(r, GS_ERR_API_ERROR, "the API says: %s", line);
		goto done;
	}

	int online = 1;
	int online_rc = gs_json_member_flag(doc, "is_online", &online);
	if (online_rc < 0) {
		gs_result_fail(r, GS_ERR_PARSE, "is_online is not a flag");
		goto done;
	}
	int players_rc = gs_json_member_number(doc, "players", &r->players);
	int max_rc = gs_json_member_number(doc, "maxplayers", &r->max_players);
	/* A listed-offline server may omit its counts; an online one must give them. */
	if (players_rc < 0 || (players_rc > 0 && online)) {
		gs_result_fail(r, GS_ERR_PARSE, "players is %s",
		               players_rc > 0 ? "missing" : "not a number");
		goto done;
	}
	if (max_rc < 0 || (max_rc > 0 && online)) {
		gs_result_fail(r, GS_ERR_PARSE, "maxplayers is %s",
		               max_rc > 0 ? "missing" : "not a number");
		goto done;
	}
	if (r->players < 0 || (max_rc == 0 && r->max_players < 0)) {
		gs_result_fail(r, GS_ERR_PARSE, "negative player count");
		goto done;
	}

	gs_json_optional(doc, "rank", &r->rank);
	gs_json_optional(doc, "votes", &r->votes);
	gs_json_optional(doc, "score", &r->score);
	double uptime;
	if (gs_json_member_number(doc, "uptime", &uptime) == 0 && uptime >= 0 && uptime <= 100)
		r->uptime_ratio = uptime / 100.0;
	gs_json_member_text(doc, "name", r->name, sizeof(r->name));
	gs_json_member_text(doc, "map", r->map, sizeof(r->map));
	gs_json_member_text(doc, "version", r->version, sizeof(r->version));
	r->online = online;
	r->outcome = GS_OK;
	r->detail[0] = '\0';
	rc = 0;
done:
	cJSON_Delete(doc);
	return rc;
}
