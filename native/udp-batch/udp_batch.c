// Batched syslog UDP receive for capwatch: recvmmsg(2) fills up to 64 datagrams per system call into one buffer the
// caller preallocated, where node:dgram makes one recvmsg call, one Buffer and one JavaScript callback per datagram.
// Sockets are opened here so that SO_REUSEPORT can be set before bind: each reader thread gets its own socket on the
// same port, and the kernel keeps every sender (address and port) on one of them, so one device's order is kept.
// Calls block (SO_RCVTIMEO bounds the wait) and are meant for a reader worker thread, never the main thread.
// Plain N-API (ABI-stable): one build serves Node 20, 22 and 24. Linux only; elsewhere capwatch uses node:dgram.
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_BATCH 64
/** Per datagram in `meta`: length, address family (4 or 6), IPv4 address (host order) or 0, flags (1: truncated). */
#define META 4
/** Per datagram in `addrs`: the sender's address as text (INET6_ADDRSTRLEN), IPv4-mapped IPv6 unwrapped. */
#define ADDR_SLOT 48

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

// open(host, port, recvBufferBytes, timeoutMs, reusePort) -> [fd, boundPort, grantedRecvBuffer]
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  size_t host_len = 0;
  int32_t port, rcvbuf, timeout_ms;
  bool reuse = false;
  if (argc < 5 || napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok || !arg_int(env, argv[1], &port) ||
      !arg_int(env, argv[2], &rcvbuf) || !arg_int(env, argv[3], &timeout_ms) || napi_get_value_bool(env, argv[4], &reuse) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(host, port, recvBufferBytes, timeoutMs, reusePort)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    ss_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    ss_len = sizeof *v6;
  } else {
    napi_throw_error(env, NULL, "open: not an IP address");
    return NULL;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  int one = 1;
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  if ((reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 || bind(fd, (struct sockaddr *)&ss, ss_len) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return throw_errno(env, "bind");
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  int granted = 0;
  socklen_t granted_len = sizeof granted;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &granted_len);
  int bound_port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : ((struct sockaddr_in6 *)&bound)->sin6_port);
  napi_value out, v;
  napi_create_array_with_length(env, 3, &out);
  napi_create_int32(env, fd, &v);
  napi_set_element(env, out, 0, v);
  napi_create_int32(env, bound_port, &v);
  napi_set_element(env, out, 1, v);
  napi_create_int32(env, granted, &v);
  napi_set_element(env, out, 2, v);
  return out;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok || type != want) return 0;
  *len = length;
  return 1;
}

// recv(fd, buffer: Uint8Array, slotBytes, meta: Int32Array, addrs: Uint8Array, max) -> datagrams received (0: none
// before the timeout, or interrupted). Datagram i is at buffer[i * slotBytes, + meta[i * 4]).
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, slot, max;
  uint8_t *buf, *addrs;
  int32_t *meta;
  size_t buf_len, meta_len, addrs_len;
  if (argc < 6 || !arg_int(env, argv[0], &fd) || !typed(env, argv[1], napi_uint8_array, (void **)&buf, &buf_len) || !arg_int(env, argv[2], &slot) ||
      !typed(env, argv[3], napi_int32_array, (void **)&meta, &meta_len) || !typed(env, argv[4], napi_uint8_array, (void **)&addrs, &addrs_len) ||
      !arg_int(env, argv[5], &max) || slot <= 0 || max <= 0) {
    napi_throw_type_error(env, NULL, "recv(fd, buffer, slotBytes, meta, addrs, max)");
    return NULL;
  }
  if (max > MAX_BATCH) max = MAX_BATCH;
  if ((size_t)max * (size_t)slot > buf_len || (size_t)max * META > meta_len || (size_t)max * ADDR_SLOT > addrs_len) {
    napi_throw_range_error(env, NULL, "recv: arrays too small for max datagrams");
    return NULL;
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  struct sockaddr_storage from[MAX_BATCH];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)max);
  for (int i = 0; i < max; i++) {
    iov[i].iov_base = buf + (size_t)i * (size_t)slot;
    iov[i].iov_len = (size_t)slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  // MSG_WAITFORONE: block (up to SO_RCVTIMEO) for the first datagram only, then take what is already queued.
  int n = recvmmsg(fd, msgs, (unsigned)max, MSG_WAITFORONE, NULL);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) n = 0;
    else return throw_errno(env, "recvmmsg");
  }
  for (int i = 0; i < n; i++) {
    int32_t *m = meta + i * META;
    char *text = (char *)addrs + i * ADDR_SLOT;
    m[0] = (int32_t)msgs[i].msg_len;
    m[3] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
    struct sockaddr_storage *a = &from[i];
    if (a->ss_family == AF_INET6) {
      struct in6_addr *addr = &((struct sockaddr_in6 *)a)->sin6_addr;
      if (IN6_IS_ADDR_V4MAPPED(addr)) {
        uint32_t ip;
        memcpy(&ip, &addr->s6_addr[12], 4);
        m[1] = 4;
        m[2] = (int32_t)ntohl(ip);
        inet_ntop(AF_INET, &addr->s6_addr[12], text, ADDR_SLOT);
      } else {
        m[1] = 6;
        m[2] = 0;
        inet_ntop(AF_INET6, addr, text, ADDR_SLOT);
      }
    } else if (a->ss_family == AF_INET) {
      m[1] = 4;
      m[2] = (int32_t)ntohl(((struct sockaddr_in *)a)->sin_addr.s_addr);
      inet_ntop(AF_INET, &((struct sockaddr_in *)a)->sin_addr, text, ADDR_SLOT);
    } else {
      m[1] = 0;
      m[2] = 0;
      text[0] = 0;
    }
  }
  napi_value out;
  napi_create_int32(env, n, &out);
  return out;
}

// The one argument of close(fd) and shutdown(fd).
static int fd_arg(napi_env env, napi_callback_info info, const char *usage, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], fd)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (fd_arg(env, info, "close(fd)", &fd)) close(fd);
  return NULL;
}

// shutdown(fd): wakes a thread blocked in recv on it (which then returns at once, with nothing or an empty datagram).
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (fd_arg(env, info, "shutdown(fd)", &fd)) shutdown(fd, SHUT_RDWR);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, js_recv, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value v;
  napi_create_int32(env, MAX_BATCH, &v);
  napi_set_named_property(env, exports, "maxBatch", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
