/* Unit tests of config.c: exporter.ini syntax, [exporter] keys, sections, ${VAR}, line limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes content to a new file in dir (mkstemp) and returns its path (caller frees). */
static char *write_file_in(const char *dir, const void *content, size_t len)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/exporterd-config-XXXXXX", dir) > 0);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static char *write_config(const char *content)
{
	const char *tmp = getenv("TMPDIR");
	return write_file_in(tmp && *tmp ? tmp : "/tmp", content, strlen(content));
}

/* Loads content; asserts success. The file is gone afterwards. */
static void load_ok(const char *content, config *cfg)
{
	char err[1024];
	char *path = write_config(content);
	int rc = config_load(path, cfg, err, sizeof(err));
	unlink(path);
	free(path);
	if (rc != 0)
		fail_msg("config_load failed: %s", err);
}

/* Loads content of len bytes; asserts failure with the message starting with
 * "<path>:<line>: " (line 0: "<path>: ") and containing every needle. The
 * message is copied to msg_out when not NULL. */
static void load_fails_n(const char *content, size_t len, int line, const char *const *needles,
                         char *msg_out, size_t msg_len)
{
	const char *tmp = getenv("TMPDIR");
	char *path = write_file_in(tmp && *tmp ? tmp : "/tmp", content, len);
	char err[1024] = "";
	config cfg;
	int rc = config_load(path, &cfg, err, sizeof(err));
	config_free(&cfg);
	unlink(path);

	char prefix[PATH_MAX + 32];
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	free(path);
	if (rc != -1)
		fail_msg("config_load accepted:\n%s", content);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", err, prefix);
	for (size_t i = 0; needles != NULL && needles[i] != NULL; i++) {
		if (strstr(err, needles[i]) == NULL)
			fail_msg("message '%s' lacks '%s'", err, needles[i]);
	}
	if (msg_out != NULL)
		snprintf(msg_out, msg_len, "%s", err);
}

#define load_fails(content, line, ...)                                                             \
	load_fails_n(content, strlen(content), line, (const char *const[]){__VA_ARGS__, NULL},     \
	             NULL, 0)

static const config_section *find_section(const config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nsections; i++) {
		if (strcmp(cfg->sections[i].name, name) == 0)
			return &cfg->sections[i];
	}
	fail_msg("no section [%s]", name);
	return NULL;
}

/* ---- [exporter] ---- */

static void test_defaults(void **state)
{
	(void)state;
	config cfg;
	load_ok("", &cfg);
	assert_string_equal(cfg.exporter.listen, "0.0.0.0:8192");
	assert_string_equal(cfg.exporter.metrics_path, "/metrics");
	assert_true(cfg.exporter.scrape_timeout == 10.0);
	assert_int_equal(cfg.exporter.log_level, EXPORTERD_LOG_INFO);
	assert_int_equal(cfg.exporter.listen_line, 0);
	assert_int_equal(cfg.nsections, 0);
	assert_non_null(cfg.path);
	/* The default plugin_dir is relative to the file's folder too. */
	const char *tmp = getenv("TMPDIR");
	char expected[PATH_MAX];
	snprintf(expected, sizeof(expected), "%s/build/plugins", tmp && *tmp ? tmp : "/tmp");
	assert_string_equal(cfg.exporter.plugin_dir, expected);
	config_free(&cfg);

	load_ok("[exporter]\n", &cfg);
	assert_string_equal(cfg.exporter.listen, "0.0.0.0:8192");
	assert_int_equal(cfg.nsections, 0);
	config_free(&cfg);
}

static void test_exporter_keys(void **state)
{
	(void)state;
	config cfg;
	load_ok("; comment\n"
	        "[exporter]\n"
	        "listen = [::1]:9100\n"
	        "metrics_path = /probe/metrics\n"
	        "plugin_dir = /opt/exporterd/plugins\n"
	        "scrape_timeout = 1m30s\n"
	        "log_level = debug\n",
	        &cfg);
	assert_string_equal(cfg.exporter.listen, "[::1]:9100");
	assert_int_equal(cfg.exporter.listen_line, 3);
	assert_string_equal(cfg.exporter.metrics_path, "/probe/metrics");
	assert_string_equal(cfg.exporter.plugin_dir, "/opt/exporterd/plugins");
	assert_true(cfg.exporter.scrape_timeout == 90.0);
	assert_int_equal(cfg.exporter.log_level, EXPORTERD_LOG_DEBUG);
	config_free(&cfg);

	static const struct {
		const char *text;
		exporterd_log_level level;
	} levels[] = {{"info", EXPORTERD_LOG_INFO},
	              {"warn", EXPORTERD_LOG_WARN},
	              {"error", EXPORTERD_LOG_ERROR}};
	for (size_t i = 0; i < 3; i++) {
		char text[64];
		snprintf(text, sizeof(text), "[exporter]\nlog_level = %s\nscrape_timeout = 2.5\n",
		         levels[i].text);
		load_ok(text, &cfg);
		assert_int_equal(cfg.exporter.log_level, levels[i].level);
		assert_true(cfg.exporter.scrape_timeout == 2.5);
		config_free(&cfg);
	}
}

static void test_listen_values(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "0.0.0.0:8192",           ":8192",     "127.0.0.1:0",
	    "localhost:65535",        "[::]:8192", "[::1]:1",
	    "my-host.example.org:80", "a:1",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char text[256];
		config cfg;
		char err[512];
		snprintf(text, sizeof(text), "[exporter]\nlisten = %s\n", good[i]);
		char *path = write_config(text);
		int rc = config_load(path, &cfg, err, sizeof(err));
		unlink(path);
		free(path);
		if (rc != 0)
			fail_msg("listen '%s' refused: %s", good[i], err);
		assert_string_equal(cfg.exporter.listen, good[i]);
		config_free(&cfg);
	}

	static const char *const bad[] = {
	    "8192",
	    "host:65536",
	    "::1:8192",
	    "[::1]8192",
	    "[zz]:80",
	    "bad_host:80",
	    "host:",
	    "host:-1",
	    "host:80x",
	    "[::1]:",
	    "",
	    "-host:80",
	    "host-:80",
	    "a..b:80",
	    "[::1:8192",
	    ":",
	    "host:99999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "[exporter]\n\nlisten = %s\n", bad[i]);
		load_fails(text, 3, "[exporter] key 'listen'");
	}
}

static void test_metrics_path_values(void **state)
{
	(void)state;
	load_fails("[exporter]\nmetrics_path = metrics\n", 2, "metrics_path", "start with '/'");
	load_fails("[exporter]\nmetrics_path = /\n", 2, "metrics_path");
	load_fails("[exporter]\nmetrics_path = /-/metrics\n", 2, "metrics_path", "/-/");
	load_fails("[exporter]\nmetrics_path = /a b\n", 2, "metrics_path");
	load_fails("[exporter]\nmetrics_path = /a?b\n", 2, "metrics_path");
	load_fails("[exporter]\nmetrics_path =\n", 2, "metrics_path");
}

static void test_other_exporter_values(void **state)
{
	(void)state;
	load_fails("[exporter]\nscrape_timeout = 0s\n", 2, "scrape_timeout", "greater than 0");
	load_fails("[exporter]\nscrape_timeout = soon\n", 2, "scrape_timeout", "'soon'",
	           "not a duration");
	load_fails("[exporter]\nscrape_timeout = -5s\n", 2, "not a duration");
	load_fails("[exporter]\nlog_level = verbose\n", 2, "log_level", "debug, info, warn, error");
	load_fails("[exporter]\nlog_level = INFO\n", 2, "log_level");
	load_fails("[exporter]\nplugin_dir =\n", 2, "plugin_dir", "empty");
}

static void test_exporter_unknown_key(void **state)
{
	(void)state;
	load_fails("[exporter]\nlisten = :1\nport = 8192\n", 3, "[exporter] unknown key 'port'",
	           "known keys: listen, metrics_path, plugin_dir, scrape_timeout, log_level");
}

static void test_exporter_key_twice(void **state)
{
	(void)state;
	load_fails("[exporter]\nlisten = :1\nlog_level = info\nlisten = :2\n", 4, "'listen'",
	           "twice", "first at line 2");
}

static void test_plugin_dir_resolution(void **state)
{
	(void)state;
	/* A folder of its own, entered by a relative path. */
	char dir[] = "/tmp/exporterd-config-dir-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/conf", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	char *abs_path = write_file_in(sub, "[exporter]\nplugin_dir = lib/plugins\n",
	                               strlen("[exporter]\nplugin_dir = lib/plugins\n"));
	const char *name = strrchr(abs_path, '/') + 1;

	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);

	char rel[PATH_MAX], err[512];
	config cfg;
	snprintf(rel, sizeof(rel), "conf/%s", name);
	assert_int_equal(config_load(rel, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.exporter.plugin_dir, "conf/lib/plugins");
	assert_string_equal(cfg.path, rel);
	config_free(&cfg);

	/* A file in the working directory keeps the relative path as it is. */
	assert_int_equal(chdir(sub), 0);
	assert_int_equal(config_load(name, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.exporter.plugin_dir, "lib/plugins");
	config_free(&cfg);

	assert_int_equal(config_load(abs_path, &cfg, err, sizeof(err)), 0);
	char expected[PATH_MAX + 16];
	snprintf(expected, sizeof(expected), "%s/lib/plugins", sub);
	assert_string_equal(cfg.exporter.plugin_dir, expected);
	config_free(&cfg);

	/* An error names the path exactly as it was given. */
	assert_int_equal(chdir(dir), 0);
	FILE *f = fopen(rel, "w");
	assert_non_null(f);
	fputs("[exporter]\nplugin_dir = lib\nbogus = 1\n", f);
	fclose(f);
	assert_int_equal(config_load(rel, &cfg, err, sizeof(err)), -1);
	config_free(&cfg);
	char prefix[PATH_MAX + 8];
	snprintf(prefix, sizeof(prefix), "%s:3: ", rel);
	assert_int_equal(strncmp(err, prefix, strlen(prefix)), 0);

	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(unlink(abs_path), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
	free(abs_path);
}

/* ---- Plugin sections ---- */

static void test_sections(void **state)
{
	(void)state;
	config cfg;
	load_ok("[exporter]\n"
	        "listen = :8192\n"
	        "\n"
	        "[gameserver]                    ; one instance\n"
	        "interval = 60s\n"
	        "server = pve:key1\n"
	        "server = pvp:key2\n"
	        "[empty_one]\n"
	        "[http_probe:internal]\n"
	        "target = http://127.0.0.1:8192/-/healthy\n"
	        "[http_probe:Other-2.b_c]\n"
	        "[last]\n",
	        &cfg);
	assert_int_equal(cfg.nsections, 5);

	const config_section *g = &cfg.sections[0];
	assert_string_equal(g->name, "gameserver");
	assert_string_equal(g->plugin, "gameserver");
	assert_int_equal(g->line, 4);
	assert_int_equal(g->nentries, 3);
	assert_string_equal(g->entries[0].key, "interval");
	assert_string_equal(g->entries[0].value, "60s");
	assert_int_equal(g->entries[0].line, 5);
	assert_string_equal(g->entries[1].key, "server");
	assert_string_equal(g->entries[1].value, "pve:key1");
	assert_string_equal(g->entries[2].value, "pvp:key2");
	assert_int_equal(g->entries[2].line, 7);

	/* Sections without keys are seen, in file order. */
	assert_string_equal(cfg.sections[1].name, "empty_one");
	assert_int_equal(cfg.sections[1].line, 8);
	assert_int_equal(cfg.sections[1].nentries, 0);

	const config_section *h = &cfg.sections[2];
	assert_string_equal(h->name, "http_probe:internal");
	assert_string_equal(h->plugin, "http_probe");
	assert_int_equal(h->nentries, 1);
	assert_string_equal(h->entries[0].value, "http://127.0.0.1:8192/-/healthy");

	assert_string_equal(cfg.sections[3].name, "http_probe:Other-2.b_c");
	assert_string_equal(cfg.sections[3].plugin, "http_probe");
	assert_string_equal(cfg.sections[4].name, "last");
	assert_int_equal(cfg.sections[4].line, 12);
	assert_int_equal(cfg.sections[4].nentries, 0);
	config_free(&cfg);
}

/* The example of the design document, as written there. */
static void test_documented_example(void **state)
{
	(void)state;
	unsetenv("UNTURNED_KEY_PVE");
	setenv("UNTURNED_KEY_PVP", "pvp-key", 1);
	unsetenv("UNTURNED_KEY_VANILLA");
	config cfg;
	load_ok(
	    "[exporter]\n"
	    "listen = 0.0.0.0:8192          ; host:port, [::]:port or :port\n"
	    "metrics_path = /metrics\n"
	    "plugin_dir = build/plugins     ; relative paths are relative to this file's folder\n"
	    "scrape_timeout = 10s           ; used when the scraper sends no "
	    "X-Prometheus-Scrape-Timeout-Seconds\n"
	    "log_level = info\n"
	    "\n"
	    "[gameserver]                    ; section = plugin name: loads "
	    "<plugin_dir>/gameserver.so\n"
	    "interval = 60s\n"
	    "server = pve:${UNTURNED_KEY_PVE:-}\n"
	    "server = pvp:${UNTURNED_KEY_PVP:-}\n"
	    "server = vanilla:${UNTURNED_KEY_VANILLA:-}\n"
	    "\n"
	    "[http_probe:internal]           ; plugin:instance — a second instance of the same "
	    "plugin gets its own name\n"
	    "target = http://127.0.0.1:8192/-/healthy\n",
	    &cfg);
	assert_string_equal(cfg.exporter.listen, "0.0.0.0:8192");
	assert_string_equal(cfg.exporter.metrics_path, "/metrics");
	assert_true(cfg.exporter.scrape_timeout == 10);
	assert_int_equal(cfg.nsections, 2);
	const config_section *g = find_section(&cfg, "gameserver");
	assert_int_equal(g->line, 8);
	assert_int_equal(g->nentries, 4);
	assert_string_equal(g->entries[1].value, "pve:");
	assert_string_equal(g->entries[2].value, "pvp:pvp-key");
	assert_string_equal(g->entries[3].value, "vanilla:");
	const config_section *h = find_section(&cfg, "http_probe:internal");
	assert_int_equal(h->line, 14);
	assert_string_equal(h->entries[0].value, "http://127.0.0.1:8192/-/healthy");
	config_free(&cfg);
}

static void test_section_names(void **state)
{
	(void)state;
	load_fails("[exporter]\n[Game]\n", 2, "'Game'", "[a-z][a-z0-9_]*");
	load_fails("[1abc]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[game-server]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[ game ]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[:inst]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[../evil]\n", 1, "[a-z][a-z0-9_]*");
	load_fails("[game:]\n", 1, "instance name", "[A-Za-z0-9_.-]+");
	load_fails("[game:a/b]\n", 1, "instance name 'a/b'", "[A-Za-z0-9_.-]+");
	load_fails("[game:a:b]\n", 1, "instance name", "[A-Za-z0-9_.-]+");
	load_fails("[exporter:x]\n", 1, "[exporter]", "no instance name");
	load_fails("[game\nkey = 1\n", 1, "no closing ']'");
	load_fails("[game] trailing\n", 1, "after the section header");

	char letters[200], header[256];
	memset(letters, 'a', sizeof(letters));
	snprintf(header, sizeof(header), "[%.*s]\n", 128, letters);
	load_fails(header, 1, "longer than 127");
	snprintf(header, sizeof(header), "[%.*s:i]\n", 64, letters);
	load_fails(header, 1, "longer than 63");
	snprintf(header, sizeof(header), "[%.*s:i]\n", 63, letters);
	config cfg;
	load_ok(header, &cfg);
	config_free(&cfg);

	/* A comment after the header is fine; longer names are kept whole. */
	load_ok("[abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz:instance-with-a-long-name] "
	        "; note\nk = v\n",
	        &cfg);
	assert_int_equal(cfg.nsections, 1);
	assert_string_equal(cfg.sections[0].name,
	                    "abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz:instance-with-a-"
	                    "long-name");
	assert_string_equal(cfg.sections[0].entries[0].value, "v");
	config_free(&cfg);
}

static void test_duplicate_sections(void **state)
{
	(void)state;
	load_fails("[gameserver]\na = 1\n\n[gameserver]\n", 4, "[gameserver]", "twice",
	           "first at line 1");
	load_fails("[x:one]\n[x:two]\n[x:one]\n", 3, "[x:one]", "first at line 1");
	load_fails("[exporter]\n[a]\n[exporter]\n", 3, "[exporter]", "first at line 1");
	/* An empty section is still a section. */
	load_fails("[a]\n[b]\nk = 1\n[a]\n", 4, "[a]", "first at line 1");
}

static void test_key_before_section(void **state)
{
	(void)state;
	load_fails("\n; comment\nlisten = :8192\n[exporter]\n", 3, "'listen'",
	           "before any [section]");
}

static void test_missing_key_name(void **state)
{
	(void)state;
	load_fails("[a]\n= value\n", 2, "missing key name");
}

/* ---- Syntax ---- */

static void test_syntax_errors(void **state)
{
	(void)state;
	char msg[1024];
	/* The bad line's text (maybe a secret) is not repeated. */
	const char *text = "[a]\nok = 1\nhunter2\n";
	load_fails_n(text, strlen(text), 3, (const char *const[]){"syntax error", NULL}, msg,
	             sizeof(msg));
	assert_null(strstr(msg, "hunter2"));

	/* The first problem in the file is the one reported. */
	load_fails("[a]\njunk\n[exporter]\nbogus = 1\n", 2, "syntax error");
	load_fails("[exporter]\nbogus = 1\njunk\n", 2, "unknown key 'bogus'");
	load_fails("[a]\njunk\nmore junk\n", 2, "syntax error");
	load_fails("[a]\nk = 1\nfoo\n" /* ends without newline: */ "[b", 3, "syntax error");
}

static void test_comments_and_forms(void **state)
{
	(void)state;
	config cfg;
	load_ok("# hash comment\n"
	        "; semicolon comment\n"
	        "[a]\n"
	        "  # indented comment\n"
	        "plain = value ; inline comment\n"
	        "glued = a;b\n"
	        "spaced =   inner  spaces   \n"
	        "colon: form\n"
	        "empty =\n"
	        "\tindented = not a continuation\n"
	        "hash = a # b\n"
	        "last = no newline at the end",
	        &cfg);
	const config_section *a = find_section(&cfg, "a");
	assert_int_equal(a->nentries, 8);
	assert_string_equal(a->entries[0].key, "plain");
	assert_string_equal(a->entries[0].value, "value");
	assert_int_equal(a->entries[0].line, 5);
	assert_string_equal(a->entries[1].value, "a;b");
	assert_string_equal(a->entries[2].value, "inner  spaces");
	assert_string_equal(a->entries[3].key, "colon");
	assert_string_equal(a->entries[3].value, "form");
	assert_string_equal(a->entries[4].key, "empty");
	assert_string_equal(a->entries[4].value, "");
	assert_string_equal(a->entries[5].key, "indented");
	assert_string_equal(a->entries[5].value, "not a continuation");
	assert_int_equal(a->entries[5].line, 10);
	assert_string_equal(a->entries[6].value, "a # b");
	assert_string_equal(a->entries[7].value, "no newline at the end");
	assert_int_equal(a->entries[7].line, 12);
	config_free(&cfg);
}

static void test_crlf_and_bom(void **state)
{
	(void)state;
	config cfg;
	load_ok("\xEF\xBB\xBF[exporter]\r\n"
	        "listen = :9000\r\n"
	        "\r\n"
	        "[a]\r\n"
	        "k = v ; c\r\n"
	        "j = w\r\n",
	        &cfg);
	assert_string_equal(cfg.exporter.listen, ":9000");
	assert_int_equal(cfg.exporter.listen_line, 2);
	const config_section *a = find_section(&cfg, "a");
	assert_int_equal(a->line, 4);
	assert_string_equal(a->entries[0].value, "v");
	assert_string_equal(a->entries[1].value, "w");
	assert_int_equal(a->entries[1].line, 6);
	config_free(&cfg);

	/* BOM before a plain key line, and an error line number in a CRLF file. */
	load_fails("\xEF\xBB\xBF[a]\r\nk = 1\r\n[a]\r\n", 3, "first at line 1");
}

static void test_nul_byte(void **state)
{
	(void)state;
	load_fails_n("[a]\nk = a\0b\n", 12, 2, (const char *const[]){"NUL", NULL}, NULL, 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	char err[512];
	config cfg;
	assert_int_equal(config_load("/nonexistent/exporter.ini", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "/nonexistent/exporter.ini: cannot open: No such file or directory");
	config_free(&cfg);
	assert_int_equal(config_load("/tmp", &cfg, err, sizeof(err)), -1);
	assert_int_equal(strncmp(err, "/tmp: ", 6), 0);
	config_free(&cfg);
}

/* ---- The line limit ---- */

/* "[a]\nk = xxx...\n[b]\n" whose second line is exactly len bytes (plus eol). */
static char *config_with_line(size_t len, const char *eol)
{
	char *text = malloc(len + 32);
	assert_non_null(text);
	size_t n = (size_t)sprintf(text, "[a]%s", eol);
	memcpy(text + n, "k = ", 4);
	memset(text + n + 4, 'x', len - 4);
	n += len;
	sprintf(text + n, "%s[b]%s", eol, eol);
	return text;
}

static void test_line_limit(void **state)
{
	(void)state;
	assert_int_equal(CONFIG_MAX_LINE, 196);
	static const char *const eols[] = {"\n", "\r\n"};
	for (size_t e = 0; e < 2; e++) {
		/* Exactly at the limit: kept whole. */
		config cfg;
		char *text = config_with_line(CONFIG_MAX_LINE, eols[e]);
		load_ok(text, &cfg);
		free(text);
		assert_int_equal(cfg.nsections, 2);
		assert_int_equal(strlen(cfg.sections[0].entries[0].value), CONFIG_MAX_LINE - 4);
		assert_int_equal(cfg.sections[0].nentries, 1);
		config_free(&cfg);

		/* One byte more, and far more: refused, never split. */
		static const size_t over[] = {CONFIG_MAX_LINE + 1, 199, 200, 201, 450, 5000};
		for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
			text = config_with_line(over[i], eols[e]);
			char needle[64];
			snprintf(needle, sizeof(needle), "line is %zu bytes long; the limit is 196",
			         over[i]);
			load_fails(text, 2, needle);
			free(text);
		}
	}

	/* A long comment is refused too: libinih would read its tail as a line. */
	char comment[460];
	memset(comment, 'c', sizeof(comment));
	comment[0] = ';';
	memcpy(comment + 300, "\nk = v\n", 8);
	char text[600];
	snprintf(text, sizeof(text), "[a]\n%s", comment);
	load_fails(text, 2, "line is 300 bytes long");

	/* A BOM does not count. */
	char bom[256] = "\xEF\xBB\xBF";
	memset(bom + 3, ';', CONFIG_MAX_LINE);
	bom[3 + CONFIG_MAX_LINE] = '\0';
	config cfg;
	load_ok(bom, &cfg);
	config_free(&cfg);
}

/* ---- ${VAR} ---- */

static void expands_to(const char *text, const char *expected)
{
	char err[512] = "";
	char *got = config_expand_env(text, err, sizeof(err));
	if (got == NULL)
		fail_msg("'%s' failed: %s", text, err);
	if (strcmp(got, expected) != 0)
		fail_msg("'%s' expanded to '%s', expected '%s'", text, got, expected);
	free(got);
}

static void expand_fails(const char *text, const char *needle)
{
	char err[512] = "";
	char *got = config_expand_env(text, err, sizeof(err));
	if (got != NULL)
		fail_msg("'%s' expanded to '%s'", text, got);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", text, err, needle);
}

static void test_expand_env(void **state)
{
	(void)state;
	setenv("EXPORTERD_T_SET", "value", 1);
	setenv("EXPORTERD_T_EMPTY", "", 1);
	setenv("EXPORTERD_T_NESTED", "${EXPORTERD_T_SET}", 1);
	setenv("_x9", "u", 1);
	unsetenv("EXPORTERD_T_UNSET");

	expands_to("", "");
	expands_to("plain text", "plain text");
	expands_to("${EXPORTERD_T_SET}", "value");
	expands_to("a${EXPORTERD_T_SET}b${EXPORTERD_T_SET}", "avaluebvalue");
	expands_to("${_x9}", "u");
	expands_to("${EXPORTERD_T_EMPTY}", "");
	expands_to("${EXPORTERD_T_UNSET:-fallback}", "fallback");
	expands_to("${EXPORTERD_T_UNSET:-}", "");
	expands_to("pve:${EXPORTERD_T_UNSET:-}", "pve:");
	expands_to("${EXPORTERD_T_EMPTY:-fallback}", "fallback");
	expands_to("${EXPORTERD_T_SET:-fallback}", "value");
	expands_to("${EXPORTERD_T_UNSET:-a b:c-d}", "a b:c-d");
	expands_to("${EXPORTERD_T_UNSET:-${EXPORTERD_T_SET}}", "value");
	expands_to("${EXPORTERD_T_UNSET:-x${EXPORTERD_T_UNSET:-y}z}", "xyz");
	/* An unused default is not evaluated. */
	expands_to("${EXPORTERD_T_SET:-${EXPORTERD_T_UNSET}}", "value");
	/* Expanded text is not expanded again. */
	expands_to("${EXPORTERD_T_NESTED}", "${EXPORTERD_T_SET}");
	expands_to("$${EXPORTERD_T_SET}", "${EXPORTERD_T_SET}");
	expands_to("cost: $$5", "cost: $5");
	expands_to("$$$$", "$$");
	expands_to("pa$word", "pa$word");
	expands_to("end$", "end$");
	expands_to("${EXPORTERD_T_UNSET:-$$}", "$");

	expand_fails("${EXPORTERD_T_UNSET}", "'EXPORTERD_T_UNSET' is not set");
	expand_fails("x${EXPORTERD_T_UNSET}y", "EXPORTERD_T_UNSET");
	expand_fails("${EXPORTERD_T_UNSET:-${EXPORTERD_T_UNSET}}", "EXPORTERD_T_UNSET");
	expand_fails("${", "variable name");
	expand_fails("${}", "variable name");
	expand_fails("${1ABC}", "variable name");
	expand_fails("${ EXPORTERD_T_SET}", "variable name");
	expand_fails("${EXPORTERD_T_SET", "unterminated");
	expand_fails("${EXPORTERD_T_SET:-abc", "unterminated");
	expand_fails("${EXPORTERD_T_SET-abc}", "'}' or ':-'");
	expand_fails("${EXPORTERD_T_SET:abc}", "'}' or ':-'");
	expand_fails("${A.B}", "'}' or ':-'");
	expand_fails("${A B}", "'}' or ':-'");
}

static void test_expand_in_file(void **state)
{
	(void)state;
	setenv("EXPORTERD_T_PORT", "9555", 1);
	setenv("EXPORTERD_T_KEY", "s3cret", 1);
	unsetenv("EXPORTERD_T_UNSET");
	config cfg;
	load_ok("[exporter]\n"
	        "listen = 127.0.0.1:${EXPORTERD_T_PORT}\n"
	        "log_level = ${EXPORTERD_T_UNSET:-warn}\n"
	        "[gameserver]\n"
	        "server = pve:${EXPORTERD_T_KEY}\n"
	        "server = pvp:${EXPORTERD_T_UNSET:-}\n"
	        "price = $$10 ; dollars\n",
	        &cfg);
	assert_string_equal(cfg.exporter.listen, "127.0.0.1:9555");
	assert_int_equal(cfg.exporter.log_level, EXPORTERD_LOG_WARN);
	const config_section *g = find_section(&cfg, "gameserver");
	assert_string_equal(g->entries[0].value, "pve:s3cret");
	assert_string_equal(g->entries[1].value, "pvp:");
	assert_string_equal(g->entries[2].value, "$10");
	config_free(&cfg);

	char msg[1024];
	const char *text = "[a]\nx = 1\nkey = abc${EXPORTERD_T_UNSET}def\n";
	load_fails_n(text, strlen(text), 3,
	             (const char *const[]){"[a] key 'key'", "EXPORTERD_T_UNSET", "not set", NULL},
	             msg, sizeof(msg));
	assert_null(strstr(msg, "abc"));
	load_fails("[exporter]\nlisten = ${EXPORTERD_T_UNSET}\n", 2, "EXPORTERD_T_UNSET");
	load_fails("[a]\nkey = ${oops\n", 2, "unterminated");
	load_fails("[a]\nkey = ${9}\n", 2, "variable name");
	/* An expanded value is checked like a written one. */
	setenv("EXPORTERD_T_PORT", "notaport", 1);
	load_fails("[exporter]\nlisten = :${EXPORTERD_T_PORT}\n", 2, "listen", "port");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_exporter_keys),
	    cmocka_unit_test(test_listen_values),
	    cmocka_unit_test(test_metrics_path_values),
	    cmocka_unit_test(test_other_exporter_values),
	    cmocka_unit_test(test_exporter_unknown_key),
	    cmocka_unit_test(test_exporter_key_twice),
	    cmocka_unit_test(test_plugin_dir_resolution),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_documented_example),
	    cmocka_unit_test(test_section_names),
	    cmocka_unit_test(test_duplicate_sections),
	    cmocka_unit_test(test_key_before_section),
	    cmocka_unit_test(test_missing_key_name),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_comments_and_forms),
	    cmocka_unit_test(test_crlf_and_bom),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_line_limit),
	    cmocka_unit_test(test_expand_env),
	    cmocka_unit_test(test_expand_in_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
