/* Parses Accept and Accept-Encoding (lists, parameters, q-values) to pick the format and coding. */
#include "accept.h"

#include <string.h>
#include <strings.h>

/* One list element: a media range or a coding, with the parameters we use. */
typedef struct accept_elem {
	const char *token; /* "type/subtype" or a coding */
	size_t token_len;
	const char *version; /* value of version=, unquoted */
	size_t version_len;
	int has_version;
	double q;
	int valid; /* well-formed; a malformed element is ignored */
} accept_elem;

static int accept_is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *accept_skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Skips a token (allow_slash: also '/', for media ranges); returns its end. */
static const char *accept_skip_token(const char *p, int allow_slash)
{
	while (accept_is_tchar(*p) || (allow_slash && *p == '/'))
		p++;
	return p;
}

/* Skips a quoted-string starting at the opening quote; NULL when unterminated. */
static const char *accept_skip_quoted(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* A qvalue: "0", "0.5", "1", "1.000"; at most three decimals, at most 1. */
static int accept_parse_q(const char *v, size_t len, double *q)
{
	if (len == 0 || (v[0] != '0' && v[0] != '1'))
		return -1;
	double value = v[0] - '0';
	if (len > 1) {
		if (v[1] != '.' || len > 5)
			return -1;
		double scale = 0.1;
		for (size_t i = 2; i < len; i++, scale /= 10) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			value += (v[i] - '0') * scale;
		}
	}
	if (value > 1.0)
		return -1;
	*q = value;
	return 0;
}

/* Parses the element starting at p into e and returns where the next one
 * starts (after its comma), or NULL at the end of the list. Commas inside
 * quoted strings do not split elements. */
static const char *accept_next(const char *p, accept_elem *e, int media)
{
	*e = (accept_elem){.q = 1.0, .valid = 1};
	p = accept_skip_ows(p);
	e->token = p;
	p = accept_skip_token(p, media);
	e->token_len = (size_t)(p - e->token);
	if (e->token_len == 0)
		e->valid = 0;
	for (;;) {
		p = accept_skip_ows(p);
		if (*p != ';')
			break;
		p = accept_skip_ows(p + 1);
		const char *name = p;
		p = accept_skip_token(p, 0);
		size_t name_len = (size_t)(p - name);
		p = accept_skip_ows(p);
		if (*p != '=') {
			/* A parameter without a value: tolerated when empty (";;"), else malformed.
			 */
			if (name_len > 0)
				e->valid = 0;
			continue;
		}
		p = accept_skip_ows(p + 1);
		const char *value = p;
		size_t value_len;
		if (*p == '"') {
			const char *end = accept_skip_quoted(p);
			if (!end) {
				e->valid = 0;
				return NULL;
			}
			value = p + 1;
			value_len = (size_t)(end - 1 - value);
			p = end;
		} else {
			p = accept_skip_token(p, 0);
			value_len = (size_t)(p - value);
		}
		if (name_len == 1 && (name[0] == 'q' || name[0] == 'Q')) {
			if (accept_parse_q(value, value_len, &e->q) != 0)
				e->valid = 0;
		} else if (name_len == 7 && strncasecmp(name, "version", 7) == 0) {
			e->version = value;
			e->version_len = value_len;
			e->has_version = 1;
		}
	}
	if (*p != ',' && *p != '\0') {
		/* Garbage after the element: drop it and resume at the next top-level comma. */
		e->valid = 0;
		while (*p && *p != ',') {
			if (*p == '"') {
				p = accept_skip_quoted(p);
				if (!p)
					return NULL;
			} else {
				p++;
			}
		}
	}
	return *p == ',' ? p + 1 : NULL;
}

static int accept_token_is(const accept_elem *e, const char *s)
{
	size_t n = strlen(s);
	return e->token_len == n && strncasecmp(e->token, s, n) == 0;
}

/* A format we can serve, as a media type and the versions that name it. */
typedef struct accept_offer {
	const char *type;    /* "application" */
	const char *subtype; /* "openmetrics-text" */
	const char *const *versions;
	/* Result of matching against the header: */
	double q;
	/* -1: no range matched; 0: any type; 1: any subtype; 2: exact; 3: exact with version. */
	int specificity;
	int position; /* index of the matching range in the header */
} accept_offer;

/* How specifically range e names the offer, or -1 when it does not. */
static int accept_match(const accept_elem *e, const accept_offer *o)
{
	const char *slash = memchr(e->token, '/', e->token_len);
	if (!slash)
		return -1;
	size_t type_len = (size_t)(slash - e->token);
	const char *sub = slash + 1;
	size_t sub_len = e->token_len - type_len - 1;
	if (type_len == 1 && e->token[0] == '*')
		return sub_len == 1 && sub[0] == '*' ? 0 : -1;
	if (type_len != strlen(o->type) || strncasecmp(e->token, o->type, type_len) != 0)
		return -1;
	if (sub_len == 1 && sub[0] == '*')
		return 1;
	if (sub_len != strlen(o->subtype) || strncasecmp(sub, o->subtype, sub_len) != 0)
		return -1;
	if (!e->has_version)
		return 2;
	for (const char *const *v = o->versions; *v; v++) {
		if (e->version_len == strlen(*v) && strncmp(e->version, *v, e->version_len) == 0)
			return 3;
	}
	return -1; /* a version we do not produce */
}

/* Whether a beats b; on a complete tie the caller's default stands. */
static int accept_offer_beats(const accept_offer *a, const accept_offer *b)
{
	if (a->q != b->q)
		return a->q > b->q;
	if (a->specificity != b->specificity)
		return a->specificity > b->specificity;
	return a->position < b->position;
}

exposition_format accept_format(const char *accept)
{
	static const char *const om_versions[] = {"1.0.0", "0.0.1", NULL};
	/* Text 1.0.0 (Prometheus 3) reads every page that text 0.0.4 allows. */
	static const char *const text_versions[] = {"0.0.4", "1.0.0", NULL};
	accept_offer offers[2] = {
	    {.type = "application", .subtype = "openmetrics-text", .versions = om_versions},
	    {.type = "text", .subtype = "plain", .versions = text_versions},
	};
	for (int i = 0; i < 2; i++)
		offers[i].specificity = -1;
	if (!accept)
		return EXPOSITION_TEXT;

	const char *p = accept;
	for (int position = 0; p; position++) {
		accept_elem e;
		p = accept_next(p, &e, 1);
		if (!e.valid)
			continue;
		for (int i = 0; i < 2; i++) {
			/* The most specific range decides; among equals, the first. */
			int s = accept_match(&e, &offers[i]);
			if (s > offers[i].specificity) {
				offers[i].specificity = s;
				offers[i].q = e.q;
				offers[i].position = position;
			}
		}
	}
	const accept_offer *om = &offers[0], *text = &offers[1];
	if (om->specificity < 0 || om->q <= 0)
		return EXPOSITION_TEXT;
	if (text->specificity < 0 || text->q <= 0)
		return EXPOSITION_OPENMETRICS;
	return accept_offer_beats(om, text) ? EXPOSITION_OPENMETRICS : EXPOSITION_TEXT;
}

bool accept_gzip(const char *accept_encoding)
{
	if (!accept_encoding)
		return false;
	double gzip_q = 0, star_q = 0, identity_q = 0;
	int gzip_named = 0, star_named = 0, identity_named = 0;
	const char *p = accept_encoding;
	while (p) {
		accept_elem e;
		p = accept_next(p, &e, 0);
		if (!e.valid)
			continue;
		if (accept_token_is(&e, "gzip") || accept_token_is(&e, "x-gzip")) {
			gzip_q = gzip_named ? (e.q > gzip_q ? e.q : gzip_q) : e.q;
			gzip_named = 1;
		} else if (accept_token_is(&e, "*")) {
			star_q = star_named ? star_q : e.q;
			star_named = 1;
		} else if (accept_token_is(&e, "identity")) {
			identity_q = identity_named ? identity_q : e.q;
			identity_named = 1;
		}
	}
	double q = gzip_named ? gzip_q : star_named ? star_q : 0;
	if (q <= 0)
		return false;
	/* identity is always acceptable; only an explicit higher preference keeps it. */
	return !identity_named || q >= identity_q;
}
