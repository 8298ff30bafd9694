/* logfmt logging on stderr: ts= level= msg= collector=. */
#ifndef EXPORTERD_LOG_H
#define EXPORTERD_LOG_H

#include "exporterd/plugin.h"

#include <stdarg.h>

/* Lines below this level are dropped. Thread-safe. */
void log_set_level(exporterd_log_level level);
exporterd_log_level log_get_level(void);
/* Parses debug|info|warn|error; 0 on success, -1 otherwise. */
int log_parse_level(const char *text, exporterd_log_level *out);
const char *log_level_name(exporterd_log_level level);

/* Writes one line, e.g. `ts=2026-11-25T13:53:22.123Z level=warn msg="x y" collector=gameserver`.
 * collector may be NULL. Each line is written with a single write(2). */
void log_write(exporterd_log_level level, const char *collector, const char *fmt, ...)
    EXPORTERD_PRINTF(3, 4);
void log_writev(exporterd_log_level level, const char *collector, const char *fmt, va_list ap);

#define log_debug(...) log_write(EXPORTERD_LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...)  log_write(EXPORTERD_LOG_INFO, NULL, __VA_ARGS__)
#define log_warn(...)  log_write(EXPORTERD_LOG_WARN, NULL, __VA_ARGS__)
#define log_error(...) log_write(EXPORTERD_LOG_ERROR, NULL, __VA_ARGS__)

#endif
