#!/bin/sh
# Runs inside the QEMU guest (../shared/vm/vm-run.sh), whose Debian 6.1
# kernel CRIU 3.17 can work on (the development host's 6.18 it cannot: vDSO):
# rt checkpoint, then rt restore, of a container whose init counts in a
# tmpfs. One "ok"/"not ok" line per check.
set -u
REPO=$1
W=$(mktemp -d /tmp/rt-criu.XXXXXX)
cp "$REPO/dist/rt" "$REPO/dist/rt-exec" "$W/" && cp -a "$REPO/build/rootfs" "$W/rootfs"
RT="$W/rt --root $W/state"
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
pidof_c() { $RT state "$1" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }

cd "$W"
# The init counts into /dev/shm/n (by rename: never read half-written), a
# tmpfs of the container: its count lives
# in the shell's memory. rt makes it a session leader (SETSID), without which
# CRIU dumps nothing (its session's leader would be outside the pid namespace).
$RT spec -- /bin/sh -c 'i=0; while :; do i=$((i+1)); echo $i > /dev/shm/t; mv /dev/shm/t /dev/shm/n; echo "n=$i"; sleep 0.1; done'
check "criu check passes on this kernel" 'criu check >/dev/null 2>&1'
# Its stdio are pipes, as an engine gives them (a host file such as /dev/null is outside its mounts).
(sleep 1000 | $RT run --detach c1 2>&1 | cat >/dev/null) &
sleep 1
P1=$(pidof_c c1)
check "the container runs" '[ -n "$P1" ] && $RT state c1 | grep -q "\"running\""'
sleep 1
$RT checkpoint --image-path "$W/img" c1 2>"$W/err"
check "checkpoint succeeds" '[ $? -eq 0 ] || { cat "$W/err"; false; }'
check "criu wrote its images (inventory.img), rt the init's stdio (descriptors.json: its pipes)" '[ -f "$W/img/inventory.img" ] && grep -q "^\[\"pipe:\[[0-9]*\]\",\"pipe:" "$W/img/descriptors.json"'
check "the container is gone after checkpoint (no --leave-running), its cgroup too" '! $RT state c1 >/dev/null 2>&1 && [ ! -e /sys/fs/cgroup/rt-c1 ]'
# restore's own stdio take the place of the pipes (an engine gives new ones so)
$RT restore --detach --image-path "$W/img" --pid-file "$W/pid" c1 </dev/null >"$W/out" 2>"$W/err"
check "restore succeeds" '[ $? -eq 0 ] || { cat "$W/err"; false; }'
P2=$(pidof_c c1)
check "the restored container is running, with the pid CRIU reported" '$RT state c1 | grep -q "\"running\"" && [ "$P2" = "$(cat "$W/pid")" ]'
check "the restored init is in the container's cgroup" '[ "$(cat /proc/$P2/cgroup)" = "0::/rt-c1" ]'
check "the restored init is pid 1 of its pid namespace" '[ "$(sed -n "s/^NSpid:.*\t//p" /proc/$P2/status)" = 1 ]'
N2=$($RT exec c1 /bin/cat /dev/shm/n)
sleep 1
N3=$($RT exec c1 /bin/cat /dev/shm/n)
check "exec into the restored container reads its tmpfs, and the count goes on from the checkpoint (memory restored, not a fresh start: $N2 then $N3)" '[ "${N2:-0}" -gt 10 ] && [ "${N3:-0}" -gt "$N2" ]'
check "the restored init writes to restore's stdout, counting on (handed over by --inherit-fd)" 'tail -1 "$W/out" | grep -q "^n=" && [ "$(tail -1 "$W/out" | cut -d= -f2)" -gt "$N2" ]'
check "an exec'd process shares the restored init's pid namespace" '[ "$($RT exec c1 /bin/readlink /proc/1/ns/pid)" = "$(readlink /proc/$P2/ns/pid)" ]'
check "delete --force removes the restored container and its cgroup" '$RT delete --force c1 && [ ! -e /sys/fs/cgroup/rt-c1 ] && [ ! -e "$W/state/c1" ]'
