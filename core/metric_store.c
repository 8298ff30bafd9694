/* Metric families of one instance: creation and validation, children, values, snapshots. */
#include "metric_store.h"

#include "exporterd/plugin.h"
#include "family_registry.h"
#include "float_format.h"
#include "label_escape.h"
#include "render.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metric_store {
	char *instance;
	family_registry *reg;
	exporterd_family **families; /* sorted by name, the order of a snapshot */
	size_t nfamilies;
	size_t cap;
	name_table names; /* every name a family occupies → the family */
};

static const double store_default_buckets[] = {.005, .01, .025, .05, .075, .1,  .25,
                                               .5,   .75, 1,    2.5, 5,    7.5, 10};

/* Labels of one child kept on the stack when they fit: most label sets are short. */
#define STORE_STACK_KEY 512

metric_store *metric_store_new(const char *instance_name, family_registry *reg)
{
	metric_store *store = calloc(1, sizeof(*store));
	if (!store)
		return NULL;
	store->instance = strdup(instance_name ? instance_name : "");
	if (!store->instance) {
		free(store);
		return NULL;
	}
	store->reg = reg;
	if (reg)
		family_registry_ref(reg);
	return store;
}

/* ---- children ---- */

static void store_child_free(exporterd_child *c)
{
	if (c->fam->kind == METRIC_SUMMARY)
		free(c->u.summary.quantiles);
	else if (c->fam->kind == METRIC_INFO)
		free(c->u.info.labels);
	free(c);
}

static void store_family_drop_children(exporterd_family *fam)
{
	exporterd_child *c = fam->first;
	while (c) {
		exporterd_child *next = c->next;
		store_child_free(c);
		c = next;
	}
	if (fam->table)
		memset(fam->table, 0, (fam->table_mask + 1) * sizeof(*fam->table));
	fam->first = fam->last = NULL;
	fam->nchildren = 0;
	fam->labels_bytes = 0;
}

static void store_free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void store_family_free(exporterd_family *fam)
{
	if (!fam)
		return;
	store_family_drop_children(fam);
	free(fam->table);
	family_chunk_unref(fam->chunk);
	family_registry_release(fam->claim);
	free(fam->name);
	free(fam->shape);
	free(fam->help);
	store_free_strings(fam->occupied, fam->noccupied);
	free(fam->text_meta);
	free(fam->om_meta);
	free(fam->sample_name);
	free(fam->count_name);
	free(fam->sum_name);
	store_free_strings(fam->label_names, fam->nlabels);
	store_free_strings(fam->info_names, fam->ninfo);
	free(fam->bounds);
	store_free_strings(fam->bound_labels, fam->nbounds);
	free(fam->bound_label_lens);
	store_free_strings(fam->states, fam->nstates);
	store_free_strings(fam->state_labels, fam->nstates);
	free(fam->state_label_lens);
	free(fam);
}

void metric_store_free(metric_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->nfamilies; i++)
		store_family_free(store->families[i]);
	free(store->families);
	name_table_free(&store->names);
	family_registry_unref(store->reg);
	free(store->instance);
	free(store);
}

/*
 * Joins values[0..n) into one key, each followed by '\0', with invalid UTF-8 repaired so that
 * two values that render alike select the same child. Uses stack (STORE_STACK_KEY bytes)
 * when the key fits, else malloc: the caller frees *key when it is not stack. Returns 0, or
 * -1 for a NULL value or when out of memory.
 */
static int store_make_key(const char *const *values, size_t n, char *stack, char **key,
                          size_t *key_len)
{
	size_t len = 0;
	if (n && !values)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!values[i])
			return -1;
		len += strlen(values[i]) + 1;
	}
	char *k = len <= STORE_STACK_KEY ? stack : malloc(len);
	if (!k)
		return -1;
	size_t o = 0;
	unsigned char high = 0;
	for (size_t i = 0; i < n; i++) {
		for (const char *s = values[i]; *s; s++) {
			high |= (unsigned char)*s;
			k[o++] = *s;
		}
		k[o++] = '\0';
	}
	if ((high & 0x80) && !label_utf8_valid(k, len)) {
		char *fixed = malloc(LABEL_ESCAPE_MAX(len));
		if (!fixed) {
			if (k != stack)
				free(k);
			return -1;
		}
		len = label_utf8_repair(fixed, k, len);
		if (k != stack)
			free(k);
		k = fixed;
	}
	*key = k;
	*key_len = len;
	return 0;
}

/* Upper bound of store_write_pairs' output for these names and a key of key_len bytes. */
static size_t store_pairs_bound(char *const *names, size_t n, size_t key_len)
{
	size_t size = LABEL_ESCAPE_MAX(key_len) + 1;
	for (size_t i = 0; i < n; i++)
		size += strlen(names[i]) + 4;
	return size;
}

/* Writes name="value" pairs for names[i] and the '\0'-separated values of key into out (at
 * least store_pairs_bound bytes), NUL-terminated. Returns the length. */
static size_t store_write_pairs(char *out, char *const *names, size_t n, const char *key)
{
	size_t o = 0;
	const char *v = key;
	for (size_t i = 0; i < n; i++) {
		size_t name_len = strlen(names[i]), vlen = strlen(v);
		if (i)
			out[o++] = ',';
		memcpy(out + o, names[i], name_len);
		o += name_len;
		out[o++] = '=';
		out[o++] = '"';
		o += label_escape(out + o, v, vlen, LABEL_ESCAPE_QUOTED);
		out[o++] = '"';
		v += vlen + 1;
	}
	out[o] = '\0';
	return o;
}

/* Same as store_write_pairs into a new malloc'd string (caller frees); NULL when out of memory. */
static char *store_render_pairs(char *const *names, size_t n, const char *key, size_t key_len,
                                size_t *out_len)
{
	char *out = malloc(store_pairs_bound(names, n, key_len));
	if (out)
		*out_len = store_write_pairs(out, names, n, key);
	return out;
}

static int store_table_grow(exporterd_family *fam)
{
	size_t size = fam->table ? (fam->table_mask + 1) * 2 : 8;
	exporterd_child **table = calloc(size, sizeof(*table));
	if (!table)
		return -1;
	for (exporterd_child *c = fam->first; c; c = c->next) {
		c->hash_next = table[c->hash & (size - 1)];
		table[c->hash & (size - 1)] = c;
	}
	free(fam->table);
	fam->table = table;
	fam->table_mask = size - 1;
	return 0;
}

/* Identity of an info series: its selecting labels and the values it carries. */
static uint64_t store_info_series_hash(const exporterd_child *c)
{
	uint64_t h = name_hash_bytes(c->hash, "\x01", 1);
	return name_hash_mix(name_hash_bytes(h, c->u.info.labels, c->u.info.len));
}

static exporterd_child *store_child_new(exporterd_family *fam, const char *key, size_t key_len,
                                        uint64_t hash)
{
	if (fam->nchildren + 1 > fam->table_mask + 1 || !fam->table)
		if (store_table_grow(fam) != 0)
			return NULL;
	/* Rendered first to learn the exact size; on the stack for all but very long labels. */
	char stack[STORE_STACK_KEY * 2];
	size_t bound = store_pairs_bound(fam->label_names, fam->nlabels, key_len);
	char *labels = bound <= sizeof(stack) ? stack : malloc(bound);
	if (!labels)
		return NULL;
	size_t labels_len = store_write_pairs(labels, fam->label_names, fam->nlabels, key);
	size_t buckets = fam->kind == METRIC_HISTOGRAM ? fam->nbounds * sizeof(uint64_t) : 0;
	exporterd_child *c = calloc(1, sizeof(*c) + buckets + key_len + labels_len + 1);
	if (!c) {
		if (labels != stack)
			free(labels);
		return NULL;
	}
	char *extra = (char *)(c + 1);
	c->fam = fam;
	c->hash = hash;
	c->series_hash = hash;
	if (fam->kind == METRIC_HISTOGRAM)
		c->u.histogram.buckets = (uint64_t *)extra;
	c->key = extra + buckets;
	memcpy(c->key, key, key_len);
	c->key_len = key_len;
	c->labels = c->key + key_len;
	memcpy(c->labels, labels, labels_len + 1);
	c->labels_len = labels_len;
	if (labels != stack)
		free(labels);
	if (fam->kind == METRIC_INFO) {
		/* Carries empty values until exporterd_info_set. */
		char empty[64] = {0};
		char *key_of_empties = fam->ninfo <= sizeof(empty) ? empty : calloc(fam->ninfo, 1);
		if (key_of_empties)
			c->u.info.labels =
			    store_render_pairs(fam->info_names, fam->ninfo, key_of_empties,
			                       fam->ninfo, &c->u.info.len);
		if (key_of_empties != empty)
			free(key_of_empties);
		if (!c->u.info.labels) {
			free(c);
			return NULL;
		}
		c->series_hash = store_info_series_hash(c);
	}

	c->hash_next = fam->table[hash & fam->table_mask];
	fam->table[hash & fam->table_mask] = c;
	c->prev = fam->last;
	if (fam->last)
		fam->last->next = c;
	else
		fam->first = c;
	fam->last = c;
	fam->nchildren++;
	fam->labels_bytes += labels_len;
	fam->dirty = 1;
	return c;
}

/* The child for values; with create, made when missing. NULL when absent or on error. */
static exporterd_child *store_child_lookup(exporterd_family *fam, const char *const *values,
                                           int create)
{
	char stack[STORE_STACK_KEY];
	char *key;
	size_t key_len;
	if (store_make_key(values, fam->nlabels, stack, &key, &key_len) != 0)
		return NULL;
	uint64_t hash = name_hash_mix(name_hash_bytes(NAME_HASH_SEED, key, key_len));
	exporterd_child *c = fam->table ? fam->table[hash & fam->table_mask] : NULL;
	while (c && (c->hash != hash || c->key_len != key_len || memcmp(c->key, key, key_len) != 0))
		c = c->hash_next;
	if (!c && create)
		c = store_child_new(fam, key, key_len, hash);
	if (key != stack)
		free(key);
	return c;
}

EXPORTERD_API exporterd_child *exporterd_child_get(exporterd_family *fam, const char *const *values)
{
	if (!fam)
		return NULL;
	return store_child_lookup(fam, values, 1);
}

EXPORTERD_API exporterd_child *exporterd_child_with(exporterd_family *fam, ...)
{
	if (!fam)
		return NULL;
	const char *stack[16] = {0};
	const char **values = fam->nlabels <= 16 ? stack : calloc(fam->nlabels, sizeof(*values));
	if (!values)
		return NULL;
	va_list ap;
	va_start(ap, fam);
	for (size_t i = 0; i < fam->nlabels; i++)
		values[i] = va_arg(ap, const char *);
	va_end(ap);
	exporterd_child *c = store_child_lookup(fam, values, 1);
	if (values != stack)
		free(values);
	return c;
}

EXPORTERD_API int exporterd_child_remove(exporterd_family *fam, const char *const *values)
{
	if (!fam)
		return -1;
	exporterd_child *c = store_child_lookup(fam, values, 0);
	if (!c)
		return -1;
	exporterd_child **pp = &fam->table[c->hash & fam->table_mask];
	while (*pp != c)
		pp = &(*pp)->hash_next;
	*pp = c->hash_next;
	if (c->prev)
		c->prev->next = c->next;
	else
		fam->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		fam->last = c->prev;
	fam->nchildren--;
	fam->labels_bytes -= c->labels_len;
	fam->dirty = 1;
	store_child_free(c);
	return 0;
}

EXPORTERD_API void exporterd_family_clear(exporterd_family *fam)
{
	if (!fam || !fam->first)
		return;
	store_family_drop_children(fam);
	fam->dirty = 1;
}

/* ---- values ---- */

/* A value write that changes nothing leaves the family clean, so its chunk is reused. */
static void store_set_value(exporterd_child *c, double v)
{
	if (memcmp(&c->u.value, &v, sizeof(v)) == 0)
		return;
	c->u.value = v;
	c->fam->dirty = 1;
}

EXPORTERD_API int exporterd_counter_inc(exporterd_child *c, double amount)
{
	if (!c || c->fam->kind != METRIC_COUNTER || !(amount >= 0) || isinf(amount))
		return -1;
	store_set_value(c, c->u.value + amount);
	return 0;
}

EXPORTERD_API void exporterd_gauge_set(exporterd_child *c, double value)
{
	if (c && c->fam->kind == METRIC_GAUGE)
		store_set_value(c, value);
}

EXPORTERD_API void exporterd_gauge_inc(exporterd_child *c, double amount)
{
	if (c && c->fam->kind == METRIC_GAUGE)
		store_set_value(c, c->u.value + amount);
}

EXPORTERD_API void exporterd_gauge_dec(exporterd_child *c, double amount)
{
	if (c && c->fam->kind == METRIC_GAUGE)
		store_set_value(c, c->u.value - amount);
}

EXPORTERD_API void exporterd_summary_observe(exporterd_child *c, double value)
{
	if (!c || c->fam->kind != METRIC_SUMMARY)
		return;
	c->u.summary.count++;
	c->u.summary.sum += value;
	c->fam->dirty = 1;
}

EXPORTERD_API int exporterd_summary_set_quantiles(exporterd_child *c, size_t n,
                                                  const double *quantiles, const double *values)
{
	if (!c || c->fam->kind != METRIC_SUMMARY)
		return -1;
	if (n && (!quantiles || !values))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(quantiles[i] >= 0 && quantiles[i] <= 1))
			return -1;
		if (i && !(quantiles[i] > quantiles[i - 1]))
			return -1;
	}
	double *q = c->u.summary.quantiles;
	if (n == c->u.summary.nquantiles &&
	    (n == 0 || (memcmp(q, quantiles, n * sizeof(double)) == 0 &&
	                memcmp(q + n, values, n * sizeof(double)) == 0)))
		return 0;
	double *fresh = NULL;
	if (n) {
		fresh = malloc(2 * n * sizeof(double));
		if (!fresh)
			return -1;
		memcpy(fresh, quantiles, n * sizeof(double));
		memcpy(fresh + n, values, n * sizeof(double));
	}
	free(q);
	c->u.summary.quantiles = fresh;
	c->u.summary.nquantiles = n;
	c->fam->dirty = 1;
	return 0;
}

EXPORTERD_API void exporterd_histogram_observe(exporterd_child *c, double value)
{
	if (!c || c->fam->kind != METRIC_HISTOGRAM)
		return;
	const exporterd_family *fam = c->fam;
	/* First bound >= value; NaN and values above the last bound land in +Inf only. */
	size_t lo = 0, hi = fam->nbounds;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (value <= fam->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < fam->nbounds)
		c->u.histogram.buckets[lo]++;
	c->u.histogram.count++;
	c->u.histogram.sum += value;
	c->fam->dirty = 1;
}

EXPORTERD_API int exporterd_info_set(exporterd_child *c, const char *const *values)
{
	if (!c || c->fam->kind != METRIC_INFO)
		return -1;
	exporterd_family *fam = c->fam;
	char stack[STORE_STACK_KEY];
	char *key;
	size_t key_len;
	if (store_make_key(values, fam->ninfo, stack, &key, &key_len) != 0)
		return -1;
	size_t len;
	char *labels = store_render_pairs(fam->info_names, fam->ninfo, key, key_len, &len);
	if (key != stack)
		free(key);
	if (!labels)
		return -1;
	if (len == c->u.info.len && memcmp(labels, c->u.info.labels, len) == 0) {
		free(labels);
		return 0;
	}
	free(c->u.info.labels);
	c->u.info.labels = labels;
	c->u.info.len = len;
	c->series_hash = store_info_series_hash(c);
	fam->dirty = 1;
	return 0;
}

EXPORTERD_API int exporterd_enum_set(exporterd_child *c, const char *state)
{
	if (!c || c->fam->kind != METRIC_ENUM || !state)
		return -1;
	const exporterd_family *fam = c->fam;
	for (size_t i = 0; i < fam->nstates; i++) {
		if (strcmp(fam->states[i], state) == 0) {
			if (c->u.active != i) {
				c->u.active = i;
				c->fam->dirty = 1;
			}
			return 0;
		}
	}
	return -1;
}

/* ---- family creation ---- */

static int store_valid_name(const char *s, int colons)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		char ch = *p;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
		         (colons && ch == ':') || (p != s && ch >= '0' && ch <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

/* Checks one label name; `what` says which list it comes from in the message. */
static int store_check_label_name(const char *kind, const char *metric, const char *what,
                                  const char *label, char *err, size_t errlen)
{
	if (!store_valid_name(label, 0)) {
		snprintf(err, errlen,
		         "%s \"%s\": invalid %s \"%s\": must match [a-zA-Z_][a-zA-Z0-9_]*", kind,
		         metric, what, label);
		return -1;
	}
	if (strncmp(label, "__", 2) == 0) {
		snprintf(err, errlen,
		         "%s \"%s\": %s \"%s\" is reserved: names starting with \"__\" are "
		         "Prometheus' own",
		         kind, metric, what, label);
		return -1;
	}
	if (strcmp(label, "le") == 0 || strcmp(label, "quantile") == 0) {
		snprintf(err, errlen, "%s \"%s\": %s \"%s\" is reserved for %s", kind, metric, what,
		         label, label[0] == 'l' ? "histogram buckets" : "summary quantiles");
		return -1;
	}
	return 0;
}

/* Splits a comma-separated list, trimming blanks around items. NULL or blank = no items.
 * On error (empty item, out of memory) writes err and returns -1. *items is malloc'd. */
static int store_split_list(const char *list, char ***items, size_t *n, const char *kind,
                            const char *metric, const char *what, char *err, size_t errlen)
{
	*items = NULL;
	*n = 0;
	if (!list)
		return 0;
	const char *p = list;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	size_t count = 1;
	for (const char *q = list; *q; q++)
		count += *q == ',';
	char **out = calloc(count, sizeof(*out));
	if (!out)
		goto oom;
	p = list;
	for (size_t i = 0; i < count; i++) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *b = p, *e = end;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b == e) {
			snprintf(err, errlen, "%s \"%s\": empty %s in \"%s\"", kind, metric, what,
			         list);
			store_free_strings(out, i);
			return -1;
		}
		out[i] = strndup(b, (size_t)(e - b));
		if (!out[i]) {
			store_free_strings(out, i);
			goto oom;
		}
		p = *end ? end + 1 : end;
	}
	*items = out;
	*n = count;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Refuses a name met twice among the label names, info label names and state label. */
static int store_check_duplicates(const char *kind, const char *metric, char *const *names,
                                  size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(names[i], names[j]) == 0) {
				snprintf(err, errlen, "%s \"%s\": duplicate label name \"%s\"",
				         kind, metric, names[i]);
				return -1;
			}
		}
	}
	return 0;
}

static char *store_concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* Appends items joined by commas to a render buffer. */
static void store_append_list(render_buf *b, char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			render_buf_append(b, ",", 1);
		render_buf_append(b, items[i], strlen(items[i]));
	}
}

/* "histogram with labels [a] and buckets [0.1,1.0]": what must match across instances. */
static char *store_describe(const exporterd_family *fam)
{
	render_buf b = {0};
	const char *kind = metric_kind_name(fam->kind);
	render_buf_append(&b, kind, strlen(kind));
	render_buf_append(&b, " with labels [", 14);
	store_append_list(&b, fam->label_names, fam->nlabels);
	render_buf_append(&b, "]", 1);
	if (fam->kind == METRIC_HISTOGRAM) {
		render_buf_append(&b, " and buckets [", 14);
		for (size_t i = 0; i < fam->nbounds; i++) {
			char num[FLOAT_FORMAT_MAX + 4];
			size_t n = float_format_label(fam->bounds[i], num);
			if (i)
				render_buf_append(&b, ",", 1);
			render_buf_append(&b, num, n);
		}
		render_buf_append(&b, "]", 1);
	} else if (fam->kind == METRIC_INFO) {
		render_buf_append(&b, " and info labels [", 18);
		store_append_list(&b, fam->info_names, fam->ninfo);
		render_buf_append(&b, "]", 1);
	} else if (fam->kind == METRIC_ENUM) {
		render_buf_append(&b, " and states [", 13);
		store_append_list(&b, fam->states, fam->nstates);
		render_buf_append(&b, "]", 1);
	}
	size_t len;
	return render_buf_finish(&b, &len);
}

/* The names a family occupies; OpenMetrics forbids a family named like another's samples. */
static int store_occupied_names(exporterd_family *fam)
{
	static const char *const counter[] = {"", "_total", "_created", NULL};
	static const char *const single[] = {"", NULL};
	static const char *const summary[] = {"", "_count", "_sum", "_created", NULL};
	static const char *const histogram[] = {"", "_bucket", "_count", "_sum", "_created", NULL};
	static const char *const info[] = {"", "_info", NULL};
	const char *const *suffixes = single;
	if (fam->kind == METRIC_COUNTER)
		suffixes = counter;
	else if (fam->kind == METRIC_SUMMARY)
		suffixes = summary;
	else if (fam->kind == METRIC_HISTOGRAM)
		suffixes = histogram;
	else if (fam->kind == METRIC_INFO)
		suffixes = info;
	size_t n = 0;
	while (suffixes[n])
		n++;
	fam->occupied = calloc(n, sizeof(char *));
	if (!fam->occupied)
		return -1;
	for (size_t i = 0; i < n; i++) {
		fam->occupied[i] = store_concat(fam->name, suffixes[i]);
		if (!fam->occupied[i])
			return -1;
		fam->noccupied++;
	}
	return 0;
}

/* Copies help without surrounding blanks (a trailing space would fail promtool); an empty
 * help becomes the family name, since promtool also flags a missing help text. */
static char *store_help(const char *help, const char *name)
{
	if (!help)
		help = "";
	const char *b = help, *e = help + strlen(help);
	while (b < e && strchr(" \t\r\n\v\f", *b))
		b++;
	while (e > b && strchr(" \t\r\n\v\f", e[-1]))
		e--;
	return b == e ? strdup(name) : strndup(b, (size_t)(e - b));
}

static int store_set_names(exporterd_family *fam)
{
	const char *sample_suffix = "";
	if (fam->kind == METRIC_COUNTER)
		sample_suffix = "_total";
	else if (fam->kind == METRIC_INFO)
		sample_suffix = "_info";
	else if (fam->kind == METRIC_HISTOGRAM)
		sample_suffix = "_bucket";
	fam->sample_name = store_concat(fam->name, sample_suffix);
	if (!fam->sample_name)
		return -1;
	fam->sample_name_len = strlen(fam->sample_name);
	if (fam->kind == METRIC_SUMMARY || fam->kind == METRIC_HISTOGRAM) {
		fam->count_name = store_concat(fam->name, "_count");
		fam->sum_name = store_concat(fam->name, "_sum");
		if (!fam->count_name || !fam->sum_name)
			return -1;
		fam->count_name_len = strlen(fam->count_name);
		fam->sum_name_len = strlen(fam->sum_name);
	}
	return 0;
}

static int store_set_buckets(exporterd_family *fam, const family_options *opts, char *err,
                             size_t errlen)
{
	const double *b = store_default_buckets;
	size_t n = sizeof(store_default_buckets) / sizeof(store_default_buckets[0]);
	if (opts && opts->buckets && opts->nbuckets) {
		b = opts->buckets;
		n = opts->nbuckets;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(b[i])) {
			snprintf(err, errlen,
			         "histogram \"%s\": bucket bound %zu is %s: bounds must be finite "
			         "(+Inf is implied)",
			         fam->name, i + 1,
			         isnan(b[i]) ? "NaN"
			         : b[i] > 0  ? "+Inf"
			                     : "-Inf");
			return -1;
		}
		if (i && !(b[i] > b[i - 1])) {
			char prev[FLOAT_FORMAT_MAX + 1], cur[FLOAT_FORMAT_MAX + 1];
			float_format(b[i - 1], prev);
			float_format(b[i], cur);
			snprintf(err, errlen,
			         "histogram \"%s\": bucket bounds must be strictly ascending: %s "
			         "follows %s",
			         fam->name, cur, prev);
			return -1;
		}
	}
	fam->bounds = malloc(n * sizeof(double));
	fam->bound_labels = calloc(n, sizeof(char *));
	fam->bound_label_lens = calloc(n, sizeof(size_t));
	if (!fam->bounds || !fam->bound_labels || !fam->bound_label_lens)
		goto oom;
	memcpy(fam->bounds, b, n * sizeof(double));
	for (; fam->nbounds < n; fam->nbounds++) {
		char label[FLOAT_FORMAT_MAX + 16];
		memcpy(label, "le=\"", 4);
		size_t len = 4 + float_format_label(b[fam->nbounds], label + 4);
		label[len++] = '"';
		label[len] = '\0';
		fam->bound_labels[fam->nbounds] = strdup(label);
		if (!fam->bound_labels[fam->nbounds])
			goto oom;
		fam->bound_label_lens[fam->nbounds] = len;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int store_set_states(exporterd_family *fam, const family_options *opts, char *err,
                            size_t errlen)
{
	const char *kind = "enum";
	if (store_split_list(opts ? opts->states : NULL, &fam->states, &fam->nstates, kind,
	                     fam->name, "state", err, errlen) != 0)
		return -1;
	if (fam->nstates == 0) {
		snprintf(err, errlen, "enum \"%s\": no states given", fam->name);
		return -1;
	}
	for (size_t i = 0; i < fam->nstates; i++) {
		if (!label_utf8_valid(fam->states[i], strlen(fam->states[i]))) {
			snprintf(err, errlen, "enum \"%s\": state %zu is not valid UTF-8",
			         fam->name, i + 1);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(fam->states[i], fam->states[j]) == 0) {
				snprintf(err, errlen, "enum \"%s\": duplicate state \"%s\"",
				         fam->name, fam->states[i]);
				return -1;
			}
		}
	}
	fam->state_labels = calloc(fam->nstates, sizeof(char *));
	fam->state_label_lens = calloc(fam->nstates, sizeof(size_t));
	if (!fam->state_labels || !fam->state_label_lens)
		goto oom;
	char *const state_label[] = {fam->name};
	for (size_t i = 0; i < fam->nstates; i++) {
		size_t len = strlen(fam->states[i]);
		fam->state_labels[i] = store_render_pairs(state_label, 1, fam->states[i], len + 1,
		                                          &fam->state_label_lens[i]);
		if (!fam->state_labels[i])
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Validates the label lists of fam (names and duplicates across all of them). */
static int store_set_labels(exporterd_family *fam, const char *labels, const family_options *opts,
                            char *err, size_t errlen)
{
	const char *kind = metric_kind_name(fam->kind);
	if (store_split_list(labels, &fam->label_names, &fam->nlabels, kind, fam->name,
	                     "label name", err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < fam->nlabels; i++)
		if (store_check_label_name(kind, fam->name, "label name", fam->label_names[i], err,
		                           errlen) != 0)
			return -1;
	if (fam->kind == METRIC_INFO) {
		if (store_split_list(opts ? opts->info_labels : NULL, &fam->info_names, &fam->ninfo,
		                     kind, fam->name, "info label name", err, errlen) != 0)
			return -1;
		for (size_t i = 0; i < fam->ninfo; i++)
			if (store_check_label_name(kind, fam->name, "info label name",
			                           fam->info_names[i], err, errlen) != 0)
				return -1;
	}
	if (fam->kind == METRIC_ENUM) {
		for (size_t i = 0; i < fam->nlabels; i++) {
			if (strcmp(fam->label_names[i], fam->name) == 0) {
				snprintf(
				    err, errlen,
				    "enum \"%s\": label name \"%s\" is taken by the state label, "
				    "which is named after the enum",
				    fam->name, fam->name);
				return -1;
			}
		}
	}
	/* One list of every label name a sample carries, to find duplicates across lists. */
	size_t total = fam->nlabels + fam->ninfo;
	char **all = calloc(total ? total : 1, sizeof(char *));
	if (!all) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < fam->nlabels; i++)
		all[n++] = fam->label_names[i];
	for (size_t i = 0; i < fam->ninfo; i++)
		all[n++] = fam->info_names[i];
	int rc = store_check_duplicates(kind, fam->name, all, n, err, errlen);
	free(all);
	return rc;
}

/* Derives the family name: counters may be given as x_total and infos as x_info. */
static char *store_family_name(metric_kind kind, const char *name)
{
	const char *suffix = kind == METRIC_COUNTER ? "_total"
	                     : kind == METRIC_INFO  ? "_info"
	                                            : NULL;
	size_t len = strlen(name);
	if (suffix) {
		size_t slen = strlen(suffix);
		if (len > slen && strcmp(name + len - slen, suffix) == 0)
			len -= slen;
	}
	return strndup(name, len);
}

static int store_check_name(metric_kind kind, const char *given, const char *name,
                            const family_options *opts, char *err, size_t errlen)
{
	const char *k = metric_kind_name(kind);
	if (!store_valid_name(name, 1)) {
		snprintf(err, errlen, "invalid %s name \"%s\": must match [a-zA-Z_:][a-zA-Z0-9_:]*",
		         k, given);
		return -1;
	}
	if (strncmp(name, "__", 2) == 0) {
		snprintf(err, errlen,
		         "invalid %s name \"%s\": names starting with \"__\" are Prometheus' own",
		         k, given);
		return -1;
	}
	if (!(opts && opts->allow_reserved)) {
		static const char *const reserved[] = {"exporterd_", "process_"};
		for (size_t i = 0; i < 2; i++) {
			if (strncmp(name, reserved[i], strlen(reserved[i])) == 0) {
				snprintf(
				    err, errlen,
				    "%s name \"%s\" is reserved: names starting with \"%s\" belong "
				    "to exporterd's own metrics",
				    k, given, reserved[i]);
				return -1;
			}
		}
	}
	if (kind == METRIC_ENUM) {
		if (!store_valid_name(name, 0)) {
			snprintf(
			    err, errlen,
			    "invalid enum name \"%s\": the state label is named after the enum, "
			    "so it must match [a-zA-Z_][a-zA-Z0-9_]*",
			    given);
			return -1;
		}
		if (store_check_label_name("enum", name, "name", name, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Refuses a family whose names meet another family of this store. */
static int store_check_clash(const metric_store *store, const exporterd_family *fam, char *err,
                             size_t errlen)
{
	for (size_t i = 0; i < fam->noccupied; i++) {
		const exporterd_family *other = name_table_get(&store->names, fam->occupied[i]);
		if (!other)
			continue;
		if (strcmp(other->name, fam->name) == 0)
			snprintf(err, errlen, "metric \"%s\" is already declared (as a %s)",
			         fam->name, metric_kind_name(other->kind));
		else
			snprintf(err, errlen,
			         "%s \"%s\" clashes with %s \"%s\": both would use the name \"%s\"",
			         metric_kind_name(fam->kind), fam->name,
			         metric_kind_name(other->kind), other->name, fam->occupied[i]);
		return -1;
	}
	return 0;
}

/* Adds fam to the store's name table and sorted family list. */
static int store_insert(metric_store *store, exporterd_family *fam)
{
	if (store->nfamilies == store->cap) {
		size_t cap = store->cap ? store->cap * 2 : 16;
		exporterd_family **v = realloc(store->families, cap * sizeof(*v));
		if (!v)
			return -1;
		store->families = v;
		store->cap = cap;
	}
	size_t put = 0;
	for (; put < fam->noccupied; put++)
		if (name_table_put(&store->names, fam->occupied[put], fam) != 0)
			break;
	if (put < fam->noccupied) {
		while (put--)
			name_table_remove(&store->names, fam->occupied[put]);
		return -1;
	}
	size_t lo = 0, hi = store->nfamilies;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(store->families[mid]->name, fam->name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(store->families + lo + 1, store->families + lo,
	        (store->nfamilies - lo) * sizeof(*store->families));
	store->families[lo] = fam;
	store->nfamilies++;
	return 0;
}

static int store_prerender_meta(exporterd_family *fam)
{
	render_buf b = {0};
	render_text_meta(fam, &b);
	fam->text_meta = render_buf_finish(&b, &fam->text_meta_len);
	render_openmetrics_meta(fam, &b);
	fam->om_meta = render_buf_finish(&b, &fam->om_meta_len);
	return fam->text_meta && fam->om_meta ? 0 : -1;
}

struct exporterd_family *metric_store_family_new(metric_store *store, metric_kind kind,
                                                 const char *name, const char *help,
                                                 const char *labels, const family_options *opts,
                                                 char *err, size_t errlen)
{
	if (!store || !name) {
		snprintf(err, errlen, "no metric name given");
		return NULL;
	}
	if (kind < METRIC_COUNTER || kind > METRIC_ENUM) {
		snprintf(err, errlen, "metric \"%s\": unknown kind %d", name, (int)kind);
		return NULL;
	}
	exporterd_family *fam = calloc(1, sizeof(*fam));
	if (!fam || !(fam->name = store_family_name(kind, name)))
		goto oom;
	fam->store = store;
	fam->kind = kind;
	if (store_check_name(kind, name, fam->name, opts, err, errlen) != 0)
		goto fail;
	if (kind == METRIC_ENUM && store_set_states(fam, opts, err, errlen) != 0)
		goto fail;
	if (store_set_labels(fam, labels, opts, err, errlen) != 0)
		goto fail;
	if (kind == METRIC_HISTOGRAM && store_set_buckets(fam, opts, err, errlen) != 0)
		goto fail;
	if (store_occupied_names(fam) != 0 || !(fam->shape = store_describe(fam)))
		goto oom;
	fam->shape_hash =
	    name_hash_mix(name_hash_bytes(NAME_HASH_SEED, fam->shape, strlen(fam->shape)));
	if (store_check_clash(store, fam, err, errlen) != 0)
		goto fail;
	if (!(fam->help = store_help(help, fam->name)) || store_set_names(fam) != 0 ||
	    store_prerender_meta(fam) != 0 || store_table_grow(fam) != 0)
		goto oom;
	if (store->reg) {
		fam->claim = family_registry_claim(store->reg, store->instance, kind,
		                                   (const char *const *)fam->occupied,
		                                   fam->noccupied, fam->shape, err, errlen);
		if (!fam->claim)
			goto fail;
	}
	if (store_insert(store, fam) != 0)
		goto oom;
	fam->dirty = 1;
	return fam;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	store_family_free(fam);
	return NULL;
}

/* ---- snapshots ---- */

static int store_hash_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The series of fam, sorted: what the registry compares between instances. */
static uint64_t *store_series_hashes(const exporterd_family *fam)
{
	uint64_t *h = malloc((fam->nchildren ? fam->nchildren : 1) * sizeof(uint64_t));
	if (!h)
		return NULL;
	size_t n = 0;
	for (const exporterd_child *c = fam->first; c; c = c->next)
		h[n++] = c->series_hash;
	qsort(h, n, sizeof(uint64_t), store_hash_cmp);
	return h;
}

/*
 * Checks the changed families that other instances also declare against the series those
 * publish, and records this store's series. Families declared by this instance alone cost
 * nothing here. Returns 0, or -1 with err naming the family, the series and the other instance.
 */
static int store_publish_check(metric_store *store, char *err, size_t errlen)
{
	size_t n = 0;
	for (size_t i = 0; i < store->nfamilies; i++) {
		const exporterd_family *fam = store->families[i];
		if (!fam->claim)
			continue;
		if (family_registry_shared(fam->claim)
		        ? fam->dirty || !fam->claim_recorded ||
		              fam->claim_generation != family_registry_generation(fam->claim)
		        : fam->claim_recorded && fam->dirty)
			n++;
	}
	if (n == 0)
		return 0;
	registry_publication *pubs = calloc(n, sizeof(*pubs));
	exporterd_family **fams = calloc(n, sizeof(*fams));
	unsigned *gens = calloc(n, sizeof(*gens));
	int rc = -1;
	size_t k = 0;
	if (!pubs || !fams || !gens)
		goto oom;
	for (size_t i = 0; i < store->nfamilies; i++) {
		exporterd_family *fam = store->families[i];
		if (!fam->claim)
			continue;
		unsigned gen = family_registry_generation(fam->claim);
		int shared = family_registry_shared(fam->claim);
		if (shared ? !(fam->dirty || !fam->claim_recorded || fam->claim_generation != gen)
		           : !(fam->claim_recorded && fam->dirty))
			continue;
		if (k == n)
			break;
		pubs[k].claim = fam->claim;
		/* No longer shared: forget the series so that no stale set is compared later. */
		if (shared) {
			uint64_t *h = store_series_hashes(fam);
			if (!h)
				goto oom;
			pubs[k].hashes = h;
			pubs[k].nhashes = fam->nchildren;
		}
		fams[k] = fam;
		gens[k] = shared ? gen : 0;
		k++;
	}
	size_t bad;
	uint64_t bad_hash;
	char other[256];
	int r = family_registry_publish(store->reg, pubs, k, &bad, &bad_hash, other, sizeof(other));
	if (r == -2)
		goto oom;
	if (r == -1) {
		const exporterd_family *fam = fams[bad];
		const exporterd_child *c = fam->first;
		while (c && c->series_hash != bad_hash)
			c = c->next;
		const char *labels = c ? c->labels : "";
		const char *info = c && fam->kind == METRIC_INFO ? c->u.info.labels : "";
		snprintf(err, errlen,
		         "series %s{%s%s%s} of metric \"%s\" is also published by instance \"%s\"",
		         fam->sample_name, labels, *labels && *info ? "," : "", info, fam->name,
		         other);
		goto done;
	}
	for (size_t i = 0; i < k; i++) {
		fams[i]->claim_recorded = pubs[i].hashes != NULL;
		fams[i]->claim_generation = gens[i];
	}
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	for (size_t i = 0; pubs && i < k; i++)
		free((void *)pubs[i].hashes);
	free(pubs);
	free(fams);
	free(gens);
	return rc;
}

static char *store_memdup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d)
		memcpy(d, s, len + 1);
	return d;
}

/* Renders fam into a new chunk holding one reference; NULL when out of memory. */
static family_chunk *store_render_chunk(const exporterd_family *fam)
{
	family_chunk *chunk = calloc(1, sizeof(*chunk));
	if (!chunk)
		return NULL;
	atomic_init(&chunk->refs, 1);
	chunk->shape = fam->shape_hash;
	chunk->name = strdup(fam->name);
	chunk->text_meta = store_memdup(fam->text_meta, fam->text_meta_len);
	chunk->text_meta_len = fam->text_meta_len;
	chunk->om_meta = store_memdup(fam->om_meta, fam->om_meta_len);
	chunk->om_meta_len = fam->om_meta_len;

	/* Sized up front from what the store knows, so large families render without regrowth. */
	size_t lines = 1, extra = 0;
	if (fam->kind == METRIC_HISTOGRAM)
		lines = fam->nbounds + 3, extra = 24;
	else if (fam->kind == METRIC_SUMMARY)
		lines = 6, extra = 32;
	else if (fam->kind == METRIC_ENUM)
		lines = fam->nstates, extra = 32;
	else if (fam->kind == METRIC_INFO)
		extra = 64;
	size_t per_line = fam->sample_name_len + 8 + extra + FLOAT_FORMAT_MAX / 2;
	render_buf b = {0};
	render_buf_reserve(&b, lines * (fam->nchildren * per_line + fam->labels_bytes));
	render_samples(fam, &b, &chunk->nseries);
	chunk->text_samples = render_buf_finish(&b, &chunk->text_samples_len);
	chunk->om_samples = chunk->text_samples;
	chunk->om_samples_len = chunk->text_samples_len;
	if (!chunk->name || !chunk->text_meta || !chunk->om_meta || !chunk->text_samples) {
		family_chunk_unref(chunk);
		return NULL;
	}
	return chunk;
}

instance_snapshot *metric_store_snapshot(metric_store *store, char *err, size_t errlen)
{
	if (store->reg && store_publish_check(store, err, errlen) != 0)
		return NULL;
	for (size_t i = 0; i < store->nfamilies; i++) {
		exporterd_family *fam = store->families[i];
		if (!fam->dirty && fam->chunk)
			continue;
		family_chunk *chunk = store_render_chunk(fam);
		if (!chunk) {
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		family_chunk_unref(fam->chunk);
		fam->chunk = chunk;
		fam->dirty = 0;
	}
	instance_snapshot *snap = calloc(1, sizeof(*snap));
	if (!snap || !(snap->families = calloc(store->nfamilies ? store->nfamilies : 1,
	                                       sizeof(*snap->families)))) {
		free(snap);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&snap->refs, 1);
	for (size_t i = 0; i < store->nfamilies; i++)
		snap->families[i] = family_chunk_ref(store->families[i]->chunk);
	snap->nfamilies = store->nfamilies;
	return snap;
}
