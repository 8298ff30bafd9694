/* process_* metrics of exporterd itself, read from /proc on every scrape as the official clients
 * do. */
#ifndef EXPORTERD_PROCESS_METRICS_H
#define EXPORTERD_PROCESS_METRICS_H

#include "exposition.h"

#include <stdbool.h>
#include <stddef.h>

/* One reading. A value whose source could not be read is left out of the page. */
typedef struct process_stats {
	bool have_stat; /* cpu, virtual, resident, start time (/proc/self/stat) */
	double cpu_seconds;
	double virtual_bytes;
	double resident_bytes;
	double start_time_seconds; /* needs btime as well */
	bool have_start_time;
	bool have_open_fds;
	double open_fds;
	bool have_max_fds;
	double max_fds;
} process_stats;

/* Parses the contents of /proc/<pid>/stat into the cpu, memory and start time
 * fields. clk_tck and page_size as sysconf reports them; btime is the boot time
 * in unix seconds from /proc/stat (< 0: unknown, no start time). 0 or -1. */
int process_stats_parse_stat(const char *stat, long clk_tck, long page_size, double btime,
                             process_stats *out);

/* Reads btime from the contents of /proc/stat. 0 or -1. */
int process_stats_parse_btime(const char *proc_stat, double *btime);

/* Reads the soft limit of "Max open files" from the contents of /proc/<pid>/limits
 * ("unlimited" gives +Inf). 0 or -1. */
int process_stats_parse_max_fds(const char *limits, double *max_fds);

/* Fills out from /proc/self; what cannot be read is marked absent. */
void process_stats_read(process_stats *out);

/* Largest page process_metrics_render writes. */
#define PROCESS_METRICS_MAX 2048

/* Renders st in format into buf (PROCESS_METRICS_MAX bytes), keeping only the
 * families that filter's names select (filter may be NULL). Returns the length
 * (no NUL is added). */
size_t process_metrics_render(const process_stats *st, exposition_format format,
                              const scrape_filter *filter, char *buf);

#endif
