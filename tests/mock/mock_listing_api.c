/* A fake servers.net listing API on 127.0.0.1: each key picks a well-formed or a hostile answer. */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * GET /api/?object=servers&element=detail&key=<case>[-anything] answers by <case>:
 *   strings      a full answer, every value a string (as the real API sends)
 *   numbers      the same values as JSON numbers
 *   offline      listed, but is_online "0"
 *   badkey       200 text "Error: server key not found" (also any unknown case)
 *   echo         200 text error that repeats the key it was given
 *   jsonerror    200 {"error": "..."}
 *   http500      500 with an HTML page
 *   html200      200 with an HTML page
 *   stall        waits 30 s, then answers like strings
 *   slow         waits 1 s, then answers like strings
 *   truncated    JSON cut in the middle
 *   huge         4 MiB body with Content-Length
 *   hugechunked  4 MiB body, chunked (no length known in advance)
 *   missing      an object without players and maxplayers
 *   nonnumeric   players "lots"
 *   badoptional  valid counts, rank/votes/score/uptime unusable
 *   array        a JSON array instead of an object
 *   hostile      name and map with quotes, backslashes, newlines, non-ASCII, invalid UTF-8
 *   flip         odd requests answer like numbers, even ones 500
 * GET /stats answers "<key> <requests>" lines, so tests can count polls.
 */

#define MOCK_HUGE_BYTES (4u * 1024 * 1024)
#define MOCK_MAX_KEYS   256

static pthread_mutex_t mock_mu = PTHREAD_MUTEX_INITIALIZER;
static char *mock_keys[MOCK_MAX_KEYS];
static unsigned mock_counts[MOCK_MAX_KEYS];
static size_t mock_nkeys;

/* Counts a request for key; returns how many there were, this one included. */
static unsigned mock_count(const char *key)
{
	pthread_mutex_lock(&mock_mu);
	size_t i = 0;
	while (i < mock_nkeys && strcmp(mock_keys[i], key) != 0)
		i++;
	if (i == mock_nkeys && mock_nkeys < MOCK_MAX_KEYS)
		mock_keys[mock_nkeys++] = strdup(key);
	unsigned n = i < mock_nkeys ? ++mock_counts[i] : 0;
	pthread_mutex_unlock(&mock_mu);
	return n;
}

static char *mock_stats(void)
{
	pthread_mutex_lock(&mock_mu);
	size_t cap = 64;
	for (size_t i = 0; i < mock_nkeys; i++)
		cap += strlen(mock_keys[i]) + 16;
	char *out = malloc(cap);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < mock_nkeys; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s %u\n", mock_keys[i],
		                         mock_counts[i]);
	pthread_mutex_unlock(&mock_mu);
	return out;
}

static const char mock_strings[] =
    "{\"id\":\"1001\",\"name\":\"PVE Main\",\"address\":\"203.0.113.7\",\"port\":\"27015\","
    "\"map\":\"PEI\",\"version\":\"3.23.4.0\",\"platform\":\"Windows\",\"location\":\"VN\","
    "\"is_online\":\"1\",\"players\":\"12\",\"maxplayers\":\"24\",\"uptime\":\"99.5\","
    "\"rank\":\"42\",\"votes\":\"17\",\"score\":\"123\",\"last_check\":\"2022-05-01 10:00\"}";

static const char mock_numbers[] =
    "{\"id\":1002,\"name\":\"PVP Arena\",\"map\":\"Washington\",\"version\":\"3.23.4.0\","
    "\"is_online\":1,\"players\":7,\"maxplayers\":32,\"uptime\":87.25,"
    "\"rank\":5,\"votes\":250,\"score\":900.5}";

static const char mock_offline[] =
    "{\"name\":\"Vanilla\",\"map\":\"Russia\",\"version\":\"3.22.0.0\",\"is_online\":\"0\","
    "\"players\":\"0\",\"maxplayers\":\"16\",\"uptime\":\"50\",\"rank\":\"300\","
    "\"votes\":\"0\",\"score\":\"0\"}";

static const char mock_hostile[] =
    "{\"name\":\"Evil \\\"quoted\\\" \\\\ back\\nslash M\xC3\xA1y ch\xE1\xBB\xA7 \xFF\xFE end\","
    "\"map\":\"tab\\there\\r\\u0001x\",\"version\":\"1\\\\2\",\"is_online\":\"1\","
    "\"players\":\"3\",\"maxplayers\":\"10\"}";

static const char mock_html[] =
    "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>Internal Server Error</h1></body></html>\n";

/* Body of the huge answers: a valid-looking object with one enormous string. */
static ssize_t mock_huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	static const char head[] = "{\"name\":\"";
	static const char tail[] = "\",\"players\":\"1\",\"maxplayers\":\"2\"}";
	if (pos >= MOCK_HUGE_BYTES)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = 0;
	while (n < max && pos + n < MOCK_HUGE_BYTES) {
		uint64_t at = pos + n;
		if (at < sizeof(head) - 1)
			buf[n] = head[at];
		else if (at >= MOCK_HUGE_BYTES - (sizeof(tail) - 1))
			buf[n] = tail[at - (MOCK_HUGE_BYTES - (sizeof(tail) - 1))];
		else
			buf[n] = 'x';
		n++;
	}
	return (ssize_t)n;
}

static enum MHD_Result mock_send(struct MHD_Connection *conn, unsigned status, const char *type,
                                 const char *body, size_t len)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", type);
	enum MHD_Result rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void mock_sleep(double seconds)
{
	struct timespec ts = {.tv_sec = (time_t)seconds,
	                      .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static enum MHD_Result mock_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **state)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_size;
	static int first_call;
	if (*state == NULL) {
		*state = &first_call; /* headers only; answer on the second call */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0)
		return mock_send(conn, 405, "text/plain", "method\n", 7);
	if (strcmp(url, "/stats") == 0) {
		char *s = mock_stats();
		enum MHD_Result rc = mock_send(conn, 200, "text/plain", s, strlen(s));
		free(s);
		return rc;
	}
	const char *key = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "key");
	if (strncmp(url, "/api", 4) != 0 || !key)
		return mock_send(conn, 404, "text/plain", "not found\n", 10);
	unsigned nth = mock_count(key);
	char kase[32];
	size_t n = strcspn(key, "-");
	snprintf(kase, sizeof(kase), "%.*s", (int)(n < sizeof(kase) - 1 ? n : sizeof(kase) - 1),
	         key);

	const char *json = "application/json";
	if (!strcmp(kase, "strings"))
		return mock_send(conn, 200, json, mock_strings, strlen(mock_strings));
	if (!strcmp(kase, "numbers"))
		return mock_send(conn, 200, json, mock_numbers, strlen(mock_numbers));
	if (!strcmp(kase, "offline"))
		return mock_send(conn, 200, json, mock_offline, strlen(mock_offline));
	if (!strcmp(kase, "echo")) {
		char msg[512];
		snprintf(msg, sizeof(msg), "Error: server key %s not found", key);
		return mock_send(conn, 200, "text/html", msg, strlen(msg));
	}
	if (!strcmp(kase, "jsonerror")) {
		static const char err[] = "{\"error\":\"Invalid server key\"}";
		return mock_send(conn, 200, json, err, strlen(err));
	}
	if (!strcmp(kase, "http500"))
		return mock_send(conn, 500, "text/html", mock_html, strlen(mock_html));
	if (!strcmp(kase, "html200"))
		return mock_send(conn, 200, "text/html", mock_html, strlen(mock_html));
	if (!strcmp(kase, "stall") || !strcmp(kase, "slow")) {
		mock_sleep(!strcmp(kase, "stall") ? 30 : 1);
		return mock_send(conn, 200, json, mock_strings, strlen(mock_strings));
	}
	if (!strcmp(kase, "truncated")) {
		static const char cut[] = "{\"name\":\"Cut\",\"players\":\"12\",\"maxpla";
		return mock_send(conn, 200, json, cut, strlen(cut));
	}
	if (!strcmp(kase, "huge") || !strcmp(kase, "hugechunked")) {
		uint64_t size = !strcmp(kase, "huge") ? MOCK_HUGE_BYTES : MHD_SIZE_UNKNOWN;
		struct MHD_Response *resp = MHD_create_response_from_callback(
		    size, 32 * 1024, mock_huge_reader, NULL, NULL);
		MHD_add_response_header(resp, "Content-Type", json);
		enum MHD_Result rc = MHD_queue_response(conn, 200, resp);
		MHD_destroy_response(resp);
		return rc;
	}
	if (!strcmp(kase, "missing")) {
		static const char body[] = "{\"name\":\"No counts\",\"is_online\":\"1\"}";
		return mock_send(conn, 200, json, body, strlen(body));
	}
	if (!strcmp(kase, "nonnumeric")) {
		static const char body[] = "{\"name\":\"Words\",\"is_online\":\"1\",\"players\":"
		                           "\"lots\",\"maxplayers\":\"24\"}";
		return mock_send(conn, 200, json, body, strlen(body));
	}
	if (!strcmp(kase, "badoptional")) {
		static const char body[] =
		    "{\"name\":\"Odd\",\"is_online\":\"1\",\"players\":\" 4 "
		    "\",\"maxplayers\":\"8\","
		    "\"rank\":\"n/a\",\"votes\":\"\",\"score\":null,\"uptime\":\"250\"}";
		return mock_send(conn, 200, json, body, strlen(body));
	}
	if (!strcmp(kase, "array")) {
		static const char body[] = "[{\"players\":\"1\",\"maxplayers\":\"2\"}]";
		return mock_send(conn, 200, json, body, strlen(body));
	}
	if (!strcmp(kase, "hostile"))
		return mock_send(conn, 200, json, mock_hostile, strlen(mock_hostile));
	if (!strcmp(kase, "flip")) {
		if (nth % 2 == 1)
			return mock_send(conn, 200, json, mock_numbers, strlen(mock_numbers));
		return mock_send(conn, 500, "text/html", mock_html, strlen(mock_html));
	}
	static const char notfound[] = "Error: server key not found";
	return mock_send(conn, 200, "text/html", notfound, strlen(notfound));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mock_listing_api PORT (0 picks a free one)\n");
		return 2;
	}
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)atoi(argv[1])),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, mock_handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mock_listing_api: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info ? (unsigned)info->port : 0u);
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	/* Stalled answers may still be sleeping: leave without joining them. */
	_exit(0);
}
