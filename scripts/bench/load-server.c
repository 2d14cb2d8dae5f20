#define _GNU_SOURCE
/* A loopback HTTP/1.x server that answers every request at once ("ok", keep-alive), for the
 * check_load benchmark (scripts/bench/load.sh): one epoll thread, so the load generators, not
 * the server, are what is measured. Binds 127.0.0.1 only. Usage: load-server PORT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 4096
static char buf[MAXC][8192];
static int used[MAXC];

static const char RESP11[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
static const char RESP10[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 18999;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) { perror("bind/listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAXC) { close(c); continue; }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    used[c] = 0;
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf[fd] + used[fd], sizeof buf[fd] - used[fd] - 1);
            if (r <= 0) { if (r < 0 && errno == EAGAIN) continue; close(fd); continue; }
            used[fd] += r;
            buf[fd][used[fd]] = 0;
            char *p = buf[fd], *end;
            while ((end = strstr(p, "\r\n\r\n"))) {
                int http10 = strncmp(strstr(p, "HTTP/") ? strstr(p, "HTTP/") : "", "HTTP/1.0", 8) == 0;
                const char *resp = http10 ? RESP10 : RESP11;
                if (write(fd, resp, strlen(resp)) < 0) break;
                p = end + 4;
            }
            used[fd] -= p - buf[fd];
            memmove(buf[fd], p, used[fd]);
        }
    }
}
