/* exporterd plugin ABI: the one header a collector plugin includes. */
#ifndef EXPORTERD_PLUGIN_H
#define EXPORTERD_PLUGIN_H

/*
 * A plugin is a shared object that exports exactly one symbol, the descriptor
 * `exporterd_plugin` (use EXPORTERD_PLUGIN_DEFINE). Everything else it calls is
 * provided by the host process at dlopen time, so a plugin builds with
 *
 *     cc -shared -fPIC -I include my.c -o my.so
 *
 * and links against nothing. The host refuses a descriptor with another major
 * ABI version, or one smaller than the fields it needs, before calling anything.
 *
 * Conventions: functions that can fail return 0 on success and a negative
 * value on failure. Handles are opaque and owned by the host: a plugin never
 * frees a family or child, it removes them with the calls below.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXPORTERD_ABI_MAJOR 1
#define EXPORTERD_ABI_MINOR 1

#if defined(__GNUC__)
#define EXPORTERD_EXPORT __attribute__((visibility("default")))
/* Host functions: resolved from the exporterd executable when the plugin loads. */
#define EXPORTERD_API               __attribute__((visibility("default")))
#define EXPORTERD_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define EXPORTERD_EXPORT
#define EXPORTERD_API
#define EXPORTERD_PRINTF(fmt, args)
#endif

/* One configured section (`[name]` or `[name:instance]`) bound to a plugin. */
typedef struct exporterd_instance exporterd_instance;
/* A metric family: one name, one kind, fixed label names. */
typedef struct exporterd_family exporterd_family;
/* One labelled series (or group of series, for histograms) of a family. */
typedef struct exporterd_child exporterd_child;

/* ---- Options: declared by the plugin, parsed and validated by the host ---- */

typedef enum exporterd_option_type {
	EXPORTERD_OPT_STRING = 1,
	EXPORTERD_OPT_INT,      /* 64-bit signed integer */
	EXPORTERD_OPT_DOUBLE,   /* finite number */
	EXPORTERD_OPT_BOOL,     /* true/false, yes/no, on/off, 1/0 */
	EXPORTERD_OPT_DURATION, /* Prometheus duration (500ms, 1m30s); bare number = seconds */
} exporterd_option_type;

#define EXPORTERD_OPT_REPEATABLE 0x1u /* the key may appear many times */
#define EXPORTERD_OPT_REQUIRED   0x2u /* startup error when absent */
#define EXPORTERD_OPT_SECRET     0x4u /* value never shown in logs or pages */

typedef struct exporterd_option {
	const char *name; /* key in exporter.ini */
	exporterd_option_type type;
	const char *default_value; /* as written in the file; NULL = no default */
	const char *description;   /* one line, shown by error messages and docs */
	unsigned flags;            /* EXPORTERD_OPT_* */
} exporterd_option;

/* ---- The descriptor ---- */

typedef struct exporterd_plugin_descriptor {
	uint32_t abi_major; /* EXPORTERD_ABI_MAJOR at build time */
	uint32_t abi_minor; /* EXPORTERD_ABI_MINOR at build time */
	uint32_t size;      /* sizeof(exporterd_plugin_descriptor) at build time */
	uint32_t flags;     /* reserved, 0 */
	const char *name;   /* must equal the file name without ".so" */
	const char *description;
	const exporterd_option *options; /* terminated by an entry with name NULL; may be NULL */
	const char *default_interval;    /* duration used when the section sets none, e.g. "60s" */

	/* Creates the instance's families and state. Returns 0, or a negative
	 * value after exporterd_error() said why. Required. */
	int (*init)(exporterd_instance *inst);
	/* Updates values. Runs on the instance's own thread, never twice at once
	 * for one instance. Returns 0 or negative after exporterd_error(). Required. */
	int (*collect)(exporterd_instance *inst);
	/* Releases the state made by init. Not called while collect runs. Optional. */
	void (*shutdown)(exporterd_instance *inst);

	/* Optional (ABI 1.1): one synchronous probe of `target`, for GET /probe.
	 * `scratch` is a fresh instance for this request only: it shares the
	 * configured instance's options and exporterd_data(), has its own empty
	 * metric store and the request's deadline. Create the probe's families on
	 * it and set their values; the host renders them and frees them. Runs on
	 * an HTTP thread, possibly while collect or other probes run: treat the
	 * shared data as read-only. Returns 0, or negative after exporterd_error(). */
	int (*probe)(exporterd_instance *scratch, const char *target);

	/* Room for optional callbacks of later minor versions; keep zero. */
	void *reserved[7];
} exporterd_plugin_descriptor;

/* Defines the plugin's one exported symbol. Usage:
 *   EXPORTERD_PLUGIN_DEFINE(.name = "demo", .init = demo_init, .collect = demo_collect); */
#define EXPORTERD_PLUGIN_DEFINE(...)                                                               \
	EXPORTERD_EXPORT const exporterd_plugin_descriptor exporterd_plugin = {                    \
	    .abi_major = EXPORTERD_ABI_MAJOR,                                                      \
	    .abi_minor = EXPORTERD_ABI_MINOR,                                                      \
	    .size = sizeof(exporterd_plugin_descriptor),                                           \
	    __VA_ARGS__}

/* ---- Instance services (provided by the host) ---- */

/* The instance name: "plugin" or "plugin:instance". Valid for the instance's life. */
EXPORTERD_API const char *exporterd_instance_name(const exporterd_instance *inst);

/* Plugin-private state, set in init and read in collect/shutdown. */
EXPORTERD_API void exporterd_set_data(exporterd_instance *inst, void *data);
EXPORTERD_API void *exporterd_data(const exporterd_instance *inst);

/* Records why init or collect failed; the host adds the section name.
 * Always returns -1 so that `return exporterd_error(inst, ...);` reads well. */
EXPORTERD_API int exporterd_error(exporterd_instance *inst, const char *fmt, ...)
    EXPORTERD_PRINTF(2, 3);

typedef enum exporterd_log_level {
	EXPORTERD_LOG_DEBUG = 0,
	EXPORTERD_LOG_INFO,
	EXPORTERD_LOG_WARN,
	EXPORTERD_LOG_ERROR,
} exporterd_log_level;

/* Writes one logfmt line on stderr tagged with collector=<instance>. */
EXPORTERD_API void exporterd_log(exporterd_instance *inst, exporterd_log_level level,
                                 const char *fmt, ...) EXPORTERD_PRINTF(3, 4);

/* (ABI 1.1) Publishes what the instance's families hold now, before collect
 * returns: a collect that gathers many targets can show each as it arrives,
 * so one slow target delays none of the others. Call it only from collect.
 * What it publishes stays on the page even if collect then fails. 0 or -1. */
EXPORTERD_API int exporterd_publish(exporterd_instance *inst);

/* Monotonic clock in seconds, the clock deadlines are given in. */
EXPORTERD_API double exporterd_now(void);
/* Monotonic time by which the running collect must return. */
EXPORTERD_API double exporterd_deadline(const exporterd_instance *inst);
/* Non-zero once the host is shutting down: long collects should return soon. */
EXPORTERD_API int exporterd_stopping(const exporterd_instance *inst);

/* Option values, already validated against the declared type. A single-valued
 * option reads index 0. Strings are owned by the host and live as long as the
 * instance. Asking for an undeclared name returns the zero value. */
EXPORTERD_API size_t exporterd_option_count(const exporterd_instance *inst, const char *name);
EXPORTERD_API const char *exporterd_option_string(const exporterd_instance *inst, const char *name,
                                                  size_t index);
EXPORTERD_API int64_t exporterd_option_int(const exporterd_instance *inst, const char *name,
                                           size_t index);
EXPORTERD_API double exporterd_option_double(const exporterd_instance *inst, const char *name,
                                             size_t index);
EXPORTERD_API int exporterd_option_bool(const exporterd_instance *inst, const char *name,
                                        size_t index);
/* Seconds. */
EXPORTERD_API double exporterd_option_duration(const exporterd_instance *inst, const char *name,
                                               size_t index);

/* ---- Metric families ----
 *
 * `labels` is a comma-separated list of label names ("server,reason"), or NULL
 * / "" for none. Names are checked here: a bad metric or label name, a
 * reserved label (`le`, `quantile`, `__*`) or a clash with another instance's
 * family of the same name returns NULL after exporterd_error() — fail init.
 * Families are created in init; the host frees them with the instance.
 */

/* Counter `name` (exposed as name_total; a trailing "_total" in name is accepted). */
EXPORTERD_API exporterd_family *exporterd_counter_new(exporterd_instance *inst, const char *name,
                                                      const char *help, const char *labels);
EXPORTERD_API exporterd_family *exporterd_gauge_new(exporterd_instance *inst, const char *name,
                                                    const char *help, const char *labels);
/* Summary: _count and _sum, plus quantiles when the plugin supplies them. */
EXPORTERD_API exporterd_family *exporterd_summary_new(exporterd_instance *inst, const char *name,
                                                      const char *help, const char *labels);
/* Histogram with ascending finite upper bounds; buckets NULL = the default
 * .005 .01 .025 .05 .075 .1 .25 .5 .75 1 2.5 5 7.5 10. +Inf is implied. */
EXPORTERD_API exporterd_family *exporterd_histogram_new(exporterd_instance *inst, const char *name,
                                                        const char *help, const char *labels,
                                                        const double *buckets, size_t nbuckets);
/* Info `name` (exposed as name_info with value 1): `labels` select the child,
 * `info_labels` (comma-separated) are the label names it carries. */
EXPORTERD_API exporterd_family *exporterd_info_new(exporterd_instance *inst, const char *name,
                                                   const char *help, const char *labels,
                                                   const char *info_labels);
/* Enum (OpenMetrics stateset): `states` is a comma-separated list fixed here;
 * the state label is named after the family. Exactly one state is active. */
EXPORTERD_API exporterd_family *exporterd_enum_new(exporterd_instance *inst, const char *name,
                                                   const char *help, const char *labels,
                                                   const char *states);

/* The child for these label values (one per label name, in declared order),
 * created on first use. Values may hold any bytes; the renderer escapes them
 * and repairs invalid UTF-8. NULL only when out of memory. */
EXPORTERD_API exporterd_child *exporterd_child_get(exporterd_family *fam,
                                                   const char *const *values);
/* Same with the values as arguments: exporterd_child_with(fam, "pve", "timeout"). */
EXPORTERD_API exporterd_child *exporterd_child_with(exporterd_family *fam, ...);
/* Drops one child; 0 if it existed, negative if not. */
EXPORTERD_API int exporterd_child_remove(exporterd_family *fam, const char *const *values);
/* Drops every child of the family. */
EXPORTERD_API void exporterd_family_clear(exporterd_family *fam);

/* Counter: amount must be >= 0 and finite, else nothing changes and -1 is returned. */
EXPORTERD_API int exporterd_counter_inc(exporterd_child *c, double amount);
EXPORTERD_API void exporterd_gauge_set(exporterd_child *c, double value);
EXPORTERD_API void exporterd_gauge_inc(exporterd_child *c, double amount);
EXPORTERD_API void exporterd_gauge_dec(exporterd_child *c, double amount);
EXPORTERD_API void exporterd_summary_observe(exporterd_child *c, double value);
/* Replaces the summary's quantiles (q in [0,1], ascending); n = 0 drops them. */
EXPORTERD_API int exporterd_summary_set_quantiles(exporterd_child *c, size_t n,
                                                  const double *quantiles, const double *values);
EXPORTERD_API void exporterd_histogram_observe(exporterd_child *c, double value);
/* values: one per info label, in declared order. */
EXPORTERD_API int exporterd_info_set(exporterd_child *c, const char *const *values);
/* Activates one of the declared states; negative if it is not one of them. */
EXPORTERD_API int exporterd_enum_set(exporterd_child *c, const char *state);

#ifdef __cplusplus
}
#endif

#endif /* EXPORTERD_PLUGIN_H */
