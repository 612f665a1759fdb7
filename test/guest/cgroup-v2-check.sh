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

sed -i 's|"linux": {|"linux": { "cgroupsPath": "/machine/nested/c2",|' config.json
$RT create c2 </dev/null >/dev/null 2>"$W/err"
check "an absolute cgroupsPath is created from the hierarchy root" '[ -d /sys/fs/cgroup/machine/nested/c2 ]'
check "delete --force removes the cgroups rt created" '$RT delete --force c2 && [ ! -e /sys/fs/cgroup/machine ]'
rm -rf "$W"
