#!/usr/bin/env bash
# Compares weir with rotel (a Rust OpenTelemetry collector) in one run on this machine.
#
# Both collectors forward OTLP/gRPC to the same counting sink (weir-sink) with the same batching
# (8192 spans or 200ms), and are driven by the same load (weir-loadgen, traces, 512 spans per
# request, 8 connections). The loadgen, the collector and the sink share the machine's cores.
#
# Settings, each measured on both collectors, alternating weir, rotel, weir, rotel… per round:
#   equal-work     clients send uncompressed, both collectors export gzip
#   weir-defaults  clients send uncompressed, weir exports zstd (its default), rotel gzip (its only codec)
#   weir-signals   as weir-defaults, and weir computes golden signals from every span (golden_signals)
#   weir-sampled   as weir-signals, and weir's adaptive_sampler (span mode, target policy, its defaults)
#                  follows golden_signals; rotel has no such sampler and runs as in weir-signals
#   weir-disk      as weir-defaults, and weir's exporter queue is on disk (storage: disk, fsync:
#                  interval: every request written before it is answered); rotel runs as in
#                  weir-defaults
# plus the ceiling: the same load sent straight to the sink.
#
# Per collector and round: spans/s at saturation (--total), the collector's CPU µs per 1,000 spans
# received and peak RSS over that run, whether the sink received exactly what it should (what the
# loadgen saw accepted; in weir-sampled, what weir says its sampler kept: the sum of
# weir_sampler_spans_total{decision="kept"} on its admin /metrics), p99 client latency at half the
# saturation rate, idle RSS and time to ready.
#
# Environment: ROUNDS (3), TOTAL (2000000 spans per saturation run), LATENCY_DURATION (10s),
# SETTINGS ("equal-work weir-defaults weir-signals weir-sampled"), QUICK=1 (1 round, 50000 spans,
# 2s: a smoke test),
# LOADGEN (path to weir-loadgen), SKIP_BUILD=1 (use the binaries already in target/release).
# SWEEP=1 runs curves instead (SWEEP_SIZES, SWEEP_TOTAL, SWEEP_LOADS, SWEEP_DURATION,
# SWEEP_SETTING) into target/compare/sweep.jsonl, and draws docs/compare-*.png with
# benches/compare/plot.py (matplotlib, in a venv under target/compare/).
#
# Output: a summary on stdout, raw results as JSON lines in target/compare/results.jsonl, the
# table in target/compare/table.md, every process's log in target/compare/run/.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly COMPARE_DIR="$ROOT/benches/compare"
readonly OUT="$ROOT/target/compare"
readonly RUN_DIR="$OUT/run"
readonly PEERS="$ROOT/target/peers"
readonly ROTEL_VERSION=0.0.1a15
readonly ROTEL="$PEERS/rotel-agent"
readonly WEIR="$ROOT/target/release/weir"
readonly SINK="$ROOT/target/release/weir-sink"
LOADGEN=${LOADGEN:-$ROOT/target/release/weir-loadgen}

if [[ ${QUICK:-0} == 1 ]]; then
    ROUNDS=${ROUNDS:-1}
    TOTAL=${TOTAL:-50000}
    LATENCY_DURATION=${LATENCY_DURATION:-2s}
else
    ROUNDS=${ROUNDS:-3}
    TOTAL=${TOTAL:-2000000}
    LATENCY_DURATION=${LATENCY_DURATION:-10s}
fi
SETTINGS=${SETTINGS:-equal-work weir-defaults weir-signals weir-sampled}
# SWEEP=1 draws curves instead of the rounds: saturation at each request size, then latency at
# each offered load (fractions of the faster collector's saturation at 512 spans per request).
SWEEP=${SWEEP:-0}
SWEEP_SETTING=${SWEEP_SETTING:-equal-work}
if [[ ${QUICK:-0} == 1 ]]; then
    SWEEP_SIZES=${SWEEP_SIZES:-64 512 4096}
    SWEEP_TOTAL=${SWEEP_TOTAL:-50000}
    SWEEP_LOADS=${SWEEP_LOADS:-0.25 0.75}
    SWEEP_DURATION=${SWEEP_DURATION:-2s}
else
    SWEEP_SIZES=${SWEEP_SIZES:-16 64 512 2048 8192}
    SWEEP_TOTAL=${SWEEP_TOTAL:-500000}
    SWEEP_LOADS=${SWEEP_LOADS:-0.1 0.25 0.5 0.75 0.9 1.1}
    SWEEP_DURATION=${SWEEP_DURATION:-5s}
fi
readonly ITEMS_PER_REQUEST=512 CONNECTIONS=8 BATCH_SIZE=8192 BATCH_TIMEOUT=200ms
# Clients send uncompressed in every setting: rotel refuses zstd requests, and compressing on the
# client would put the loadgen's work on the same two cores as the collector's.
readonly CLIENT_COMPRESSION=none

# Every process this script starts, so that the EXIT trap stops each of them (and nothing else).
STARTED_PIDS=()
SINK_PID=
SINK_GRPC=
SINK_ADMIN=
# weir's admin port in the run going on; empty for rotel and the ceiling.
COLLECTOR_ADMIN=

log() { printf '[compare %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Sleeps without forking (a `read` with a timeout on a pipe nobody writes), so that readiness
# polls every 2ms measure time to ready to within a few milliseconds.
exec {SLEEP_FD}<> <(:)
nap() { read -r -t "$1" -u "$SLEEP_FD" _ || true; }

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }

# --- processes -------------------------------------------------------------------------------

# Stops one process started by this script: SIGTERM (weir drains on it), SIGKILL after $2 seconds.
stop_process() {
    local pid=$1 grace=${2:-30} waited=0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < grace * 10)); do
        nap 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not exit ${grace}s after SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Forgets a pid once it has been waited for, so that the EXIT trap never signals a reused pid.
untrack() {
    local pid keep=()
    for pid in "${STARTED_PIDS[@]}"; do
        [[ $pid == "$1" ]] || keep+=("$pid")
    done
    STARTED_PIDS=("${keep[@]}")
}

# Stops what is still running, newest first: the loadgen, then a collector (which drains into
# the sink), then the sink.
cleanup() {
    local i
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        stop_process "${STARTED_PIDS[i]}" 10
    done
}
trap cleanup EXIT
# Turn SIGINT and SIGTERM into an ordinary exit, so the EXIT trap runs for them too.
trap 'exit 130' INT
trap 'exit 143' TERM

# Picks $1 free loopback ports (bound and released at once; nothing else here races for them).
free_ports() {
    python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
' "$1"
}

# True when 127.0.0.1:$1 accepts a TCP connection (bash's /dev/tcp: no fork).
tcp_accepts() { { : <"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; }

# True when GET http://127.0.0.1:$1$2 answers 200 (bash's /dev/tcp: no fork).
http_ok() {
    local fd line
    { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&"$fd"
    IFS= read -r -t 2 -u "$fd" line || line=
    exec {fd}>&-
    [[ $line == "HTTP/1."?" 200"* ]]
}

# Waits until "$@" succeeds, polling every 2ms, for at most 30s; fails if process $1 exits first.
# Prints the microsecond clock at which it succeeded.
wait_until() {
    local pid=$1 deadline
    shift
    deadline=$(($(now_us) + 30000000))
    until "$@"; do
        kill -0 "$pid" 2>/dev/null || return 1
        (($(now_us) < deadline)) || return 1
        nap 0.002
    done
    now_us
}

# VmRSS of process $1, in bytes.
rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

# User + system CPU time of process $1 so far, in clock ticks (fields 14 and 15 of its stat;
# the command name, field 2, holds no spaces for the processes measured here).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK

# --- installing and building -----------------------------------------------------------------

# rotel ships as a Python wheel holding a static binary: download the wheel (no install, no
# dependencies) and unzip only the binary into target/peers/.
install_rotel() {
    # The binary reports its own version string (0.0.1-alpha10-…), not the wheel's: a marker file
    # records which wheel it came from.
    if [[ -x $ROTEL && $(cat "$ROTEL.wheel-version" 2>/dev/null) == "$ROTEL_VERSION" ]]; then
        return 0
    fi
    log "installing rotel $ROTEL_VERSION into $PEERS"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        log "pip is missing; installing Debian's python3-pip"
        apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null
    fi
    local download
    download=$(mktemp -d)
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        "rotel==$ROTEL_VERSION" -d "$download"
    mkdir -p "$PEERS"
    python3 - "$download" "$ROTEL" <<'PY'
import glob, os, sys, zipfile
download, dest = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(download, "rotel-*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one rotel wheel in {download}, found {wheels}")
with zipfile.ZipFile(wheels[0]) as wheel:
    data = wheel.read("rotel/rotel-agent")
with open(dest + ".part", "wb") as out:
    out.write(data)
os.chmod(dest + ".part", 0o755)
os.replace(dest + ".part", dest)
PY
    rm -rf "$download"
    echo "$ROTEL_VERSION" >"$ROTEL.wheel-version"
}

build() {
    if [[ ${SKIP_BUILD:-0} == 1 ]]; then
        log "SKIP_BUILD=1: using the binaries already in target/release"
    else
        log "building weir and weir-benches (release)"
        (cd "$ROOT" && cargo build --release --quiet -p weir -p weir-benches --bins)
    fi
    local binary
    for binary in "$WEIR" "$SINK" "$LOADGEN"; do
        [[ -x $binary ]] || die "$binary is missing"
    done
}

# --- the sink --------------------------------------------------------------------------------

start_sink() {
    local ports
    ports=$(free_ports 2)
    read -r SINK_GRPC SINK_ADMIN <<<"$ports"
    "$SINK" --listen "127.0.0.1:$SINK_GRPC" --admin "127.0.0.1:$SINK_ADMIN" \
        >"$RUN_DIR/sink.log" 2>&1 &
    SINK_PID=$!
    STARTED_PIDS+=("$SINK_PID")
    wait_until "$SINK_PID" http_ok "$SINK_ADMIN" /healthz >/dev/null ||
        die "weir-sink did not start; see $RUN_DIR/sink.log"
    log "weir-sink (pid $SINK_PID) on 127.0.0.1:$SINK_GRPC, admin 127.0.0.1:$SINK_ADMIN"
}

# GET or POST on the sink's admin server; dies with the sink's state if it does not answer.
sink_admin() {
    local method=$1 path=$2
    curl -sf --max-time 5 -X "$method" "http://127.0.0.1:$SINK_ADMIN$path" && return 0
    if kill -0 "$SINK_PID" 2>/dev/null; then
        die "weir-sink (pid $SINK_PID) did not answer $method $path; see $RUN_DIR/sink.log"
    fi
    die "weir-sink (pid $SINK_PID) has exited; see $RUN_DIR/sink.log"
}
sink_counts() { sink_admin GET /counts; }
sink_spans() { sink_counts | jq -r .spans; }
sink_reset() { sink_admin POST /reset >/dev/null; }

# Waits until the sink's span count has not moved for 1s (five times the batch timeout, so the
# collector's last batch is out), for at most 60s, and prints the sink's counts.
sink_settle() {
    local last=-1 current stable=0 polls=0
    while ((stable < 5 && polls < 300)); do
        current=$(sink_spans)
        if [[ $current == "$last" ]]; then stable=$((stable + 1)); else stable=0; fi
        last=$current
        polls=$((polls + 1))
        nap 0.2
    done
    sink_counts
}

# --- the collectors --------------------------------------------------------------------------

# Writes weir's config for one run: OTLP in on $2 (gRPC) and $3 (HTTP), admin on $4, everything
# to the sink compressed with $5, through the traces processors WEIR_PROCESSORS lists (default:
# memory_limiter, batch).
write_weir_config() {
    local file=$1 grpc=$2 http=$3 admin=$4 compression=$5
    local processors=${WEIR_PROCESSORS:-memory_limiter, batch}
    cat >"$file" <<EOF
# Written by benches/compare.sh for one run.
receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:$grpc" }
      http: { endpoint: "127.0.0.1:$http" }
processors:
  memory_limiter: { limit_mib: 1024 }
  golden_signals: {}
  adaptive_sampler: { mode: span, policy: target }
  batch: { send_batch_size: $BATCH_SIZE, send_batch_max_size: $BATCH_SIZE, timeout: $BATCH_TIMEOUT }
exporters:
  otlp/sink: { endpoint: "http://127.0.0.1:$SINK_GRPC", compression: $compression${WEIR_QUEUE:-} }
service:
  telemetry:
    logs: { level: warn }
    metrics: { address: "127.0.0.1:$admin" }
  pipelines:
    traces: { receivers: [otlp], processors: [$processors], exporters: [otlp/sink] }
EOF
}

# Starts collector $1 (weir|rotel) exporting with compression $2, under name $3 for its files.
# Sets COLLECTOR_PID, COLLECTOR_PORT (OTLP/gRPC), COLLECTOR_ADMIN, READY_MS and IDLE_RSS.
start_collector() {
    local collector=$1 compression=$2 name=$3 ports grpc http admin start ready
    ports=$(free_ports 3)
    read -r grpc http admin <<<"$ports"
    COLLECTOR_ADMIN=
    case $collector in
    weir)
        write_weir_config "$RUN_DIR/$name.yaml" "$grpc" "$http" "$admin" "$compression"
        "$WEIR" validate --config "$RUN_DIR/$name.yaml" >/dev/null ||
            die "weir refused its config $RUN_DIR/$name.yaml"
        start=$(now_us)
        "$WEIR" --config "$RUN_DIR/$name.yaml" >"$RUN_DIR/$name.log" 2>&1 &
        COLLECTOR_PID=$!
        STARTED_PIDS+=("$COLLECTOR_PID")
        # weir answers /readyz 200 once every receiver listens.
        ready=$(wait_until "$COLLECTOR_PID" http_ok "$admin" /readyz) ||
            die "weir did not become ready; see $RUN_DIR/$name.log"
        COLLECTOR_ADMIN=$admin
        ;;
    rotel)
        start=$(now_us)
        # Its HTTP receiver cannot be turned off, so it too gets a loopback port.
        "$ROTEL" start \
            --otlp-grpc-endpoint "127.0.0.1:$grpc" \
            --otlp-http-endpoint "127.0.0.1:$http" \
            --exporter otlp \
            --otlp-exporter-endpoint "http://127.0.0.1:$SINK_GRPC" \
            --otlp-exporter-protocol grpc \
            --otlp-exporter-compression "$compression" \
            --batch-max-size "$BATCH_SIZE" \
            --batch-timeout "$BATCH_TIMEOUT" \
            --pid-file "$RUN_DIR/$name.pid" \
            --log-file "$RUN_DIR/$name.daemon.log" \
            >"$RUN_DIR/$name.log" 2>&1 &
        COLLECTOR_PID=$!
        STARTED_PIDS+=("$COLLECTOR_PID")
        # rotel has no readiness endpoint: ready is when its gRPC port accepts.
        ready=$(wait_until "$COLLECTOR_PID" tcp_accepts "$grpc") ||
            die "rotel did not become ready; see $RUN_DIR/$name.log"
        ;;
    *) die "unknown collector $collector" ;;
    esac
    COLLECTOR_PORT=$grpc
    READY_MS=$(awk -v us=$((ready - start)) 'BEGIN { printf "%.1f", us / 1000 }')
    IDLE_RSS=$(rss_bytes "$COLLECTOR_PID")
}

# --- one measurement -------------------------------------------------------------------------

# Runs weir-loadgen against 127.0.0.1:$1, watching pid $2, with the extra arguments that follow;
# writes its JSON to $OUTFILE. Run in the background so the EXIT trap can stop it too.
run_loadgen() {
    local port=$1 pid=$2 loadgen_pid
    shift 2
    "$LOADGEN" --endpoint "127.0.0.1:$port" --protocol grpc --compression "$CLIENT_COMPRESSION" \
        --signal traces --items-per-request "${ITEMS:-$ITEMS_PER_REQUEST}" --connections "$CONNECTIONS" \
        --pid "$pid" --json "$@" >"$OUTFILE" 2>>"$RUN_DIR/loadgen.log" &
    loadgen_pid=$!
    STARTED_PIDS+=("$loadgen_pid")
    local status=0
    wait "$loadgen_pid" || status=$?
    untrack "$loadgen_pid"
    ((status == 0)) || die "weir-loadgen failed ($*): exit $status; see $RUN_DIR/loadgen.log"
    normalise_loadgen_json "$OUTFILE"
}

# Adds the field names the harness reads (accepted, sent, refused, items_per_second,
# collector.cpu_seconds) where weir-loadgen spells them otherwise (items_accepted, items_sent,
# refusals, accepted_items_per_s, collector.cpu_s), keeping every field it printed.
normalise_loadgen_json() {
    local file=$1
    jq -e '. + {
            accepted: (.accepted // .items_accepted),
            sent: (.sent // .items_sent),
            refused: (.refused // .refusals // {}),
            items_per_second: (.items_per_second // .accepted_items_per_s)
          }
        | if .collector == null then .
          else .collector += {cpu_seconds: (.collector.cpu_seconds // .collector.cpu_s)} end
        | if .accepted == null or .items_per_second == null then error("no accepted count or rate")
          else . end' "$file" >"$file.tmp" ||
        die "weir-loadgen printed no usable JSON; see $file"
    mv "$file.tmp" "$file"
}

# Spans weir's adaptive samplers have kept since it started: weir_sampler_spans_total{…,
# decision="kept"} summed over samplers and services, from the admin /metrics on port $1.
weir_kept_spans() {
    local metrics
    metrics=$(curl -sf --max-time 5 "http://127.0.0.1:$1/metrics") ||
        die "weir's admin server on port $1 did not answer /metrics"
    awk '/^weir_sampler_spans_total\{/ && /decision="kept"/ { sum += $NF } END { printf "%d\n", sum }' \
        <<<"$metrics"
}

# Whether the sink gets fewer spans than were accepted: weir sampling in this setting.
sampled() { [[ $1 == weir-sampled && $2 == weir ]]; }

# Measures one target: saturation, the sink's exactness, then latency at half the saturation rate.
# $1 setting, $2 collector name, $3 round, $4 port the load goes to, $5 pid measured.
# Appends one JSON line to results.jsonl.
measure() {
    local setting=$1 collector=$2 round=$3 port=$4 pid=$5 name="$1-$2-r$3"
    local saturation="$RUN_DIR/$name.saturation.json" latency="$RUN_DIR/$name.latency.json"
    local accepted sink_after_load sink_after_latency rate sink_ticks sink_cpu
    # What the sink must have received after each run: the spans accepted, or those weir kept.
    local expected latency_expected kept_before=0 kept_after_load=0

    sampled "$setting" "$collector" && kept_before=$(weir_kept_spans "$COLLECTOR_ADMIN")
    sink_reset
    # The sink's own CPU over the saturation run, to show how much of the cores it took.
    sink_ticks=$(cpu_ticks "$SINK_PID")
    OUTFILE=$saturation run_loadgen "$port" "$pid" --total "$TOTAL" --seed "$round"
    accepted=$(jq -r .accepted "$saturation")
    sink_after_load=$(sink_settle)
    sink_cpu=$(awk -v t=$(($(cpu_ticks "$SINK_PID") - sink_ticks)) -v hz="$CLK_TCK" \
        'BEGIN { printf "%.2f", t / hz }')
    expected=$accepted
    if sampled "$setting" "$collector"; then
        # The sink has settled, so every span the sampler kept has been exported.
        kept_after_load=$(weir_kept_spans "$COLLECTOR_ADMIN")
        expected=$((kept_after_load - kept_before))
    fi

    rate=$(jq -r '(.items_per_second / 2) | floor' "$saturation")
    ((rate > 0)) || die "saturation run of $name accepted nothing; see $saturation"
    sink_reset
    OUTFILE=$latency run_loadgen "$port" "$pid" --rate "$rate" --duration "$LATENCY_DURATION" \
        --seed "$((round + 1000))"
    sink_after_latency=$(sink_settle)
    latency_expected=$(jq -r .accepted "$latency")
    if sampled "$setting" "$collector"; then
        latency_expected=$(($(weir_kept_spans "$COLLECTOR_ADMIN") - kept_after_load))
    fi

    jq -cn --arg setting "$setting" --arg collector "$collector" --argjson round "$round" \
        --argjson ready_ms "${READY_MS:-null}" --argjson idle_rss_bytes "${IDLE_RSS:-null}" \
        --arg export_compression "${EXPORT_COMPRESSION:-}" \
        --arg client_compression "$CLIENT_COMPRESSION" \
        --argjson accepted "$accepted" --argjson expected "$expected" \
        --argjson latency_expected "$latency_expected" \
        --argjson sampled "$(sampled "$setting" "$collector" && echo true || echo false)" \
        --argjson saturation "$(cat "$saturation")" --argjson sink "$sink_after_load" \
        --argjson sink_cpu_seconds "$sink_cpu" \
        --argjson half_rate "$rate" \
        --argjson latency "$(cat "$latency")" --argjson latency_sink "$sink_after_latency" \
        '{setting: $setting, collector: $collector, round: $round,
          client_compression: $client_compression,
          export_compression: (if $export_compression == "" then null else $export_compression end),
          ready_ms: $ready_ms, idle_rss_bytes: $idle_rss_bytes,
          sampled: $sampled, expected: $expected,
          saturation: $saturation, sink: $sink, exact: ($sink.spans == $expected),
          sink_cpu_seconds: $sink_cpu_seconds,
          half_rate: $half_rate, latency: $latency, latency_sink: $latency_sink,
          latency_expected: $latency_expected,
          latency_exact: ($latency_sink.spans == $latency_expected)}' >>"$OUT/results.jsonl"

    local exact=exact counted="accepted $accepted"
    sampled "$setting" "$collector" && counted="accepted $accepted, weir kept $expected"
    [[ $(jq -r .spans <<<"$sink_after_load") == "$expected" ]] ||
        exact="MISMATCH (sink $(jq -r .spans <<<"$sink_after_load"))"
    [[ $(jq -r .spans <<<"$sink_after_latency") == "$latency_expected" ]] ||
        exact+=", latency run MISMATCH (sink $(jq -r .spans <<<"$sink_after_latency") of $latency_expected)"
    log "$(printf '%-14s %-6s r%s: %9.0f spans/s, %7.1f µs CPU/1k spans, peak RSS %5.1f MiB, %s: %s; p99 at %s/s: %s ms' \
        "$setting" "$collector" "$round" \
        "$(jq -r .items_per_second "$saturation")" \
        "$(jq -r '.collector.cpu_us_per_1000_items // 0' "$saturation")" \
        "$(jq -r '(.collector.peak_rss_bytes // 0) / 1048576' "$saturation")" \
        "$counted" "$exact" "$rate" "$(jq -r .latency_ms.p99 "$latency")")"
}

# The export compression a collector uses in a setting.
export_compression() {
    case "$1/$2" in
    equal-work/*) echo gzip ;;
    weir-defaults/weir | weir-signals/weir | weir-sampled/weir | weir-disk/weir) echo zstd ;;
    weir-defaults/rotel | weir-signals/rotel | weir-sampled/rotel | weir-disk/rotel) echo gzip ;;
    *) die "unknown setting $1" ;;
    esac
}

# weir's traces processors in a setting.
weir_processors() {
    case $1 in
    weir-signals) echo "memory_limiter, golden_signals, batch" ;;
    weir-sampled) echo "memory_limiter, golden_signals, adaptive_sampler, batch" ;;
    *) echo "memory_limiter, batch" ;;
    esac
}

run_collector() {
    local setting=$1 collector=$2 round=$3
    EXPORT_COMPRESSION=$(export_compression "$setting" "$collector")
    WEIR_PROCESSORS=$(weir_processors "$setting")
    WEIR_QUEUE=
    if [[ $setting == weir-disk && $collector == weir ]]; then
        rm -rf "$RUN_DIR/queue-r$round"
        WEIR_QUEUE=", sending_queue: { storage: disk, directory: \"$RUN_DIR/queue-r$round\", fsync: interval }"
    fi
    [[ $setting == weir-sampled && $collector == rotel ]] &&
        log "weir-sampled: rotel has no adaptive sampler; it runs as in weir-signals"
    start_collector "$collector" "$EXPORT_COMPRESSION" "$setting-$collector-r$round"
    log "$collector started in ${READY_MS} ms, idle RSS $((IDLE_RSS / 1024)) KiB, exporting $EXPORT_COMPRESSION"
    measure "$setting" "$collector" "$round" "$COLLECTOR_PORT" "$COLLECTOR_PID"
    stop_process "$COLLECTOR_PID" 30
    untrack "$COLLECTOR_PID"
}

# --- the sweep (SWEEP=1) ---------------------------------------------------------------------

# Saturation of one freshly started collector (SWEEP_SETTING's export compression) at each request size
# in SWEEP_SIZES; one JSON line per point in sweep.jsonl. Sets SWEEP_SATURATION_512.
sweep_sizes() {
    local collector=$1 size file
    for size in $SWEEP_SIZES; do
        start_collector "$collector" "$(export_compression "$SWEEP_SETTING" "$collector")" \
            "sweep-$collector-size$size"
        file="$RUN_DIR/sweep-$collector-size$size.json"
        sink_reset
        ITEMS=$size OUTFILE=$file run_loadgen "$COLLECTOR_PORT" "$COLLECTOR_PID" \
            --total "$SWEEP_TOTAL" --seed 1
        jq -c --arg collector "$collector" --argjson size "$size" --argjson sink "$(sink_settle)" \
            --arg export "$(export_compression "$SWEEP_SETTING" "$collector")" \
            '{kind: "size", collector: $collector, export_compression: $export,
              items_per_request: $size, saturation: .,
              sink: $sink, exact: ($sink.spans == .accepted)}' "$file" >>"$OUT/sweep.jsonl"
        log "sweep $collector: $size spans/request: $(jq -r '.items_per_second | floor' "$file") spans/s," \
            "$(jq -r '.collector.cpu_us_per_1000_items // 0 | floor' "$file") µs CPU/1k spans"
        if [[ $size == 512 ]]; then
            SWEEP_SATURATION_512=$(jq -r .items_per_second "$file")
        fi
        stop_process "$COLLECTOR_PID" 30
        untrack "$COLLECTOR_PID"
    done
}

# Latency of one collector at each offered load $2… (spans/s, 512 spans per request), one
# collector process for the whole curve.
sweep_loads() {
    local collector=$1 rate file
    shift
    start_collector "$collector" "$(export_compression "$SWEEP_SETTING" "$collector")" \
        "sweep-$collector-load"
    for rate in "$@"; do
        file="$RUN_DIR/sweep-$collector-load$rate.json"
        sink_reset
        OUTFILE=$file run_loadgen "$COLLECTOR_PORT" "$COLLECTOR_PID" \
            --rate "$rate" --duration "$SWEEP_DURATION" --seed 2
        jq -c --arg collector "$collector" --argjson rate "$rate" --argjson sink "$(sink_settle)" \
            --arg export "$(export_compression "$SWEEP_SETTING" "$collector")" \
            '{kind: "load", collector: $collector, export_compression: $export,
              offered_rate: $rate, latency: .,
              sink: $sink, exact: ($sink.spans == .accepted)}' "$file" >>"$OUT/sweep.jsonl"
        log "sweep $collector: offered $rate spans/s: p50 $(jq -r .latency_ms.p50 "$file") ms," \
            "p99 $(jq -r .latency_ms.p99 "$file") ms"
    done
    stop_process "$COLLECTOR_PID" 30
    untrack "$COLLECTOR_PID"
}

# Installs matplotlib into a venv under target/ (never into the system) and draws the sweep.
plot_sweep() {
    local venv="$OUT/venv"
    if [[ ! -x $venv/bin/python ]]; then
        if ! python3 -m venv "$venv" 2>/dev/null; then
            log "python3 -m venv failed; installing Debian's python3-venv"
            rm -rf "$venv"
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        fi
    fi
    "$venv/bin/python" -c 'import matplotlib' 2>/dev/null ||
        "$venv/bin/python" -m pip install --quiet matplotlib
    mkdir -p "$ROOT/docs"
    "$venv/bin/python" "$COMPARE_DIR/plot.py" "$OUT/sweep.jsonl" "$ROOT/docs"
}

# Throughput and CPU per span against request size, then latency against offered load at
# fractions of the faster collector's saturation, so both curves share their x values.
sweep() {
    local collector saturation_512=0 fraction rates=()
    : >"$OUT/sweep.jsonl"
    for collector in weir rotel; do
        SWEEP_SATURATION_512=
        sweep_sizes "$collector"
        [[ -n $SWEEP_SATURATION_512 ]] || die "SWEEP_SIZES must include 512, the latency curve's size"
        saturation_512=$(awk -v a="$saturation_512" -v b="$SWEEP_SATURATION_512" \
            'BEGIN { printf "%d", (a > b ? a : b) }')
    done
    for fraction in $SWEEP_LOADS; do
        rates+=("$(awk -v s="$saturation_512" -v f="$fraction" 'BEGIN { printf "%d", s * f }')")
    done
    for collector in weir rotel; do
        sweep_loads "$collector" "${rates[@]}"
    done
    plot_sweep
}

main() {
    command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
    command -v curl >/dev/null || die "curl is needed (apt-get install curl)"
    mkdir -p "$OUT"
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR"
    [[ $SWEEP == 1 ]] || : >"$OUT/results.jsonl"

    install_rotel
    build
    log "rotel: $("$ROTEL" version 2>&1 | head -1); weir: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    start_sink
    if [[ $SWEEP == 1 ]]; then
        log "sweep ($SWEEP_SETTING): sizes $SWEEP_SIZES ($SWEEP_TOTAL spans each)," \
            "loads $SWEEP_LOADS × saturation ($SWEEP_DURATION each)"
        sweep
        log "sweep points: $OUT/sweep.jsonl; plots: docs/compare-request-size.png, docs/compare-latency.png"
        return 0
    fi
    log "rounds $ROUNDS, $TOTAL spans per saturation run, latency runs of $LATENCY_DURATION, settings: $SETTINGS"
    local round setting collector
    for ((round = 1; round <= ROUNDS; round++)); do
        # The ceiling: the same load straight into the sink (CPU and RSS are the sink's).
        READY_MS='' IDLE_RSS='' EXPORT_COMPRESSION=''
        measure ceiling sink "$round" "$SINK_GRPC" "$SINK_PID"
        for setting in $SETTINGS; do
            for collector in weir rotel; do
                run_collector "$setting" "$collector" "$round"
            done
        done
    done

    python3 "$COMPARE_DIR/report.py" "$OUT/results.jsonl" "$OUT/table.md" \
        --rounds "$ROUNDS" --total "$TOTAL" --latency-duration "$LATENCY_DURATION" \
        --rotel "$("$ROTEL" version 2>&1 | head -1)" \
        --weir "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    log "raw results: $OUT/results.jsonl; table: $OUT/table.md"
}

main "$@"
