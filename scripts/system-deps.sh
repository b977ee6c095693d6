#!/usr/bin/env bash
# What `make demo` and `make test` need outside Python: Debian packages (Chromium for the browser
# tests, ICU and pkg-config to build PyICU, a JRE for Spark, PostgreSQL and NATS, npm for the
# Urdu font) and the two
# services running (PostgreSQL on 127.0.0.1:5432, NATS with JetStream on 127.0.0.1:4222).
#
# Idempotent and quick when everything is there (a few `command -v` and two port probes).
# As root it installs what is missing with apt-get and starts what is not running; as anyone
# else it prints the exact command to run and stops, so nothing half-installed is left behind.
# Set TARAZU_SKIP_SYSTEM_DEPS=1 to skip it (a machine set up some other way).
set -euo pipefail

[ "${TARAZU_SKIP_SYSTEM_DEPS:-0}" = 1 ] && exit 0

PG_HOST=127.0.0.1 PG_PORT=5432
NATS_HOST=127.0.0.1 NATS_PORT=4222
NATS_STORE="${TARAZU_NATS_STORE:-/var/lib/nats-server}"

is_root() { [ "$(id -u)" = 0 ]; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# -- packages -------------------------------------------------------------------------------------
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/include/unicode/utypes.h ] || need+=(libicu-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v npm >/dev/null 2>&1 || need+=(npm)  # fetches the Urdu font (scripts/fetch-fonts.sh)

if [ ${#need[@]} -gt 0 ]; then
  if ! is_root; then
    echo "tarazu needs these Debian packages, which are not installed: ${need[*]}" >&2
    echo "Install them, then run make again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing system packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# -- services -------------------------------------------------------------------------------------
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  cluster="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
  if ! is_root || [ -z "$cluster" ]; then
    echo "PostgreSQL is not running on $PG_HOST:$PG_PORT. Start it, then run make again:" >&2
    echo "  sudo pg_ctlcluster ${cluster:-<version>} main start" >&2
    exit 1
  fi
  echo "starting PostgreSQL $cluster"
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

if ! port_open "$NATS_HOST" "$NATS_PORT"; then
  if ! is_root; then
    echo "NATS is not running on $NATS_HOST:$NATS_PORT. Start it with JetStream, then run make again:" >&2
    echo "  sudo nats-server -a $NATS_HOST -p $NATS_PORT -js -sd $NATS_STORE &" >&2
    exit 1
  fi
  echo "starting NATS with JetStream"
  mkdir -p "$NATS_STORE"
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE" -l /var/log/nats-server.log
  for _ in $(seq 1 20); do port_open "$NATS_HOST" "$NATS_PORT" && break; sleep 0.5; done
  port_open "$NATS_HOST" "$NATS_PORT" || { echo "NATS did not start" >&2; exit 1; }
fi
