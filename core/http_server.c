/* The HTTP endpoints on libmicrohttpd: metrics (negotiated, zero-copy), landing page, health. */
#include "http_server.h"

#include "accept.h"
#include "exposition.h"
#include "landing_page.h"
#include "log.h"
#include "probe.h"

#include <microhttpd.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bounds for abusive clients: connections held, idle time, and the per-connection
 * memory that holds the request line and headers (beyond it: 431/414). */
#define HTTP_CONNECTION_LIMIT   512
#define HTTP_CONNECTION_TIMEOUT 30
#define HTTP_CONNECTION_MEMORY  (32 * 1024)
#define HTTP_LISTEN_BACKLOG     511
/* How long stop waits for responses in flight. */
#define HTTP_STOP_GRACE 0.5
/* Taken off X-Prometheus-Scrape-Timeout-Seconds so the answer arrives in time. */
#define HTTP_DEADLINE_MARGIN_RATIO 0.1
#define HTTP_DEADLINE_MARGIN_MAX   0.5
#define HTTP_DEADLINE_MAX          3600.0 /* seconds: the longest scrape timeout honoured */

#define HTTP_TEXT_TYPE "text/plain; charset=utf-8"
#define HTTP_HTML_TYPE "text/html; charset=utf-8"

struct http_server {
	host *h;
	struct MHD_Daemon *daemon;
	exposition_cache *cache;
	unsigned port;
	atomic_int inflight; /* requests between their first handler call and completion */
	atomic_int helpers;  /* threads running collect-on-scrape for a suspended request */
	atomic_bool serving; /* started: libmicrohttpd's messages are about clients now */
};

/* State of one metrics request, kept across a suspension while
 * collect-on-scrape instances run on a helper thread. */
typedef struct http_request {
	http_server *srv;
	struct MHD_Connection *conn;
	bool started;          /* the request was parsed and the scrape begun */
	atomic_bool collected; /* the helper thread finished */
	bool answered;         /* a response is queued */
	double deadline;
	scrape_filter filter;
	const char **collectors; /* values point into the connection's memory */
	const char **names;
	size_t cap_collectors;
	size_t cap_names;
	/* GET /probe, answered by core/probe.c from a helper thread. */
	bool probe;
	exposition_format format;
	const char *module; /* query values, in the connection's memory */
	const char *target;
	probe_answer answer;
} http_request;

/* Marks requests that need no state, so that completion still counts them. */
static char http_stateless_request;

/* ---- Listening ---- */

/* Splits "host:port", "[v6]:port" or ":port". *hostbuf is "" for all addresses. */
static int http_parse_listen(const char *listen, char *hostbuf, size_t hostlen, char *portbuf,
                             size_t portlen, char *err, size_t errlen)
{
	const char *colon = strrchr(listen, ':');
	if (!colon) {
		snprintf(err, errlen, "listen address '%s' has no port (use host:port or :port)",
		         listen);
		return -1;
	}
	const char *host_start = listen;
	size_t host_len = (size_t)(colon - listen);
	if (host_len > 0 && listen[0] == '[') {
		if (listen[host_len - 1] != ']') {
			snprintf(err, errlen, "listen address '%s': missing ']'", listen);
			return -1;
		}
		host_start++;
		host_len -= 2;
	} else if (memchr(listen, ':', host_len)) {
		snprintf(err, errlen,
		         "listen address '%s': an IPv6 address needs brackets, e.g. [::1]:8192",
		         listen);
		return -1;
	}
	const char *port = colon + 1;
	size_t port_len = strlen(port);
	char *end;
	errno = 0;
	unsigned long value = strtoul(port, &end, 10);
	if (port_len == 0 || port_len > 5 || *end != '\0' || port[0] == '-' || port[0] == '+' ||
	    value > 65535) {
		snprintf(err, errlen, "listen address '%s': port must be 0 to 65535", listen);
		return -1;
	}
	if (host_len >= hostlen || port_len >= portlen) {
		snprintf(err, errlen, "listen address '%s' is too long", listen);
		return -1;
	}
	memcpy(hostbuf, host_start, host_len);
	hostbuf[host_len] = '\0';
	memcpy(portbuf, port, port_len + 1);
	return 0;
}

/* A bound, listening, non-blocking socket for one address; -1 with errno. */
static int http_listen_on(const struct sockaddr *addr, socklen_t len, bool dual_stack)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof(int));
	if (bind(fd, addr, len) != 0 || listen(fd, HTTP_LISTEN_BACKLOG) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Opens the listening socket for `listen`: ":port" and "[::]:port" accept IPv4
 * and IPv6 (IPv4 only where IPv6 is missing). Returns the fd, or -1 with a message. */
static int http_open_listener(const char *listen, unsigned *port, char *err, size_t errlen)
{
	char hostbuf[256], portbuf[8];
	if (http_parse_listen(listen, hostbuf, sizeof(hostbuf), portbuf, sizeof(portbuf), err,
	                      errlen) != 0)
		return -1;
	bool any = hostbuf[0] == '\0';
	bool dual_stack = any || strcmp(hostbuf, "::") == 0;
	int fd = -1;
	int last_errno = 0;
	if (any) {
		struct sockaddr_in6 v6 = {.sin6_family = AF_INET6,
		                          .sin6_addr = in6addr_any,
		                          .sin6_port = htons((uint16_t)atoi(portbuf))};
		fd = http_listen_on((struct sockaddr *)&v6, sizeof(v6), true);
		last_errno = errno;
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			struct sockaddr_in v4 = {.sin_family = AF_INET,
			                         .sin_addr.s_addr = htonl(INADDR_ANY),
			                         .sin_port = htons((uint16_t)atoi(portbuf))};
			fd = http_listen_on((struct sockaddr *)&v4, sizeof(v4), false);
			last_errno = errno;
		}
	} else {
		struct addrinfo hints = {.ai_family = AF_UNSPEC,
		                         .ai_socktype = SOCK_STREAM,
		                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
		struct addrinfo *res = NULL;
		int rc = getaddrinfo(hostbuf, portbuf, &hints, &res);
		if (rc != 0) {
			snprintf(err, errlen, "cannot listen on %s: %s", listen, gai_strerror(rc));
			return -1;
		}
		for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = http_listen_on(ai->ai_addr, ai->ai_addrlen, dual_stack);
			last_errno = errno;
		}
		freeaddrinfo(res);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(last_errno));
		return -1;
	}
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &len) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
	                                          : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

/* ---- Responses ---- */

static enum MHD_Result http_send_static(struct MHD_Connection *conn, unsigned status,
                                        const char *type, const char *body)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    strlen(body), (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result http_send_landing(http_server *srv, struct MHD_Connection *conn)
{
	instance_status *st;
	size_t n = host_statuses(srv->h, &st);
	size_t len = 0;
	char *page = landing_page_render(host_settings(srv->h)->metrics_path, st, n, &len);
	free(st);
	if (!page)
		return http_send_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HTTP_TEXT_TYPE,
		                        "Out of memory\n");
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_HTML_TYPE);
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void http_free_exposition(void *cls)
{
	exposition_response_free(cls);
}

/* Accept and Accept-Encoding, each possibly sent several times (equivalent to
 * one comma-joined list), and the scrape timeout header. */
typedef struct http_headers {
	char accept[2048];
	char accept_encoding[512];
	bool has_accept;
	bool has_accept_encoding;
	const char *timeout;
} http_headers;

static void http_join(char *dst, size_t size, bool *seen, const char *value)
{
	size_t len = strlen(dst);
	snprintf(dst + len, size - len, "%s%s", *seen ? "," : "", value);
	*seen = true;
}

static enum MHD_Result http_collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
	(void)kind;
	http_headers *hd = cls;
	if (!value)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_ACCEPT) == 0)
		http_join(hd->accept, sizeof(hd->accept), &hd->has_accept, value);
	else if (strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0)
		http_join(hd->accept_encoding, sizeof(hd->accept_encoding),
		          &hd->has_accept_encoding, value);
	else if (strcasecmp(key, "X-Prometheus-Scrape-Timeout-Seconds") == 0 && !hd->timeout)
		hd->timeout = value;
	return MHD_YES;
}

static enum MHD_Result http_send_metrics(http_server *srv, http_request *req)
{
	http_headers hd = {0};
	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, http_collect_header, &hd);
	exposition_format format = accept_format(hd.has_accept ? hd.accept : NULL);
	bool gzip = accept_gzip(hd.has_accept_encoding ? hd.accept_encoding : NULL);
	exposition_response *r =
	    exposition_response_build(srv->cache, format, &req->filter, gzip, NULL);
	if (!r)
		return http_send_static(req->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HTTP_TEXT_TYPE,
		                        "Out of memory\n");
	struct MHD_IoVec iov[3];
	for (size_t i = 0; i < r->nparts; i++)
		iov[i] = (struct MHD_IoVec){r->parts[i].data, r->parts[i].len};
	/* The parts point into the cached body; the callback drops its reference
	 * once the response has been sent. */
	struct MHD_Response *resp =
	    MHD_create_response_from_iovec(iov, (unsigned)r->nparts, http_free_exposition, r);
	if (!resp) {
		exposition_response_free(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        exposition_content_type(format));
	if (gzip)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	enum MHD_Result ret = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- Metrics requests ---- */

static int http_append_value(const char ***list, size_t *n, size_t *cap, const char *value)
{
	if (*n == *cap) {
		size_t next = *cap ? *cap * 2 : 4;
		const char **grown = realloc(*list, next * sizeof(*grown));
		if (!grown)
			return -1;
		*list = grown;
		*cap = next;
	}
	(*list)[(*n)++] = value;
	return 0;
}

static enum MHD_Result http_collect_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                             const char *value)
{
	(void)kind;
	http_request *req = cls;
	if (!value || !*value)
		return MHD_YES;
	int rc = 0;
	if (strcmp(key, "collect[]") == 0)
		rc = http_append_value(&req->collectors, &req->filter.ncollectors,
		                       &req->cap_collectors, value);
	else if (strcmp(key, "name[]") == 0)
		rc = http_append_value(&req->names, &req->filter.nnames, &req->cap_names, value);
	return rc == 0 ? MHD_YES : MHD_NO;
}

/* The time by which the scrape must be answered (exporterd_now clock). */
static double http_deadline(http_server *srv, struct MHD_Connection *conn)
{
	double seconds = host_settings(srv->h)->scrape_timeout;
	const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                                 "X-Prometheus-Scrape-Timeout-Seconds");
	if (header) {
		char *end;
		errno = 0;
		double t = strtod(header, &end);
		while (*end == ' ' || *end == '\t')
			end++;
		/* A client cannot hold a helper thread longer than an hour. */
		if (t > HTTP_DEADLINE_MAX)
			t = HTTP_DEADLINE_MAX;
		if (end != header && *end == '\0' && errno == 0 && isfinite(t) && t > 0) {
			double margin = t * HTTP_DEADLINE_MARGIN_RATIO;
			seconds =
			    t -
			    (margin < HTTP_DEADLINE_MARGIN_MAX ? margin : HTTP_DEADLINE_MARGIN_MAX);
		}
	}
	return exporterd_now() + seconds;
}

/* True when some selected instance collects on scrape, i.e. the scrape may wait. */
static bool http_scrape_waits(http_server *srv, const scrape_filter *filter)
{
	instance_status *st;
	size_t n = host_statuses(srv->h, &st);
	bool waits = false;
	for (size_t i = 0; i < n && !waits; i++)
		waits =
		    st[i].interval == 0 && exposition_filter_selects_collector(filter, st[i].name);
	free(st);
	return waits;
}

/* Suspends the connection and runs fn(req) on a detached helper thread, so a
 * wait of up to the scrape deadline holds none of the few HTTP threads. When
 * no thread starts it returns false with the connection still suspended: the
 * caller then does the work itself and resumes it. */
static bool http_start_helper(http_server *srv, http_request *req, void *(*fn)(void *))
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t thread;
	atomic_fetch_add(&srv->helpers, 1);
	MHD_suspend_connection(req->conn);
	bool started = pthread_create(&thread, &attr, fn, req) == 0;
	pthread_attr_destroy(&attr);
	if (!started)
		atomic_fetch_sub(&srv->helpers, 1);
	return started;
}

static void *http_collect_thread(void *arg)
{
	http_request *req = arg;
	http_server *srv = req->srv;
	host_collect_on_scrape(srv->h, req->deadline, &req->filter);
	atomic_store(&req->collected, true);
	/* req belongs to the connection again from here on. */
	MHD_resume_connection(req->conn);
	atomic_fetch_sub(&srv->helpers, 1);
	return NULL;
}

static void http_request_free(http_request *req)
{
	free(req->collectors);
	free(req->names);
	probe_answer_free(&req->answer);
	free(req);
}

/* A metrics request, once fully received: parse, then either collect on scrape
 * from a helper thread (suspending the connection, so the worker thread stays
 * free for other clients) or answer at once. */
static enum MHD_Result http_start_metrics(http_server *srv, http_request *req)
{
	struct MHD_Connection *conn = req->conn;
	req->started = true;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, http_collect_argument, req);
	req->filter.collectors = req->collectors;
	req->filter.names = req->names;
	req->deadline = http_deadline(srv, conn);
	if (!http_scrape_waits(srv, &req->filter)) {
		host_collect_on_scrape(srv->h, req->deadline, &req->filter);
		req->answered = true;
		return http_send_metrics(srv, req);
	}
	if (!http_start_helper(srv, req, http_collect_thread)) {
		log_warn("cannot start a thread for a scrape, collecting on the HTTP thread");
		host_collect_on_scrape(srv->h, req->deadline, &req->filter);
		atomic_store(&req->collected, true);
		MHD_resume_connection(conn);
	}
	return MHD_YES;
}

/* ---- Probe requests ---- */

static void *http_probe_thread(void *arg)
{
	http_request *req = arg;
	http_server *srv = req->srv;
	probe_serve(srv->h, req->module, req->target, req->deadline, req->format, &req->answer);
	atomic_store(&req->collected, true);
	MHD_resume_connection(req->conn);
	atomic_fetch_sub(&srv->helpers, 1);
	return NULL;
}

/* GET /probe?module=<instance>&target=<url>: the probe runs on a helper thread
 * (it may take until the scrape deadline) while the connection is suspended. */
static enum MHD_Result http_start_probe(http_server *srv, http_request *req)
{
	struct MHD_Connection *conn = req->conn;
	req->started = true;
	req->module = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "module");
	req->target = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "target");
	http_headers hd = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, http_collect_header, &hd);
	req->format = accept_format(hd.has_accept ? hd.accept : NULL);
	req->deadline = http_deadline(srv, conn);
	if (!http_start_helper(srv, req, http_probe_thread)) {
		log_warn("cannot start a thread for a probe, probing on the HTTP thread");
		probe_serve(srv->h, req->module, req->target, req->deadline, req->format,
		            &req->answer);
		atomic_store(&req->collected, true);
		MHD_resume_connection(conn);
	}
	return MHD_YES;
}

/* The probe's page (uncompressed: it is a few kilobytes) or its one-line 400. */
static enum MHD_Result http_send_probe(http_request *req)
{
	if (!req->answer.body)
		return http_send_static(req->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, HTTP_TEXT_TYPE,
		                        "Out of memory\n");
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    req->answer.len, req->answer.body, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	req->answer.body = NULL; /* the response frees it */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->answer.content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept");
	enum MHD_Result ret = MHD_queue_response(req->conn, req->answer.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- Dispatch ---- */

static enum MHD_Result http_route(http_server *srv, struct MHD_Connection *conn, const char *url)
{
	if (strcmp(url, "/") == 0)
		return http_send_landing(srv, conn);
	if (strcmp(url, "/-/healthy") == 0)
		return http_send_static(conn, MHD_HTTP_OK, HTTP_TEXT_TYPE, "OK\n");
	if (strcmp(url, "/-/ready") == 0)
		return host_ready(srv->h)
		           ? http_send_static(conn, MHD_HTTP_OK, HTTP_TEXT_TYPE, "OK\n")
		           : http_send_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, HTTP_TEXT_TYPE,
		                              "Not ready\n");
	return http_send_static(conn, MHD_HTTP_NOT_FOUND, HTTP_TEXT_TYPE, "Not Found\n");
}

/* libmicrohttpd calls this once when the headers are in, then again for each
 * piece of body, then once more with no data: the request is complete and an
 * answer queued now keeps the connection alive. Queuing on the first call would
 * make libmicrohttpd close the connection, which is only wanted for 405. */
static enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
	(void)version;
	(void)upload_data;
	http_server *srv = cls;
	if (!*con_cls) {
		atomic_fetch_add(&srv->inflight, 1);
		bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
		bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
		if (!get && !head) {
			*con_cls = &http_stateless_request;
			return http_send_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, HTTP_TEXT_TYPE,
			                        "Method Not Allowed\n");
		}
		bool metrics = strcmp(url, host_settings(srv->h)->metrics_path) == 0;
		if (!metrics && strcmp(url, "/probe") != 0) {
			*con_cls = &http_stateless_request;
			return MHD_YES;
		}
		http_request *req = calloc(1, sizeof(*req));
		if (!req) {
			atomic_fetch_sub(&srv->inflight, 1);
			return MHD_NO;
		}
		req->srv = srv;
		req->conn = conn;
		req->probe = !metrics;
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0; /* a body we have no use for */
		return MHD_YES;
	}
	if (*con_cls == &http_stateless_request)
		return http_route(srv, conn, url);
	http_request *req = *con_cls;
	if (!req->started)
		return req->probe ? http_start_probe(srv, req) : http_start_metrics(srv, req);
	/* Called again after the collect-on-scrape or probe helper resumed the connection. */
	if (req->answered || !atomic_load(&req->collected))
		return MHD_YES;
	req->answered = true;
	return req->probe ? http_send_probe(req) : http_send_metrics(srv, req);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode code)
{
	(void)conn;
	(void)code;
	http_server *srv = cls;
	if (!*con_cls)
		return;
	if (*con_cls != &http_stateless_request)
		http_request_free(*con_cls);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

/* libmicrohttpd's own messages: errors while starting, then mostly clients that
 * went away or misbehaved, which must not flood the log. */
static void http_log(void *cls, const char *fmt, va_list ap)
{
	http_server *srv = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	log_write(atomic_load(&srv->serving) ? EXPORTERD_LOG_DEBUG : EXPORTERD_LOG_ERROR, NULL,
	          "http: %s", msg);
}

/* ---- Life cycle ---- */

http_server *http_server_start(host *h, const char *listen, char *err, size_t errlen)
{
	http_server *srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->h = h;
	atomic_init(&srv->inflight, 0);
	atomic_init(&srv->helpers, 0);
	atomic_init(&srv->serving, false);
	srv->cache = exposition_cache_new(host_board(h));
	if (!srv->cache) {
		snprintf(err, errlen, "out of memory");
		free(srv);
		return NULL;
	}
	int fd = http_open_listener(listen, &srv->port, err, errlen);
	if (fd < 0) {
		exposition_cache_free(srv->cache);
		free(srv);
		return NULL;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 2 ? 2 : (unsigned)cpus;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, http_handle, srv, MHD_OPTION_EXTERNAL_LOGGER, http_log, srv,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", listen);
		close(fd);
		exposition_cache_free(srv->cache);
		free(srv);
		return NULL;
	}
	atomic_store(&srv->serving, true);
	return srv;
}

unsigned http_server_port(const http_server *srv)
{
	return srv->port;
}

static void http_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000 * 1000};
	nanosleep(&ts, NULL);
}

void http_server_stop(http_server *srv)
{
	if (!srv)
		return;
	/* Stop accepting: the listening socket comes back to us. */
	MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	double until = exporterd_now() + HTTP_STOP_GRACE;
	while (atomic_load(&srv->inflight) > 0 && exporterd_now() < until)
		http_sleep_ms(5);
	/* Suspended connections must be resumed before the daemon stops; their
	 * collects were woken by host_signal_stop and return promptly, and so do
	 * their probes once told. */
	probe_signal_stop();
	until = exporterd_now() + HTTP_STOP_GRACE;
	while (atomic_load(&srv->helpers) > 0 && exporterd_now() < until)
		http_sleep_ms(5);
	if (atomic_load(&srv->helpers) > 0) {
		/* A plugin's probe ignores exporterd_stopping(): libmicrohttpd may not be
		 * stopped with suspended connections, so leave it to the process exit. */
		log_warn("a probe is still running at stop; leaving it behind");
		return;
	}
	MHD_stop_daemon(srv->daemon);
	exposition_cache_free(srv->cache);
	free(srv);
}
