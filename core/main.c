/* exporterd entry point: command line, start-up, signal loop, shutdown. */
#include "config.h"
#include "exposition.h"
#include "host.h"
#include "http_server.h"
#include "log.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2 };

/* How long SIGTERM waits for workers before leaving hung collects behind:
 * the whole stop must fit in one second. */
#define MAIN_STOP_GRACE 0.6

typedef struct main_args {
	const char *config_path;
	const char *listen;
	const char *log_level;
	bool check;
	bool once;
	exposition_format format;
} main_args;

static void main_usage(FILE *out)
{
	fprintf(out,
	        "usage: exporterd [-c FILE] [-l ADDR] [--log-level LEVEL] [--check]\n"
	        "                 [--once [--format text|openmetrics]] [-V] [-h]\n"
	        "\n"
	        "  -c, --config FILE     configuration file (default exporter.ini)\n"
	        "  -l, --listen ADDR     listen address, overrides [exporter] listen\n"
	        "      --log-level LEVEL debug, info, warn or error (overrides the file)\n"
	        "      --check           load every enabled plugin, run its init, print one line\n"
	        "                        per instance and exit: 0 if all is well, else 1\n"
	        "      --once            collect every enabled instance once, print the metrics\n"
	        "                        and exit: 0 if every collect succeeded, else 1\n"
	        "      --format FORMAT   text (default) or openmetrics, with --once\n"
	        "  -V, --version         print the version and exit\n"
	        "  -h, --help            print this help and exit\n"
	        "\n"
	        "Signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration.\n");
}

static void main_version(void)
{
	printf("exporterd %s (revision %s, plugin ABI %d.%d)\n", EXPORTERD_VERSION,
	       EXPORTERD_REVISION, EXPORTERD_ABI_MAJOR, EXPORTERD_ABI_MINOR);
}

/* Returns -1 to exit now with *code set. */
static int main_parse_args(int argc, char **argv, main_args *args, int *code)
{
	enum { OPT_LOG_LEVEL = 256, OPT_CHECK, OPT_ONCE, OPT_FORMAT };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"listen", required_argument, NULL, 'l'},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"check", no_argument, NULL, OPT_CHECK},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *format = NULL;
	*args = (main_args){.config_path = "exporter.ini", .format = EXPOSITION_TEXT};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:l:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			args->config_path = optarg;
			break;
		case 'l':
			args->listen = optarg;
			break;
		case OPT_LOG_LEVEL:
			args->log_level = optarg;
			break;
		case OPT_CHECK:
			args->check = true;
			break;
		case OPT_ONCE:
			args->once = true;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'V':
			main_version();
			*code = EXIT_OK;
			return -1;
		case 'h':
			main_usage(stdout);
			*code = EXIT_OK;
			return -1;
		default:
			fprintf(stderr, "exporterd: unknown or incomplete option '%s'\n",
			        argv[optind - 1]);
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "exporterd: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (args->check && args->once) {
		fprintf(stderr, "exporterd: --check and --once exclude each other\n");
		goto usage;
	}
	if (format) {
		if (!args->once) {
			fprintf(stderr, "exporterd: --format goes with --once\n");
			goto usage;
		}
		if (strcmp(format, "text") == 0) {
			args->format = EXPOSITION_TEXT;
		} else if (strcmp(format, "openmetrics") == 0) {
			args->format = EXPOSITION_OPENMETRICS;
		} else {
			fprintf(stderr, "exporterd: --format must be text or openmetrics\n");
			goto usage;
		}
	}
	exporterd_log_level level;
	if (args->log_level && log_parse_level(args->log_level, &level) != 0) {
		fprintf(stderr, "exporterd: --log-level must be debug, info, warn or error\n");
		goto usage;
	}
	return 0;
usage:
	main_usage(stderr);
	*code = EXIT_USAGE;
	return -1;
}

/* --once: every instance collects once; the page goes to stdout. */
static int main_once(host *h, exposition_format format)
{
	instance_status *st;
	size_t n = host_statuses(h, &st);
	double longest = 0;
	for (size_t i = 0; i < n; i++)
		longest = st[i].timeout > longest ? st[i].timeout : longest;
	free(st);
	host_collect_on_scrape(h, exporterd_now() + longest + 0.1, NULL);

	size_t len = 0;
	char *page = exposition_render_page(host_board(h), format, NULL, &len);
	if (!page) {
		log_error("cannot render the metrics page");
		return EXIT_CONFIG;
	}
	fwrite(page, 1, len, stdout);
	free(page);
	fflush(stdout);
	return host_all_succeeded(h) ? EXIT_OK : EXIT_CONFIG;
}

/* Serves until SIGTERM/SIGINT; SIGHUP reloads. Signals are taken synchronously
 * here, so no handler runs inside library code. */
static int main_serve(host *h, const char *config_path, const char *listen)
{
	char err[1024];
	http_server *srv = http_server_start(h, listen, err, sizeof(err));
	if (!srv) {
		log_error("%s", err);
		return EXIT_CONFIG;
	}
	log_info("listening on %s (port %u), metrics at %s", listen, http_server_port(srv),
	         host_settings(h)->metrics_path);

	sigset_t wanted;
	sigemptyset(&wanted);
	sigaddset(&wanted, SIGTERM);
	sigaddset(&wanted, SIGINT);
	sigaddset(&wanted, SIGHUP);
	for (;;) {
		/* The timeout doubles as the watchdog tick for overrunning collects. */
		struct timespec tick = {.tv_sec = 0, .tv_nsec = 250 * 1000 * 1000};
		int sig = sigtimedwait(&wanted, NULL, &tick);
		if (sig == SIGHUP) {
			log_info("reloading %s", config_path);
			if (host_reload(h, config_path, err, sizeof(err)) != 0)
				log_error("reload failed, the running configuration stays: %s",
				          err);
			else
				log_info("reload done");
		} else if (sig == SIGTERM || sig == SIGINT) {
			log_info("stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		} else {
			host_check_overruns(h);
		}
	}
	double deadline = exporterd_now() + MAIN_STOP_GRACE;
	host_signal_stop(h); /* wakes scrapes waiting on collects, so the server can stop */
	http_server_stop(srv);
	host_stop(h, deadline);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	main_args args;
	int code = EXIT_OK;
	if (main_parse_args(argc, argv, &args, &code) != 0)
		return code;

	/* Every thread inherits this mask; main_serve takes the signals with sigtimedwait. */
	sigset_t blocked;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	signal(SIGPIPE, SIG_IGN);

	char err[1024];
	config cfg;
	if (config_load(args.config_path, &cfg, err, sizeof(err)) != 0) {
		log_error("%s", err);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	exporterd_log_level level = cfg.exporter.log_level;
	if (args.log_level)
		log_parse_level(args.log_level, &level);
	log_set_level(level);

	host *h = host_new(err, sizeof(err));
	if (!h) {
		log_error("%s", err);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	host_mode mode = args.check ? HOST_CHECK : args.once ? HOST_ONCE : HOST_SERVE;
	if (host_load(h, &cfg, mode, err, sizeof(err)) != 0) {
		log_error("%s", err);
		host_free(h);
		return EXIT_CONFIG;
	}

	if (args.check) {
		char *lines = host_describe(h);
		fputs(lines ? lines : "", stdout);
		free(lines);
		code = EXIT_OK;
	} else if (args.once) {
		code = main_once(h, args.format);
	} else {
		code = main_serve(h, args.config_path,
		                  args.listen ? args.listen : host_settings(h)->listen);
	}
	host_signal_stop(h);
	host_stop(h, exporterd_now() + MAIN_STOP_GRACE);
	host_free(h);
	return code;
}
