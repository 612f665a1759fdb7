#!/bin/sh
# Runs inside a pure cgroup v2 guest (../shared/vm/vm-run.sh) or on a pure v2
# host: rt's cgroup placement, kill --all and cleanup where the unified
# hierarchy is /sys/fs/cgroup. One "ok"/"not ok" line per check.
set -u
REPO=$1
W=$(mktemp -d /tmp/rt-guest.XXXXXX)
# Local copies: executing from the 9p share pages the 100 MB binary in slowly.
cp "$REPO/dist/rt" "$REPO/dist/rt-exec" "$W/" && cp -a "$REPO/build/rootfs" "$W/rootfs"
RT="$W/rt --root $W/state"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }

cd "$W"
$RT spec -- /bin/probe sleep 60
check "cgroup2 is mounted at /sys/fs/cgroup" '[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]'
$RT create c1 </dev/null >/dev/null 2>"$W/err"
check "create succeeds" '[ $? -eq 0 ] || { cat "$W/err"; false; }'
PID=$($RT state c1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
check "the default cgroup is /sys/fs/cgroup/rt-c1 and holds the init" 'grep -qx "$PID" /sys/fs/cgroup/rt-c1/cgroup.procs'
check "the init is in /rt-c1 as the host sees it" '[ "$(cat /proc/$PID/cgroup)" = "0::/rt-c1" ]'
$RT start c1
check "kill --all KILL empties the cgroup" '$RT kill --all c1 KILL && for i in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(cat /sys/fs/cgroup/rt-c1/cgroup.procs)" ] && break; sleep 0.5; done; [ -z "$(cat /sys/fs/cgroup/rt-c1/cgroup.procs)" ]'
check "delete removes the cgroup" '$RT delete c1 && [ ! -e /sys/fs/cgroup/rt-c1 ]'

# exec: the process joins the container's cgroup even though the executor
# joined its cgroup namespace first (nsdelegate makes the namespace a
# delegation boundary: cgroup.procs is opened before the join).
$RT run -d e1 </dev/null >/dev/null 2>"$W/err"
$RT exec -d --pid-file "$W/e1.pid" e1 /bin/probe sleep 60 </dev/null >/dev/null 2>"$W/err"
check "exec into a container with a cgroup namespace succeeds (nsdelegate)" '[ $? -eq 0 ] || { cat "$W/err"; false; }'
check "the exec'd process is in /rt-e1 as the host sees it" '[ "$(cat /proc/$(cat "$W/e1.pid")/cgroup)" = "0::/rt-e1" ]'
$RT delete --force e1

sed -i 's|"linux": {|"linux": { "cgroupsPath": "/machine/nested/c2",|' config.json
$RT create c2 </dev/null >/dev/null 2>"$W/err"
check "an absolute cgroupsPath is created from the hierarchy root" '[ -d /sys/fs/cgroup/machine/nested/c2 ]'
check "delete --force removes the cgroups rt created" '$RT delete --force c2 && [ ! -e /sys/fs/cgroup/machine ]'

# Device control: on cgroup v2 the rules are an eBPF program rt generates and
# the executor attaches to the container's cgroup. The process has CAP_MKNOD.
# /dev/net/tun (10:200) is in no default list, and opening it needs no capability.
# Test nodes live in a tmpfs without nodev (the guest's /tmp has nodev), bound
# at /t; RULES, when set, replaces linux.resources.devices.
mkdir "$W/nodes" && mount -t tmpfs -o mode=755 nodes "$W/nodes"
mkspec() {
  rm -f config.json && $RT spec -- /bin/probe "$@" &&
  NODES="$W/nodes" RULES="$RULES" RES="${RES:-}" node -e '
    const fs = require("fs"), c = JSON.parse(fs.readFileSync("config.json", "utf8"));
    c.mounts.push({ destination: "/t", type: "bind", source: process.env.NODES, options: ["rbind"] });
    const caps = ["CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
    c.process.capabilities = { bounding: caps, effective: caps, permitted: caps };
    if (process.env.RULES) c.linux.resources.devices = JSON.parse(process.env.RULES);
    if (process.env.RES) Object.assign(c.linux.resources, JSON.parse(process.env.RES));
    fs.writeFileSync("config.json", JSON.stringify(c));'
}
# answer ID EXPECTED: rt run prints the probe's one-line answer
answer() { A=$($RT run "$1" </dev/null 2>"$W/err"); [ "$A" = "$2" ] || { echo "got: $A"; cat "$W/err"; false; }; }
RULES=
mkspec mknod /t/disk b 8 0
check "devices: mknod of a block device node is allowed (default rules)" 'answer d1 ok'
mkspec open /t/disk r
check "devices: opening that node fails with EPERM (eBPF device program)" 'answer d2 "EPERM 1"'
mkspec open /dev/null rw
check "devices: /dev/null opens read-write" 'answer d3 ok'
mkspec pty
check "devices: a pty pair opens (/dev/ptmx, /dev/pts/N)" 'answer d4 ok'
mknod "$W/nodes/tun" c 10 200
mkspec open /t/tun r
check "devices: c 10:200 without an allow rule is denied" 'answer d5 "EPERM 1"'
RULES='[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":200,"access":"r"}]'
mkspec open /t/tun r
check "devices: an explicit allow rule for c 10:200 r opens it for reading" 'answer d6 ok'
mkspec open /t/tun w
check "devices: ... and not for writing" 'answer d7 "EPERM 1"'
RULES=
check "devices: the runs left no cgroup" '[ -z "$(ls -d /sys/fs/cgroup/rt-d* 2>/dev/null)" ]'
rm -f config.json && $RT spec -- /bin/no-such-program
$RT create d8 </dev/null >/dev/null 2>"$W/err"
check "devices: a failed create leaves no cgroup" '[ ! -e /sys/fs/cgroup/rt-d8 ] && [ ! -e "$W/state/d8" ]'

# Resources (issue 11), enforced by the v2 controllers rt enables in the
# parents' cgroup.subtree_control. RES is merged into linux.resources.
RES='{"pids":{"limit":10}}'
mkspec forks 40
check "pids: a fork loop stops at pids.limit 10 (the probe is one of them)" 'answer r1 9'
RES='{"memory":{"limit":33554432,"swap":33554432}}'
mkspec alloc 100
$RT run r2 </dev/null >"$W/out" 2>"$W/err"; R2=$?
check "memory: 100 MiB over memory.max 32 MiB is OOM-killed (exit 137)" '[ $R2 -eq 137 ] && ! grep -q allocated "$W/out" || { echo "got $R2"; cat "$W/err"; false; }'
RES='{"cpu":{"quota":10000,"period":100000,"shares":1024}}'
mkspec spin 400
$RT create r3 </dev/null >/dev/null 2>"$W/err"
check "cpu: cpu.max and cpu.weight read back (shares 1024 is weight 39)" '[ "$(cat /sys/fs/cgroup/rt-r3/cpu.max)" = "10000 100000" ] && [ "$(cat /sys/fs/cgroup/rt-r3/cpu.weight)" = 39 ]'
$RT start r3
for i in $(seq 50); do $RT state r3 | grep -q '"stopped"' && break; sleep 0.1; done
check "cpu: a busy loop at 10% of a CPU is throttled (cpu.stat nr_throttled > 0)" '[ "$(sed -n "s/^nr_throttled //p" /sys/fs/cgroup/rt-r3/cpu.stat)" -gt 0 ]'
$RT delete --force r3
RES=
mkspec count /t/n
$RT run -d r4 </dev/null >/dev/null 2>"$W/err"
sleep 0.3
$RT pause r4
check "pause: the state is paused and cgroup.events says frozen 1" '$RT state r4 | grep -q "\"paused\"" && grep -qx "frozen 1" /sys/fs/cgroup/rt-r4/cgroup.events'
N1=$(cat "$W/nodes/n"); sleep 0.3; N2=$(cat "$W/nodes/n")
check "pause: the counter stops" '[ "$N1" = "$N2" ]'
$RT resume r4; sleep 0.3; N3=$(cat "$W/nodes/n")
check "resume: the counter goes on and the state is running" '[ "$N3" -gt "$N2" ] && $RT state r4 | grep -q "\"running\""'
$RT delete --force r4
mkspec sleep 60
$RT run -d r5 </dev/null >/dev/null 2>"$W/err"
$RT update --pids-limit 5 r5
check "update: pids.max reads 5, and a fork loop exec'd into the container stops there" '[ "$(cat /sys/fs/cgroup/rt-r5/pids.max)" = 5 ] && [ "$($RT exec r5 /bin/probe forks 20)" = 3 ]'
$RT events --stats r5 >"$W/stats" 2>&1
check "events --stats: the container's own pids figures" 'grep -q "\"pids\":{\"current\":1,\"limit\":5}" "$W/stats" || { cat "$W/stats"; false; }'
$RT delete --force r5
RES='{"unified":{"pids.max":"7","memory.high":"50000000"}}'
mkspec sleep 60
$RT create r6 </dev/null >/dev/null 2>"$W/err"
check "unified: keys written verbatim (pids.max 7, memory.high)" '[ "$(cat /sys/fs/cgroup/rt-r6/pids.max)" = 7 ] && [ "$(cat /sys/fs/cgroup/rt-r6/memory.high)" = 49999872 ] || { cat "$W/err"; false; }'
$RT delete --force r6
RES=
check "resources: the runs left no cgroup" '[ -z "$(ls -d /sys/fs/cgroup/rt-r* 2>/dev/null)" ]'
umount "$W/nodes"
rm -rf "$W"
