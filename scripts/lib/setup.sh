# Shared by scripts/demo, scripts/test and Benchmarks/run: install what a fresh Debian machine lacks.
# Sourced, not run. Installs only what is missing, so repeated runs are quick.

need_apt=()
pkg-config --exists libcurl 2>/dev/null || need_apt+=(libcurl4-openssl-dev)
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
# The allocator `intake` is linked with (Package.swift), unless built with INTAKE_ALLOCATOR=system.
[ "${INTAKE_ALLOCATOR:-}" = system ] || [ -f /usr/include/jemalloc/jemalloc.h ] || need_apt+=(libjemalloc-dev)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v python3 >/dev/null || need_apt+=(python3)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)   # the deployment test verifies samples/deploy/intake.service
[ -x /usr/sbin/nginx ] || need_apt+=(nginx)                      # the HTTP/2 test serves its pages with nginx
for extra in "${INTAKE_EXTRA_APT[@]:-}"; do
  [ -n "$extra" ] && ! dpkg -s "$extra" >/dev/null 2>&1 && need_apt+=("$extra")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> [$(date -u +%H:%M:%S)] installing ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v swift >/dev/null; then
  [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null || { echo "swift is not installed (expected Swift 6 on PATH)" >&2; exit 1; }

# pycef, an independent CEF parser: the export tests parse `intake export --format cef` back with it.
# Installed from PyPI into .build-venv at the repository root (ignored by git); once only.
intake_venv="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.build-venv"
if ! "$intake_venv/bin/python" -c 'import pycef' >/dev/null 2>&1; then
  echo "==> [$(date -u +%H:%M:%S)] installing pycef into $intake_venv" >&2
  # Bounded, so an unreachable package index costs a minute at most rather than pip's default retries.
  { python3 -m venv "$intake_venv" && timeout 120 "$intake_venv/bin/pip" install -q --timeout 20 --retries 2 pycef; } >/dev/null 2>&1 \
    || echo "warning: could not install pycef; the CEF round-trip test will be skipped" >&2
fi
