/* a2s polling: one connected non-blocking UDP socket per server, all waited on with poll(2). */
#include "gs_a2s.h"

#include "gs_a2s_proto.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How often a waiting poll looks at exporterd_stopping() and at name lookups. */
#define GS_A2S_TICK_MS 50
/* UDP may drop the query or the answer: ask again after this long. */
#define GS_A2S_RESEND_SECONDS 1.0
/* A server that answers every challenged query with a new challenge is broken. */
#define GS_A2S_MAX_CHALLENGES 3
/* How long shutdown waits for a name lookup that cannot be cancelled. */
#define GS_A2S_LOOKUP_GRACE_SECONDS 2

typedef struct gs_a2s_query {
	const gs_server *server;
	/* An asynchronous lookup may outlive a poll (and, if it cannot be
	 * cancelled, the source): it only points into this struct. */
	char *host;
	char *port;
	struct addrinfo hints;
	struct gaicb gai;
	bool resolving;

	int fd;
	unsigned char challenge[4];
	bool has_challenge;
	int challenges;
	double sent_at;
	double started;
	gs_result *result; /* NULL once this poll's result is final */
} gs_a2s_query;

struct gs_a2s {
	gs_a2s_query *queries;
	size_t n;
};

gs_a2s *gs_a2s_new(exporterd_instance *inst, const gs_config *cfg)
{
	gs_a2s *src = calloc(1, sizeof(*src));
	if (!src || !(src->queries = calloc(cfg->nservers, sizeof(*src->queries)))) {
		free(src);
		exporterd_error(inst, "out of memory");
		return NULL;
	}
	src->n = cfg->nservers;
	for (size_t i = 0; i < src->n; i++) {
		gs_a2s_query *q = &src->queries[i];
		q->server = &cfg->servers[i];
		q->fd = -1;
		q->host = strdup(q->server->host);
		q->port = strdup(q->server->port);
		if (!q->host || !q->port) {
			gs_a2s_free(src);
			exporterd_error(inst, "out of memory");
			return NULL;
		}
	}
	return src;
}

void gs_a2s_free(gs_a2s *src)
{
	if (!src)
		return;
	bool lookups_left = false;
	for (size_t i = 0; i < src->n; i++) {
		gs_a2s_query *q = &src->queries[i];
		if (q->fd >= 0)
			close(q->fd);
		if (!q->resolving)
			continue;
		gai_cancel(&q->gai);
		const struct gaicb *list[] = {&q->gai};
		struct timespec grace = {.tv_sec = GS_A2S_LOOKUP_GRACE_SECONDS};
		while (gai_error(&q->gai) == EAI_INPROGRESS) {
			if (gai_suspend(list, 1, &grace) == EAI_AGAIN)
				break;
		}
		if (gai_error(&q->gai) == EAI_INPROGRESS) {
			lookups_left = true;
			continue;
		}
		q->resolving = false;
		if (q->gai.ar_result)
			freeaddrinfo(q->gai.ar_result);
	}
	/* A lookup still running writes into its query: leave the lot to it. */
	if (lookups_left)
		return;
	for (size_t i = 0; i < src->n; i++) {
		free(src->queries[i].host);
		free(src->queries[i].port);
	}
	free(src->queries);
	free(src);
}

/* Final result for this poll. */
static void gs_a2s_finish(gs_a2s_query *q, double now)
{
	if (q->result) {
		q->result->duration = now - q->started;
		q->result->final = 1;
	}
	q->result = NULL;
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
}

static void gs_a2s_fail(gs_a2s_query *q, double now, gs_outcome outcome, const char *what, int err)
{
	gs_result_fail(q->result, outcome, "%s: %s", what, strerror(err));
	gs_a2s_finish(q, now);
}

static void gs_a2s_send(gs_a2s_query *q, double now)
{
	unsigned char query[GS_A2S_QUERY_MAX];
	size_t len = gs_a2s_build_query(query, q->has_challenge ? q->challenge : NULL);
	q->sent_at = now;
	if (send(q->fd, query, len, 0) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		gs_a2s_fail(q, now, GS_ERR_CONNECT, "cannot send the query", errno);
}

/* Opens a socket to the first address that takes one and sends the query. */
static void gs_a2s_open(gs_a2s_query *q, const struct addrinfo *list, double now)
{
	int err = EADDRNOTAVAIL;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			continue;
		}
		/* Connected, so only this server's packets arrive and an ICMP
		 * "port unreachable" shows up as ECONNREFUSED. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			err = errno;
			close(fd);
			continue;
		}
		q->fd = fd;
		gs_a2s_send(q, now);
		return;
	}
	gs_a2s_fail(q, now, GS_ERR_CONNECT, "cannot reach the server", err);
}

/* Starts the poll of one server: an address given as numbers opens at once, a
 * host name is looked up in the background. */
static void gs_a2s_start(gs_a2s_query *q, double now)
{
	if (q->resolving)
		return; /* an earlier poll's lookup is still running: wait for it */
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *list = NULL;
	if (getaddrinfo(q->host, q->port, &hints, &list) == 0) {
		gs_a2s_open(q, list, now);
		freeaddrinfo(list);
		return;
	}
	memset(&q->hints, 0, sizeof(q->hints));
	q->hints.ai_socktype = SOCK_DGRAM;
	q->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	memset(&q->gai, 0, sizeof(q->gai));
	q->gai.ar_name = q->host;
	q->gai.ar_service = q->port;
	q->gai.ar_request = &q->hints;
	struct gaicb *reqs[] = {&q->gai};
	int rc = getaddrinfo_a(GAI_NOWAIT, reqs, 1, NULL);
	if (rc != 0) {
		gs_result_fail(q->result, GS_ERR_CONNECT, "cannot look up the host: %s",
		               gai_strerror(rc));
		gs_a2s_finish(q, now);
		return;
	}
	q->resolving = true;
}

/* Picks up a finished background lookup. */
static void gs_a2s_check_lookup(gs_a2s_query *q, double now)
{
	int rc = gai_error(&q->gai);
	if (rc == EAI_INPROGRESS)
		return;
	q->resolving = false;
	struct addrinfo *list = q->gai.ar_result;
	q->gai.ar_result = NULL;
	if (!q->result) {
		/* The poll that wanted it has ended. */
	} else if (rc == 0 && list) {
		gs_a2s_open(q, list, now);
	} else {
		gs_result_fail(q->result, GS_ERR_CONNECT, "cannot look up the host: %s",
		               gai_strerror(rc ? rc : EAI_NONAME));
		gs_a2s_finish(q, now);
	}
	if (list)
		freeaddrinfo(list);
}

/* Reads every waiting packet of one socket. */
static void gs_a2s_receive(gs_a2s_query *q, double now)
{
	unsigned char pkt[GS_A2S_PACKET_MAX];
	while (q->result && q->fd >= 0) {
		ssize_t n = recv(q->fd, pkt, sizeof(pkt), MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			gs_a2s_fail(q, now, GS_ERR_CONNECT, "no A2S service at that port", errno);
			return;
		}
		if ((size_t)n > sizeof(pkt)) {
			gs_result_fail(q->result, GS_ERR_PARSE,
			               "A2S answer of %zd bytes is too long", n);
			gs_a2s_finish(q, now);
			return;
		}
		switch (gs_a2s_parse_answer(pkt, (size_t)n, q->challenge, q->result)) {
		case GS_A2S_CHALLENGE:
			if (++q->challenges > GS_A2S_MAX_CHALLENGES) {
				gs_result_fail(q->result, GS_ERR_PARSE,
				               "the server keeps asking for a new challenge");
				gs_a2s_finish(q, now);
				return;
			}
			q->has_challenge = true;
			gs_a2s_send(q, now);
			break;
		case GS_A2S_INFO:
		case GS_A2S_BAD:
			gs_a2s_finish(q, now);
			return;
		}
	}
}

void gs_a2s_poll(gs_a2s *src, exporterd_instance *inst, gs_result *results, double deadline,
                 const gs_progress *progress)
{
	double now = exporterd_now();
	for (size_t i = 0; i < src->n; i++) {
		gs_a2s_query *q = &src->queries[i];
		q->result = &results[i];
		q->result->outcome = GS_ERR_TIMEOUT; /* until it finishes */
		q->started = now;
		q->has_challenge = false;
		q->challenges = 0;
		gs_a2s_start(q, now);
	}

	struct pollfd *fds = calloc(src->n ? src->n : 1, sizeof(*fds));
	size_t *owner = calloc(src->n ? src->n : 1, sizeof(*owner));
	for (;;) {
		now = exporterd_now();
		size_t nfds = 0, pending = 0;
		bool lookups = false;
		double next_resend = deadline;
		for (size_t i = 0; i < src->n; i++) {
			gs_a2s_query *q = &src->queries[i];
			if (q->resolving)
				gs_a2s_check_lookup(q, now);
			if (!q->result)
				continue;
			pending++;
			if (q->resolving) {
				lookups = true;
				continue;
			}
			if (q->fd >= 0 && now - q->sent_at >= GS_A2S_RESEND_SECONDS)
				gs_a2s_send(q, now);
			if (q->fd < 0)
				continue;
			if (q->sent_at + GS_A2S_RESEND_SECONDS < next_resend)
				next_resend = q->sent_at + GS_A2S_RESEND_SECONDS;
			if (fds && owner) {
				fds[nfds] = (struct pollfd){.fd = q->fd, .events = POLLIN};
				owner[nfds++] = i;
			}
		}
		if (pending == 0 || exporterd_stopping(inst) || now >= deadline || !fds || !owner)
			break;
		double wait = (lookups ? now + GS_A2S_TICK_MS / 1000.0 : next_resend) - now;
		int wait_ms = (int)ceil(wait * 1000);
		if (wait_ms > GS_A2S_TICK_MS)
			wait_ms = GS_A2S_TICK_MS;
		if (wait_ms < 1)
			wait_ms = 1;
		if (poll(fds, nfds, wait_ms) <= 0)
			continue;
		now = exporterd_now();
		for (size_t k = 0; k < nfds; k++) {
			if (fds[k].revents)
				gs_a2s_receive(&src->queries[owner[k]], now);
		}
		if (progress)
			progress->report(progress->ctx);
	}
	free(fds);
	free(owner);

	bool stopping = exporterd_stopping(inst) != 0;
	now = exporterd_now();
	for (size_t i = 0; i < src->n; i++) {
		gs_a2s_query *q = &src->queries[i];
		if (!q->result)
			continue;
		if (stopping)
			gs_result_fail(q->result, GS_ABORTED, "stopping");
		else
			gs_result_fail(q->result, GS_ERR_TIMEOUT, "no answer within %.3gs",
			               now - q->started);
		gs_a2s_finish(q, now);
	}
}
