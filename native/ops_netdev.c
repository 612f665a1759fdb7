/* linux.netDevices: NETDEV (PLAN.md). Each op names a network device of the
 * runtime's network namespace and the name it gets in the container's. The
 * ops are stored before CLONE and carried out by the parent after it, before
 * the init is released: over rtnetlink, the device's permanent global
 * addresses are read, the device is moved (and renamed) in one RTM_NEWLINK,
 * then, through a socket made inside the container's namespace, the
 * addresses are added back (a move flushes them) and the device is set up.
 *
 * Nothing is moved back at delete: runtime-spec forbids it; the kernel
 * returns physical devices to the initial namespace, and destroys virtual
 * ones, when the container's namespace dies. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops.h"
#include "report.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct netdev {
  const struct op *op; /* argv: host name, container name */
  long idx;
};
static struct netdev *devs;
static size_t ndevs;

/* Opened where the first NETDEV runs (TypeScript puts it before NS_JOIN), so
 * it stays in the runtime's network namespace whatever the executor joins. */
static int rt_sock = -1;
static struct stat rt_ns; /* that namespace, to refuse moving a device into it */

/* One request: header, family header, attributes (all small). */
struct req {
  struct nlmsghdr h;
  unsigned char body[512];
};

static char ext_msg[256]; /* the kernel's extended-ack text of the last error */

static void *req_init(struct req *r, uint16_t type, uint16_t flags, size_t fam_len) {
  memset(r, 0, sizeof *r);
  r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(fam_len);
  r->h.nlmsg_type = type;
  r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  return NLMSG_DATA(&r->h);
}

static void req_attr(struct req *r, uint16_t type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
  /* Sizes are ours (names ≤ IFNAMSIZ, addresses ≤ 16 bytes): never near the end. */
  if (at + RTA_SPACE(len) > sizeof *r) abort();
  struct rtattr *a = (struct rtattr *)((unsigned char *)r + at);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy((unsigned char *)r + at + RTA_LENGTH(0), data, len);
  r->h.nlmsg_len = (uint32_t)(at + RTA_ALIGN(a->rta_len));
}

/* The NLMSGERR_ATTR_MSG of an error (NETLINK_EXT_ACK, NETLINK_CAP_ACK). */
static void read_ext_ack(const struct nlmsghdr *h) {
  ext_msg[0] = 0;
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  size_t off = NLMSG_LENGTH(sizeof(struct nlmsgerr));
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += ((const struct nlmsgerr *)NLMSG_DATA(h))->msg.nlmsg_len - NLMSG_HDRLEN;
  for (size_t at = off; at + sizeof(struct nlattr) <= h->nlmsg_len;) {
    const struct nlattr *a = (const struct nlattr *)((const char *)h + at);
    if (a->nla_len < sizeof *a || at + a->nla_len > h->nlmsg_len) return;
    if (a->nla_type == NLMSGERR_ATTR_MSG) {
      snprintf(ext_msg, sizeof ext_msg, "%.*s", (int)(a->nla_len - sizeof *a), (const char *)(a + 1));
      return;
    }
    at += NLA_ALIGN(a->nla_len);
  }
}

typedef void (*nl_cb)(const struct nlmsghdr *h, void *arg);

/* Sends one request and reads until its ACK (or the end of its dump). Every
 * other message (the reply, notifications) goes to cb. 0, or -errno. */
static int nl_talk(int fd, struct req *r, nl_cb cb, void *arg) {
  static uint32_t seq;
  static union {
    struct nlmsghdr h;
    char bytes[65536];
  } buf;
  r->h.nlmsg_seq = ++seq;
  int dump = (r->h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP, interrupted = 0;
  if (!dump) r->h.nlmsg_flags |= NLM_F_ACK;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ext_msg[0] = 0;
  if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return -errno;
  for (;;) {
    struct sockaddr_nl from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf.bytes, sizeof buf.bytes, 0, (struct sockaddr *)&from, &fl);
    if (n < 0 && (errno == EINTR || errno == ENOBUFS)) continue; /* ENOBUFS: notifications lost, replies still come */
    if (n < 0) return -errno;
    if (from.nl_pid != 0) continue; /* only the kernel speaks for the kernel */
    int len = (int)n;
    for (struct nlmsghdr *h = &buf.h; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      int ours = h->nlmsg_seq == r->h.nlmsg_seq;
      if (ours && h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error) read_ext_ack(h);
        return e->error;
      }
      if (ours && h->nlmsg_type == NLMSG_DONE) {
        int err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ? *(const int *)NLMSG_DATA(h) : 0;
        if (err) read_ext_ack(h);
        return err < 0 ? err : interrupted ? -EAGAIN : 0;
      }
      /* The dump raced a change: read it to its end, then the caller asks again. */
      if (ours && dump && (h->nlmsg_flags & NLM_F_DUMP_INTR)) interrupted = 1;
      if (cb) cb(h, arg);
    }
  }
}

/* `(kernel: …)` after a message, when the kernel said more than an errno. */
static const char *ext(void) {
  static char s[sizeof ext_msg + 16];
  if (!ext_msg[0]) return "";
  snprintf(s, sizeof s, " (kernel: %s)", ext_msg);
  return s;
}

static int nl_socket(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -1;
  int one = 1;
  /* Best effort: older kernels answer without the text. */
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  own_fd(fd);
  return fd;
}

struct link_reply {
  int index;
  char name[IF_NAMESIZE];
  int new_index; /* from the RTM_DELLINK of a move: IFLA_NEW_IFINDEX */
  int watch;     /* the index whose move is watched */
};

static void on_link(const struct nlmsghdr *h, void *arg) {
  struct link_reply *l = arg;
  if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) return;
  const struct ifinfomsg *ifi = NLMSG_DATA(h);
  int len = (int)IFLA_PAYLOAD(h);
  if (h->nlmsg_type == RTM_DELLINK) {
    /* The notification of our move, in the namespace it left: it says what
     * index the device has in the new one (kernels ≥ 4.16). */
    if (!l->watch || ifi->ifi_index != l->watch) return;
    for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
      if (a->rta_type == IFLA_NEW_IFINDEX && RTA_PAYLOAD(a) >= sizeof(int)) l->new_index = *(const int *)RTA_DATA(a);
    return;
  }
  /* While a move is watched, link notifications are not the reply we want. */
  if (l->watch) return;
  l->index = ifi->ifi_index;
  for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == IFLA_IFNAME) snprintf(l->name, sizeof l->name, "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
}

/* The device by name (index 0) or by index: 0 with l filled, or -errno. */
static int get_link(int fd, const char *name, int index, struct link_reply *l) {
  struct req r;
  struct ifinfomsg *ifi = req_init(&r, RTM_GETLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  if (name) req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  memset(l, 0, sizeof *l);
  int err = nl_talk(fd, &r, on_link, l);
  if (!err && !l->index) err = -ENODEV;
  return err;
}

/* An address to give back: the family header and the attributes worth keeping. */
struct addr {
  struct ifaddrmsg ifa;
  uint32_t flags, metric;
  unsigned char local[16], address[16], broadcast[16];
  size_t alen; /* 4 or 16 */
  int has_local, has_address, has_broadcast, has_metric;
};

struct addr_list {
  int index;
  struct addr *a;
  size_t n, cap;
  int oom;
};

static void on_addr(const struct nlmsghdr *h, void *arg) {
  struct addr_list *l = arg;
  if (h->nlmsg_type != RTM_NEWADDR) return;
  const struct ifaddrmsg *ifa = NLMSG_DATA(h);
  if ((int)ifa->ifa_index != l->index) return;
  struct addr x = {.ifa = *ifa, .flags = ifa->ifa_flags};
  int len = (int)IFA_PAYLOAD(h);
  for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    size_t pl = RTA_PAYLOAD(a);
    if (a->rta_type == IFA_FLAGS && pl >= 4) x.flags = *(const uint32_t *)RTA_DATA(a);
    if (a->rta_type == IFA_RT_PRIORITY && pl >= 4) x.metric = *(const uint32_t *)RTA_DATA(a), x.has_metric = 1;
    if ((a->rta_type == IFA_LOCAL || a->rta_type == IFA_ADDRESS || a->rta_type == IFA_BROADCAST) && (pl == 4 || pl == 16)) {
      unsigned char *dst = a->rta_type == IFA_LOCAL ? x.local : a->rta_type == IFA_ADDRESS ? x.address : x.broadcast;
      memcpy(dst, RTA_DATA(a), pl);
      x.alen = pl;
      *(a->rta_type == IFA_LOCAL ? &x.has_local : a->rta_type == IFA_ADDRESS ? &x.has_address : &x.has_broadcast) = 1;
    }
  }
  /* What runtime-spec says to keep: permanent addresses of global scope
   * (RFC 3549 2.3.3.2). Dynamic, link and host ones stay behind. */
  if (!(x.flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE) return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    struct addr *g = realloc(l->a, cap * sizeof *g);
    if (!g) {
      l->oom = 1;
      return;
    }
    l->a = g, l->cap = cap;
  }
  l->a[l->n++] = x;
}

static int read_addrs(int fd, int index, struct addr_list *l) {
  for (int tries = 0;; tries++) {
    struct req r;
    struct ifaddrmsg *ifa = req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof *ifa);
    ifa->ifa_family = AF_UNSPEC;
    l->index = index, l->n = 0, l->oom = 0;
    int err = nl_talk(fd, &r, on_addr, l);
    if (err == -EAGAIN && tries < 5) continue;
    return err ? err : l->oom ? -ENOMEM : 0;
  }
}

/* Flags one may ask for when adding an address (the rest is the kernel's state). */
#define ADDR_FLAGS_SETTABLE (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

static int add_addr(int fd, int index, const struct addr *x) {
  struct req r;
  struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifa);
  *ifa = x->ifa;
  ifa->ifa_index = (uint32_t)index;
  ifa->ifa_flags = (unsigned char)(x->flags & ADDR_FLAGS_SETTABLE & 0xff);
  uint32_t flags = x->flags & ADDR_FLAGS_SETTABLE;
  if (x->has_local) req_attr(&r, IFA_LOCAL, x->local, x->alen);
  if (x->has_address) req_attr(&r, IFA_ADDRESS, x->address, x->alen);
  if (x->has_broadcast) req_attr(&r, IFA_BROADCAST, x->broadcast, x->alen);
  if (x->has_metric) req_attr(&r, IFA_RT_PRIORITY, &x->metric, sizeof x->metric);
  req_attr(&r, IFA_FLAGS, &flags, sizeof flags);
  return nl_talk(fd, &r, NULL, NULL);
}

static void show_addr(const struct addr *x, char *out, size_t len) {
  const unsigned char *p = x->has_local ? x->local : x->address;
  if (x->alen == 4) snprintf(out, len, "%u.%u.%u.%u/%u", p[0], p[1], p[2], p[3], x->ifa.ifa_prefixlen);
  else {
    size_t k = 0;
    for (int i = 0; i < 16 && k < len; i += 2) k += (size_t)snprintf(out + k, len - k, "%s%x", i ? ":" : "", p[i] << 8 | p[i + 1]);
    if (k < len) snprintf(out + k, len - k, "/%u", x->ifa.ifa_prefixlen);
  }
}

int op_netdev(const struct op *o, long idx) {
  for (int a = 0; a < 2; a++)
    if (o->len[a] == 0 || o->len[a] >= IF_NAMESIZE)
      return fail(EINVAL, "NETDEV: \"%s\" is not an interface name (1 to %d bytes)", o->argv[a], IF_NAMESIZE - 1);
  if (rt_sock < 0) {
    rt_sock = nl_socket();
    if (rt_sock < 0) return fail(errno, "device %s: socket NETLINK_ROUTE", o->argv[0]);
    if (fstatat(S.proc_fd, "self/ns/net", &rt_ns, 0) < 0) return fail(errno, "device %s: stat /proc/self/ns/net", o->argv[0]);
  }
  /* runtime-spec: check that the move is possible. A missing device fails
   * here, before anything is cloned. */
  struct link_reply l;
  int err = get_link(rt_sock, o->argv[0], 0, &l);
  if (err == -ENODEV) return fail(ENODEV, "device %s: not found in the runtime's network namespace (RTM_GETLINK)", o->argv[0]);
  if (err) return fail(-err, "device %s: RTM_GETLINK in the runtime's network namespace%s", o->argv[0], ext());
  struct netdev *g = realloc(devs, (ndevs + 1) * sizeof *g);
  if (!g) return fail(ENOMEM, "device %s", o->argv[0]);
  devs = g;
  devs[ndevs++] = (struct netdev){o, idx};
  return 0;
}

void netdev_close(void) { close_own(&rt_sock); }

/* A NETLINK_ROUTE socket inside the namespace ns_fd; the executor is back in
 * its own (back_fd) before this returns, whatever happened. */
static int socket_in(int ns_fd, int back_fd, const char *dev) {
  if (setns(ns_fd, CLONE_NEWNET) < 0) return fail(errno, "device %s: setns into the container's network namespace", dev);
  int fd = nl_socket(), e = errno;
  if (setns(back_fd, CLONE_NEWNET) < 0) {
    e = errno;
    close_own(&fd);
    return fail(e, "device %s: setns back into the executor's network namespace", dev);
  }
  if (fd < 0) return fail(e, "device %s: socket NETLINK_ROUTE in the container's network namespace", dev);
  return fd;
}

static int move_one(const struct netdev *d, int ns_fd, int ct_sock) {
  const char *host = d->op->argv[0], *name = d->op->argv[1];
  struct link_reply l;
  int err = get_link(rt_sock, host, 0, &l);
  if (err == -ENODEV) return fail(ENODEV, "device %s: not found in the runtime's network namespace (RTM_GETLINK)", host);
  if (err) return fail(-err, "device %s: RTM_GETLINK in the runtime's network namespace%s", host, ext());
  int index = l.index;
  /* A name without a %d template must be free in the container's namespace:
   * runtime-spec wants an error then, before the device has moved. */
  if (!strchr(name, '%')) {
    struct link_reply c;
    err = get_link(ct_sock, name, 0, &c);
    if (!err) return fail(EEXIST, "device %s: the container's network namespace already has a device named %s", host, name);
    if (err != -ENODEV) return fail(-err, "device %s: RTM_GETLINK %s in the container's network namespace%s", host, name, ext());
  }
  struct addr_list addrs = {0};
  err = read_addrs(rt_sock, index, &addrs);
  if (err) return fail(-err, "device %s: RTM_GETADDR%s", host, ext());

  /* Move and rename in one request: the kernel moves, then renames inside the
   * new namespace (where a %d template is filled in). Watching link
   * notifications meanwhile tells the device's index over there. */
  int group = RTNLGRP_LINK;
  if (setsockopt(rt_sock, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
    err = errno;
    free(addrs.a);
    return fail(err, "device %s: NETLINK_ADD_MEMBERSHIP RTNLGRP_LINK", host);
  }
  struct req r;
  struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  uint32_t nsfd = (uint32_t)ns_fd;
  req_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
  req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
  struct link_reply moved = {.watch = index, .new_index = -1};
  err = nl_talk(rt_sock, &r, on_link, &moved);
  setsockopt(rt_sock, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group);
  if (err) {
    free(addrs.a);
    return fail(-err, "device %s: RTM_NEWLINK (move into the container's network namespace as %s)%s", host, name, ext());
  }

  /* Over there: by the index the kernel announced, else (no announcement) by
   * the name, which is only known without a template. */
  struct link_reply there;
  if (moved.new_index > 0) err = get_link(ct_sock, NULL, moved.new_index, &there);
  else err = strchr(name, '%') ? -ENODEV : get_link(ct_sock, name, 0, &there);
  if (err) {
    free(addrs.a);
    return fail(-err, "device %s: RTM_GETLINK of the moved device in the container's network namespace%s", host, ext());
  }
  for (size_t i = 0; i < addrs.n; i++) {
    err = add_addr(ct_sock, there.index, &addrs.a[i]);
    if (err) {
      char a[64];
      show_addr(&addrs.a[i], a, sizeof a);
      free(addrs.a);
      return fail(-err, "device %s: RTM_NEWADDR %s on %s in the container's network namespace%s", host, a, there.name, ext());
    }
  }
  free(addrs.a);
  /* runtime-spec: the device is up once it is in the container's namespace. */
  ifi = req_init(&r, RTM_NEWLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = there.index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  err = nl_talk(ct_sock, &r, NULL, NULL);
  if (err) return fail(-err, "device %s: RTM_NEWLINK (set %s up in the container's network namespace)%s", host, there.name, ext());
  return 0;
}

int netdev_apply(pid_t pid, long *op) {
  if (!ndevs) return 0;
  *op = devs[0].idx;
  const char *first = devs[0].op->argv[0];
  char path[64];
  snprintf(path, sizeof path, "%d/ns/net", pid);
  int ns_fd = openat(S.proc_fd, path, O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return fail(errno, "device %s: open /proc/%s", first, path);
  int self_fd = openat(S.proc_fd, "self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self_fd < 0) {
    int e = errno;
    close(ns_fd);
    return fail(e, "device %s: open /proc/self/ns/net", first);
  }
  int rc = 0, ct_sock = -1;
  struct stat ct;
  if (fstat(ns_fd, &ct) < 0) rc = fail(errno, "device %s: fstat /proc/%s", first, path);
  else if (ct.st_dev == rt_ns.st_dev && ct.st_ino == rt_ns.st_ino)
    rc = fail(EINVAL, "device %s: the container's network namespace is the runtime's own: nothing to move it into", first);
  else if ((ct_sock = socket_in(ns_fd, self_fd, first)) < 0) rc = -1;
  for (size_t i = 0; rc == 0 && i < ndevs; i++) {
    *op = devs[i].idx;
    rc = move_one(&devs[i], ns_fd, ct_sock);
  }
  close_own(&ct_sock);
  close(ns_fd);
  close(self_fd);
  return rc;
}
