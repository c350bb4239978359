#!/usr/bin/env bash
# Runs every test of weir: the Rust unit, property and end-to-end tests, then the end-to-end tests
# that drive weir with the real OpenTelemetry Python SDK. Installs what the tests need when missing,
# so it works on a fresh Debian machine with a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

# Python with venv and pip, for the OpenTelemetry Python SDK.
if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv python3-pip
fi

# Debian's Prometheus (2.42 on bookworm), which the dashboard test scrapes weir with and the
# remote-write tests write to, and Debian's VictoriaMetrics (1.79), the other remote-write receiver.
missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

echo "== Rust tests"
cargo test --workspace --locked

echo "== Python SDK end-to-end tests (and the Grafana dashboard against a real Prometheus)"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target_dir/python-venv"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r collector/tests/python/requirements.txt
fi
cargo build --locked -p weir --bin weir
WEIR_BIN="$target_dir/debug/weir" "$venv/bin/pytest" -q -p no:cacheprovider collector/tests/python
