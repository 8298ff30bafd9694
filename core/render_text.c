/* Text format 0.0.4 metadata, and the sample lines that text 0.0.4 and OpenMetrics share. */
#include "render.h"

#include "float_format.h"
#include "label_escape.h"

/* Room for the separators around labels: '{', ',', '}' and ' '. */
#define RENDER_LINE_PUNCT 4

static const char *render_text_type(metric_kind kind)
{
	switch (kind) {
	case METRIC_COUNTER:
		return "counter";
	case METRIC_SUMMARY:
		return "summary";
	case METRIC_HISTOGRAM:
		return "histogram";
	case METRIC_GAUGE:
	case METRIC_INFO:
	case METRIC_ENUM:
		break;
	}
	/* Text 0.0.4 has no info or stateset type: their samples are plain gauges. */
	return "gauge";
}

void render_text_meta(const exporterd_family *fam, render_buf *out)
{
	/* Text 0.0.4 names the family after its samples: x_total, x_info. */
	const char *name = fam->name;
	size_t name_len = strlen(name);
	if (fam->kind == METRIC_COUNTER || fam->kind == METRIC_INFO) {
		name = fam->sample_name;
		name_len = fam->sample_name_len;
	}
	size_t help_len = strlen(fam->help);
	const char *type = render_text_type(fam->kind);
	size_t type_len = strlen(type);
	if (render_buf_reserve(out, 2 * name_len + LABEL_ESCAPE_MAX(help_len) + type_len + 20) != 0)
		return;
	char *p = out->data + out->len;
	memcpy(p, "# HELP ", 7);
	p += 7;
	memcpy(p, name, name_len);
	p += name_len;
	*p++ = ' ';
	p += label_escape(p, fam->help, help_len, LABEL_ESCAPE_HELP_TEXT);
	memcpy(p, "\n# TYPE ", 8);
	p += 8;
	memcpy(p, name, name_len);
	p += name_len;
	*p++ = ' ';
	memcpy(p, type, type_len);
	p += type_len;
	*p++ = '\n';
	*p = '\0';
	out->len = (size_t)(p - out->data);
}

/* Starts `name{labels,extra} ` with room for a value and the line end; NULL when out of memory. */
static char *render_line_start(render_buf *out, const char *name, size_t name_len,
                               const char *labels, size_t labels_len, const char *extra,
                               size_t extra_len)
{
	if (render_buf_reserve(out, name_len + labels_len + extra_len + RENDER_LINE_PUNCT +
	                                FLOAT_FORMAT_MAX + 1) != 0)
		return NULL;
	char *p = out->data + out->len;
	memcpy(p, name, name_len);
	p += name_len;
	if (labels_len || extra_len) {
		*p++ = '{';
		if (labels_len) {
			memcpy(p, labels, labels_len);
			p += labels_len;
		}
		if (labels_len && extra_len)
			*p++ = ',';
		if (extra_len) {
			memcpy(p, extra, extra_len);
			p += extra_len;
		}
		*p++ = '}';
	}
	*p++ = ' ';
	return p;
}

static void render_line_end(render_buf *out, char *p)
{
	*p++ = '\n';
	*p = '\0';
	out->len = (size_t)(p - out->data);
}

static void render_value_line(render_buf *out, const char *name, size_t name_len,
                              const char *labels, size_t labels_len, const char *extra,
                              size_t extra_len, double value)
{
	char *p = render_line_start(out, name, name_len, labels, labels_len, extra, extra_len);
	if (p)
		render_line_end(out, p + float_format(value, p));
}

static void render_count_line(render_buf *out, const char *name, size_t name_len,
                              const char *labels, size_t labels_len, const char *extra,
                              size_t extra_len, uint64_t count)
{
	char *p = render_line_start(out, name, name_len, labels, labels_len, extra, extra_len);
	if (!p)
		return;
	char digits[24];
	char *end = digits + sizeof(digits), *d = end;
	do {
		*--d = (char)('0' + count % 10);
		count /= 10;
	} while (count);
	memcpy(p, d, (size_t)(end - d));
	render_line_end(out, p + (end - d));
}

static void render_summary(const exporterd_family *fam, const exporterd_child *c, render_buf *out,
                           size_t *nseries)
{
	const double *q = c->u.summary.quantiles;
	size_t n = c->u.summary.nquantiles;
	for (size_t i = 0; i < n; i++) {
		char extra[16 + FLOAT_FORMAT_MAX];
		memcpy(extra, "quantile=\"", 10);
		size_t len = 10 + float_format_label(q[i], extra + 10);
		extra[len++] = '"';
		render_value_line(out, fam->name, strlen(fam->name), c->labels, c->labels_len,
		                  extra, len, q[n + i]);
	}
	render_count_line(out, fam->count_name, fam->count_name_len, c->labels, c->labels_len, NULL,
	                  0, c->u.summary.count);
	render_value_line(out, fam->sum_name, fam->sum_name_len, c->labels, c->labels_len, NULL, 0,
	                  c->u.summary.sum);
	*nseries += n + 2;
}

static void render_histogram(const exporterd_family *fam, const exporterd_child *c, render_buf *out,
                             size_t *nseries)
{
	uint64_t cumulative = 0;
	for (size_t i = 0; i < fam->nbounds; i++) {
		cumulative += c->u.histogram.buckets[i];
		render_count_line(out, fam->sample_name, fam->sample_name_len, c->labels,
		                  c->labels_len, fam->bound_labels[i], fam->bound_label_lens[i],
		                  cumulative);
	}
	static const char inf[] = "le=\"+Inf\"";
	render_count_line(out, fam->sample_name, fam->sample_name_len, c->labels, c->labels_len,
	                  inf, sizeof(inf) - 1, c->u.histogram.count);
	render_count_line(out, fam->count_name, fam->count_name_len, c->labels, c->labels_len, NULL,
	                  0, c->u.histogram.count);
	render_value_line(out, fam->sum_name, fam->sum_name_len, c->labels, c->labels_len, NULL, 0,
	                  c->u.histogram.sum);
	*nseries += fam->nbounds + 3;
}

void render_samples(const exporterd_family *fam, render_buf *out, size_t *nseries)
{
	for (const exporterd_child *c = fam->first; c; c = c->next) {
		switch (fam->kind) {
		case METRIC_COUNTER:
		case METRIC_GAUGE:
			render_value_line(out, fam->sample_name, fam->sample_name_len, c->labels,
			                  c->labels_len, NULL, 0, c->u.value);
			*nseries += 1;
			break;
		case METRIC_SUMMARY:
			render_summary(fam, c, out, nseries);
			break;
		case METRIC_HISTOGRAM:
			render_histogram(fam, c, out, nseries);
			break;
		case METRIC_INFO:
			render_count_line(out, fam->sample_name, fam->sample_name_len, c->labels,
			                  c->labels_len, c->u.info.labels, c->u.info.len, 1);
			*nseries += 1;
			break;
		case METRIC_ENUM:
			for (size_t s = 0; s < fam->nstates; s++)
				render_count_line(out, fam->sample_name, fam->sample_name_len,
				                  c->labels, c->labels_len, fam->state_labels[s],
				                  fam->state_label_lens[s], s == c->u.active);
			*nseries += fam->nstates;
			break;
		}
	}
}
