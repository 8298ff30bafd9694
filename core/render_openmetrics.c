/* OpenMetrics 1.0.0 metadata lines: TYPE, UNIT, HELP. */
#include "render.h"

#include "label_escape.h"

/* Base units of the Prometheus naming conventions that a family name may end in. */
static const char *const render_units[] = {
    "seconds", "bytes",   "joules",  "grams", "meters", "metres",
    "volts",   "amperes", "celsius", "ratio", NULL,
};

const char *render_openmetrics_unit(const char *name)
{
	size_t name_len = strlen(name);
	for (size_t i = 0; render_units[i]; i++) {
		size_t unit_len = strlen(render_units[i]);
		if (name_len > unit_len + 1 && name[name_len - unit_len - 1] == '_' &&
		    memcmp(name + name_len - unit_len, render_units[i], unit_len) == 0)
			return render_units[i];
	}
	return NULL;
}

static const char *render_openmetrics_type(metric_kind kind)
{
	switch (kind) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_GAUGE:
		return "gauge";
	case METRIC_SUMMARY:
		return "summary";
	case METRIC_HISTOGRAM:
		return "histogram";
	case METRIC_INFO:
		return "info";
	case METRIC_ENUM:
		return "stateset";
	}
	return "unknown";
}

/* Appends "# <keyword> <name> " to a buffer with enough room; returns the new end. */
static char *render_openmetrics_keyword(char *p, const char *keyword, const char *name,
                                        size_t name_len)
{
	size_t keyword_len = strlen(keyword);
	*p++ = '#';
	*p++ = ' ';
	memcpy(p, keyword, keyword_len);
	p += keyword_len;
	*p++ = ' ';
	memcpy(p, name, name_len);
	p += name_len;
	*p++ = ' ';
	return p;
}

void render_openmetrics_meta(const exporterd_family *fam, render_buf *out)
{
	size_t name_len = strlen(fam->name);
	size_t help_len = strlen(fam->help);
	const char *type = render_openmetrics_type(fam->kind);
	/* Info and stateset values are not measured in a unit. */
	const char *unit = fam->kind == METRIC_INFO || fam->kind == METRIC_ENUM
	                       ? NULL
	                       : render_openmetrics_unit(fam->name);
	size_t unit_len = unit ? strlen(unit) : 0;
	if (render_buf_reserve(out, 3 * name_len + strlen(type) + unit_len +
	                                LABEL_ESCAPE_MAX(help_len) + 32) != 0)
		return;
	char *p = out->data + out->len;
	p = render_openmetrics_keyword(p, "TYPE", fam->name, name_len);
	memcpy(p, type, strlen(type));
	p += strlen(type);
	*p++ = '\n';
	if (unit) {
		p = render_openmetrics_keyword(p, "UNIT", fam->name, name_len);
		memcpy(p, unit, unit_len);
		p += unit_len;
		*p++ = '\n';
	}
	p = render_openmetrics_keyword(p, "HELP", fam->name, name_len);
	p += label_escape(p, fam->help, help_len, LABEL_ESCAPE_QUOTED);
	*p++ = '\n';
	*p = '\0';
	out->len = (size_t)(p - out->data);
}
