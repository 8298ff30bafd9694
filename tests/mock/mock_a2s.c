/* A fake Steam game server on 127.0.0.1 answering A2S_INFO over UDP, in one of several manners. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: mock_a2s PORT [MODE]   (PORT 0 picks a free one; the bound port is printed)
 *   plain      answers every query at once
 *   challenge  answers a query without the right challenge with a new challenge (default)
 *   silent     reads queries and never answers
 *   garbage    answers with bytes that are not A2S
 *   truncated  answers with an A2S_INFO packet cut short
 *   hostile    like challenge, with quotes, backslashes, newlines and invalid UTF-8 in names
 * Every query received is also reported on stderr as "query <len>".
 */

static size_t mock_put_string(unsigned char *buf, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(buf + at, s, n);
	return at + n;
}

static size_t mock_info(unsigned char *buf, int hostile, uint16_t port)
{
	size_t n = 0;
	memset(buf, 0xFF, 4);
	n = 4;
	buf[n++] = 0x49; /* A2S_INFO answer */
	buf[n++] = 17;   /* protocol */
	n = mock_put_string(
	    buf, n, hostile ? "Evil \"A2S\" \\ srv\nline2 M\xC3\xA1y \xFF end" : "Mock A2S");
	n = mock_put_string(buf, n, hostile ? "map\\with\"quote" : "PEI");
	n = mock_put_string(buf, n, "unturned");
	n = mock_put_string(buf, n, "Unturned");
	buf[n++] = 0x22; /* app id, low 16 bits */
	buf[n++] = 0xA6;
	buf[n++] = 7;   /* players */
	buf[n++] = 24;  /* max players */
	buf[n++] = 2;   /* bots */
	buf[n++] = 'd'; /* dedicated */
	buf[n++] = 'l'; /* linux */
	buf[n++] = 0;   /* public */
	buf[n++] = 1;   /* VAC */
	n = mock_put_string(buf, n, "3.23.4.0");
	buf[n++] = 0x80; /* extra data: the game port follows */
	buf[n++] = (unsigned char)(port & 0xFF);
	buf[n++] = (unsigned char)(port >> 8);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(
		    stderr,
		    "usage: mock_a2s PORT [plain|challenge|silent|garbage|truncated|hostile]\n");
		return 2;
	}
	const char *mode = argc == 3 ? argv[2] : "challenge";
	int needs_challenge = !strcmp(mode, "challenge") || !strcmp(mode, "hostile");
	int hostile = !strcmp(mode, "hostile");

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)atoi(argv[1])),
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("mock_a2s: bind");
		return 1;
	}
	socklen_t alen = sizeof(addr);
	getsockname(fd, (struct sockaddr *)&addr, &alen);
	uint16_t port = ntohs(addr.sin_port);
	printf("%u\n", (unsigned)port);
	fflush(stdout);

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	unsigned char challenge[4];
	for (int i = 0; i < 4; i++)
		challenge[i] = (unsigned char)(rand() & 0xFF);

	static const unsigned char query_head[] = "\xFF\xFF\xFF\xFF\x54Source Engine Query";
	for (;;) {
		unsigned char in[1500], out[1500];
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;
		fprintf(stderr, "query %zd\n", n);
		/* The query is the header, the payload with its NUL, and maybe 4 bytes. */
		if (n < (ssize_t)sizeof(query_head) ||
		    memcmp(in, query_head, sizeof(query_head)) != 0)
			continue;
		if (!strcmp(mode, "silent"))
			continue;
		size_t len;
		if (!strcmp(mode, "garbage")) {
			memcpy(out, "HTTP/1.0 400 nope\r\n", 19);
			len = 19;
		} else if (needs_challenge &&
		           (n != (ssize_t)sizeof(query_head) + 4 ||
		            memcmp(in + sizeof(query_head), challenge, 4) != 0)) {
			memset(out, 0xFF, 4);
			out[4] = 0x41;
			memcpy(out + 5, challenge, 4);
			len = 9;
		} else {
			len = mock_info(out, hostile, port);
			if (!strcmp(mode, "truncated"))
				len = 20;
		}
		sendto(fd, out, len, 0, (struct sockaddr *)&peer, plen);
	}
}
