#!/bin/sh
# Exposes the host's cgroup filesystem read-only at a path Deno may be allowed
# to read (Deno grants reads under /sys only to a program with every permission): a recursive bind
# mount, then every mount inside it remounted read-only, since `-o ro` alone
# leaves the nested cgroup hierarchies writable. Run as root; idempotent.
set -eu
target="${1:-/run/mini-collector/cgroup}"
source="${2:-/sys/fs/cgroup}"
if mountpoint -q "$target"; then
  echo "$target is already a mount point; leaving it as it is" >&2
  exit 0
fi
mkdir -p "$target"
mount --rbind "$source" "$target"
findmnt -R -n -l -o TARGET "$target" | while read -r mount_point; do
  mount -o remount,bind,ro "$mount_point"
done
echo "cgroup filesystem exposed read-only at $target; set MINI_COLLECTOR_CGROUP_PATH=$target" >&2
