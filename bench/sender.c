/* The ingest benchmark's sender (bench/ingest.ts compiles it with `cc -O2` and pins it to one core).
 * Preloads a file of syslog lines in memory, then for SECONDS:
 *   udp PORT FILE RATE SECONDS        one line per datagram (no LF), paced by a token bucket refilled every 1 ms,
 *                                     sent in batches with sendmmsg(2); RATE 0 = flat out
 *   tcp PORT FILE CONNS SECONDS       LF-terminated lines over CONNS connections (one thread each), flat out
 * Prints one line: "sent=N seconds=S". Loopback only (127.0.0.1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define CHUNK (64 * 1024)

static char *data;          /* the file, LF-terminated lines */
static size_t data_len;
static size_t *starts;      /* line i is data[starts[i] .. starts[i+1]-1), LF included */
static size_t nlines;
static double seconds;
static struct sockaddr_in dst;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void load(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  data_len = (size_t)ftell(f);
  rewind(f);
  data = malloc(data_len + 1);
  if (fread(data, 1, data_len, f) != data_len) { perror("read"); exit(2); }
  fclose(f);
  if (data_len == 0 || data[data_len - 1] != '\n') data[data_len++] = '\n';
  for (size_t i = 0; i < data_len; i++) nlines += data[i] == '\n';
  starts = malloc((nlines + 1) * sizeof *starts);
  size_t n = 0;
  starts[n++] = 0;
  for (size_t i = 0; i < data_len; i++) if (data[i] == '\n') starts[n++] = i + 1;
}

static unsigned long long send_udp(double rate) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (connect(s, (struct sockaddr *)&dst, sizeof dst) != 0) { perror("connect"); exit(2); }
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  unsigned long long sent = 0;
  size_t line = 0;
  double start = now(), end = start + seconds, tokens = 0, last = start;
  const double burst = rate > 0 ? (rate / 1000 > BATCH ? rate / 1000 : BATCH) : 0; /* at most ~1 ms of credit */
  for (;;) {
    double t = now();
    if (t >= end) break;
    int n = BATCH;
    if (rate > 0) {
      tokens += (t - last) * rate;
      last = t;
      if (tokens > burst) tokens = burst;
      if (tokens < 1) continue; /* spin: the sender owns its core */
      if (tokens < n) n = (int)tokens;
    }
    for (int i = 0; i < n; i++) {
      iov[i].iov_base = data + starts[line];
      iov[i].iov_len = starts[line + 1] - starts[line] - 1; /* without the LF */
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      line = line + 1 == nlines ? 0 : line + 1;
    }
    int r = sendmmsg(s, msgs, n, 0);
    if (r < 0) { perror("sendmmsg"); break; }
    sent += r;
    if (rate > 0) tokens -= r;
    if (r < n) line = (line + nlines - (n - r)) % nlines; /* resend the unsent ones next time */
  }
  close(s);
  return sent;
}

struct tcp_job { unsigned long long sent; int index; };

static void *send_tcp(void *arg) {
  struct tcp_job *job = arg;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(s, (struct sockaddr *)&dst, sizeof dst) != 0) { perror("connect"); exit(2); }
  /* Whole lines per write: a chunk of up to 64 KiB starting at line `line`. Each connection starts elsewhere. */
  size_t line = (nlines / 10 * job->index) % nlines;
  double end = now() + seconds;
  while (now() < end) {
    size_t last = line;
    while (last + 1 < nlines && starts[last + 2] - starts[line] <= CHUNK) last++;
    size_t from = starts[line], to = starts[last + 1];
    while (from < to) {
      ssize_t w = write(s, data + from, to - from);
      if (w <= 0) { perror("write"); exit(2); }
      from += (size_t)w;
    }
    job->sent += last - line + 1;
    line = last + 1 == nlines ? 0 : last + 1;
  }
  close(s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s udp PORT FILE RATE SECONDS | tcp PORT FILE CONNECTIONS SECONDS\n", argv[0]);
    return 2;
  }
  memset(&dst, 0, sizeof dst);
  dst.sin_family = AF_INET;
  dst.sin_port = htons((unsigned short)atoi(argv[2]));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  load(argv[3]);
  seconds = atof(argv[5]);
  double start = now();
  unsigned long long sent = 0;
  if (strcmp(argv[1], "udp") == 0) {
    sent = send_udp(atof(argv[4]));
  } else {
    int conns = atoi(argv[4]);
    pthread_t th[conns];
    struct tcp_job jobs[conns];
    for (int i = 0; i < conns; i++) {
      jobs[i] = (struct tcp_job){0, i};
      pthread_create(&th[i], NULL, send_tcp, &jobs[i]);
    }
    for (int i = 0; i < conns; i++) {
      pthread_join(th[i], NULL);
      sent += jobs[i].sent;
    }
  }
  printf("sent=%llu seconds=%.3f\n", sent, now() - start);
  return 0;
}
