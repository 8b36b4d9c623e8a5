#!/usr/bin/env bash
# Starts a throwaway etcd on 127.0.0.1:2379 for the discovery integration tests
# (test/integration/discovery-etcd.test.ts): installs Debian's etcd-server when it is missing,
# uses a fresh temporary data dir, waits until /health answers, and prints the PID on stdout
# (the caller kills it when the tests are done). If an etcd already answers there, prints nothing
# and leaves it alone.
set -euo pipefail

ETCD_HOST=127.0.0.1
ETCD_PORT="${ETCD_PORT:-2379}"
PEER_PORT="${ETCD_PEER_PORT:-2380}"
URL="http://${ETCD_HOST}:${ETCD_PORT}"

healthy() {
  node -e "fetch('${URL}/health').then(r=>r.json()).then(j=>process.exit(j.health==='true'?0:1)).catch(()=>process.exit(1))"
}

if healthy; then
  echo "etcd already answers on ${URL}" >&2
  exit 0
fi

if ! command -v etcd >/dev/null 2>&1; then
  echo "installing etcd-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq etcd-server >&2
fi

DATA_DIR="$(mktemp -d -t portero-etcd-XXXXXX)"
# Debian's etcd refuses to start on arm64 without this acknowledgement.
if [ "$(uname -m)" = "aarch64" ]; then export ETCD_UNSUPPORTED_ARCH=arm64; fi
nohup etcd --name portero-ci --data-dir "${DATA_DIR}" \
  --listen-client-urls "${URL}" --advertise-client-urls "${URL}" \
  --listen-peer-urls "http://${ETCD_HOST}:${PEER_PORT}" --initial-advertise-peer-urls "http://${ETCD_HOST}:${PEER_PORT}" \
  --initial-cluster "portero-ci=http://${ETCD_HOST}:${PEER_PORT}" \
  >"${DATA_DIR}.log" 2>&1 </dev/null &
PID=$!

for _ in $(seq 1 60); do
  if healthy; then
    echo "${PID}"
    exit 0
  fi
  if ! kill -0 "${PID}" 2>/dev/null; then
    echo "etcd exited; log follows" >&2
    cat "${DATA_DIR}.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "etcd did not become healthy within 30 s" >&2
kill "${PID}" 2>/dev/null || true
exit 1
