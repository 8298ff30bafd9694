/* process_* metrics from /proc/self, read and rendered on every scrape (the page's dynamic part).
 */
#include "process_metrics.h"

#include "float_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int process_stats_parse_stat(const char *stat, long clk_tck, long page_size, double btime,
                             process_stats *out)
{
	/* The command name (field 2) may hold spaces and ')': the fields after it
	 * start after the last ')'. */
	const char *p = strrchr(stat, ')');
	if (!p || clk_tck <= 0 || page_size <= 0)
		return -1;
	p++;
	/* Fields 3 (state) to 24 (rss); only some are numbers we use. */
	enum {
		FIELD_FIRST = 3,
		FIELD_UTIME = 14,
		FIELD_STIME = 15,
		FIELD_START = 22,
		FIELD_VSIZE = 23,
		FIELD_RSS = 24
	};
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long long rss = 0;
	for (int field = FIELD_FIRST; field <= FIELD_RSS; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			return -1;
		const char *end = p;
		while (*end && *end != ' ' && *end != '\n')
			end++;
		if (field >= FIELD_UTIME) {
			char *stop;
			errno = 0;
			unsigned long long u = 0;
			long long s = 0;
			if (field == FIELD_RSS)
				s = strtoll(p, &stop, 10);
			else
				u = strtoull(p, &stop, 10);
			if (errno != 0 || stop != end)
				return -1;
			switch (field) {
			case FIELD_UTIME:
				utime = u;
				break;
			case FIELD_STIME:
				stime = u;
				break;
			case FIELD_START:
				start = u;
				break;
			case FIELD_VSIZE:
				vsize = u;
				break;
			case FIELD_RSS:
				rss = s;
				break;
			default:
				break;
			}
		}
		p = end;
	}
	out->have_stat = true;
	out->cpu_seconds = (double)(utime + stime) / (double)clk_tck;
	out->virtual_bytes = (double)vsize;
	out->resident_bytes = (double)rss * (double)page_size;
	out->have_start_time = btime >= 0;
	out->start_time_seconds = btime >= 0 ? (double)start / (double)clk_tck + btime : 0;
	return 0;
}

int process_stats_parse_btime(const char *proc_stat, double *btime)
{
	for (const char *line = proc_stat; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, "btime ", 6) == 0) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(line + 6, &end, 10);
			if (errno != 0 || end == line + 6 || (*end != '\n' && *end != '\0'))
				return -1;
			*btime = (double)v;
			return 0;
		}
	}
	return -1;
}

int process_stats_parse_max_fds(const char *limits, double *max_fds)
{
	static const char key[] = "Max open files";
	for (const char *line = limits; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		const char *p = line + sizeof(key) - 1;
		if (*p != ' ')
			return -1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "unlimited", 9) == 0 && (p[9] == ' ' || p[9] == '\n' || !p[9])) {
			*max_fds = INFINITY;
			return 0;
		}
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno != 0 || end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -1;
		*max_fds = (double)v;
		return 0;
	}
	return -1;
}

/* Reads a small /proc file into buf (NUL-terminated); -1 when it cannot be read. */
static int process_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return len > 0 ? 0 : -1;
}

/* Boot time, clock ticks and page size never change while we run. */
static pthread_once_t process_constants_once = PTHREAD_ONCE_INIT;
static double process_btime = -1;
static long process_clk_tck;
static long process_page_size;

static void process_read_constants(void)
{
	process_clk_tck = sysconf(_SC_CLK_TCK);
	process_page_size = sysconf(_SC_PAGESIZE);
	/* /proc/stat grows with the number of CPUs; btime follows the per-CPU lines. */
	size_t size = 256 * 1024;
	char *buf = malloc(size);
	double btime;
	if (buf && process_read_file("/proc/stat", buf, size) == 0 &&
	    process_stats_parse_btime(buf, &btime) == 0)
		process_btime = btime;
	free(buf);
}

static int process_count_fds(double *count)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	/* Counts the descriptor opendir itself holds, as the official clients do. */
	size_t n = 0;
	struct dirent *d;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] != '.')
			n++;
	}
	closedir(dir);
	*count = (double)n;
	return 0;
}

void process_stats_read(process_stats *out)
{
	pthread_once(&process_constants_once, process_read_constants);
	*out = (process_stats){0};
	char buf[4096];
	if (process_read_file("/proc/self/stat", buf, sizeof(buf)) == 0)
		process_stats_parse_stat(buf, process_clk_tck, process_page_size, process_btime,
		                         out);
	out->have_open_fds = process_count_fds(&out->open_fds) == 0;
	out->have_max_fds = process_read_file("/proc/self/limits", buf, sizeof(buf)) == 0 &&
	                    process_stats_parse_max_fds(buf, &out->max_fds) == 0;
}

/* One family of the page: OpenMetrics family name, kind, unit and help. */
typedef struct process_family {
	const char *name; /* OpenMetrics family name */
	const char *unit; /* "" for none */
	const char *help;
	bool counter;
} process_family;

static size_t process_render_family(char *buf, const process_family *f, exposition_format format,
                                    double value)
{
	char num[FLOAT_FORMAT_MAX + 1];
	float_format(value, num);
	const char *suffix = f->counter ? "_total" : "";
	const char *type = f->counter ? "counter" : "gauge";
	int n;
	if (format == EXPOSITION_OPENMETRICS) {
		char unit[64] = "";
		if (*f->unit)
			snprintf(unit, sizeof(unit), "# UNIT %s %s\n", f->name, f->unit);
		n = sprintf(buf, "# TYPE %s %s\n%s# HELP %s %s\n%s%s %s\n", f->name, type, unit,
		            f->name, f->help, f->name, suffix, num);
	} else {
		n = sprintf(buf, "# HELP %s%s %s\n# TYPE %s%s %s\n%s%s %s\n", f->name, suffix,
		            f->help, f->name, suffix, type, f->name, suffix, num);
	}
	return n > 0 ? (size_t)n : 0;
}

size_t process_metrics_render(const process_stats *st, exposition_format format,
                              const scrape_filter *filter, char *buf)
{
	static const process_family cpu = {"process_cpu_seconds", "seconds",
	                                   "Total user and system CPU time spent in seconds.",
	                                   true};
	static const process_family virt = {"process_virtual_memory_bytes", "bytes",
	                                    "Virtual memory size in bytes.", false};
	static const process_family res = {"process_resident_memory_bytes", "bytes",
	                                   "Resident memory size in bytes.", false};
	static const process_family start = {
	    "process_start_time_seconds", "seconds",
	    "Start time of the process since unix epoch in seconds.", false};
	static const process_family open_fds = {"process_open_fds", "",
	                                        "Number of open file descriptors.", false};
	static const process_family max_fds = {"process_max_fds", "",
	                                       "Maximum number of open file descriptors.", false};
	struct {
		const process_family *family;
		bool present;
		double value;
	} rows[] = {
	    {&cpu, st->have_stat, st->cpu_seconds},
	    {&virt, st->have_stat, st->virtual_bytes},
	    {&res, st->have_stat, st->resident_bytes},
	    {&start, st->have_start_time, st->start_time_seconds},
	    {&open_fds, st->have_open_fds, st->open_fds},
	    {&max_fds, st->have_max_fds, st->max_fds},
	};
	size_t len = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].present && exposition_filter_selects_name(filter, rows[i].family->name))
			len +=
			    process_render_family(buf + len, rows[i].family, format, rows[i].value);
	}
	return len;
}
