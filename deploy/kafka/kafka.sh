#!/usr/bin/env bash
# kafka.sh — a local single-node Apache Kafka broker (KRaft combined mode: broker and
# controller in one JVM), run from the Maven Central jars listed in pom.xml beside this file.
#
#   kafka.sh fetch                               download the jars once (cache: $KETENFLOW_KAFKA_LIB or deploy/kafka/lib)
#   kafka.sh start   DIR [PORT] [CONTROLLER_PORT] start a broker with its data in DIR; waits until ready;
#                                                the last line on stdout is the bootstrap address 127.0.0.1:PORT
#   kafka.sh stop    DIR                         SIGTERM, up to $KETENFLOW_KAFKA_STOP_TIMEOUT s (30), then SIGKILL; idempotent
#   kafka.sh restart DIR                         stop, then start again with the same ports and data
#   kafka.sh status  DIR                         exit 0 and print the bootstrap address if running, else exit 3
#   kafka.sh topics  DIR ARGS...                 org.apache.kafka.tools.TopicCommand against the broker in DIR
#                                                (e.g. topics DIR --create --topic t --partitions 3)
#   kafka.sh run-class CLASS ARGS...             any main class on the jar classpath
#
# Only the bootstrap address (start, status) goes to stdout; every message goes to stderr.
# See README.md beside this file.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$SCRIPT_DIR/pom.xml"
LIB="${KETENFLOW_KAFKA_LIB:-$SCRIPT_DIR/lib}"
MARKER_NAME=".ketenflow-kafka-complete"
START_TIMEOUT="${KETENFLOW_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KETENFLOW_KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KETENFLOW_KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
HOST=127.0.0.1

msg() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { printf 'kafka.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------------
# Versions and the jar cache

pom_prop() { # pom_prop NAME -> value of <NAME>…</NAME> in pom.xml
  sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$POM" | head -n 1
}

marker_text() {
  printf 'kafka=%s log4j=%s pom-sha256=%s\n' "$(pom_prop kafka.version)" "$(pom_prop log4j.version)" \
    "$(sha256sum "$POM" | cut -d' ' -f1)"
}

lib_complete() {
  [[ -f "$LIB/$MARKER_NAME" ]] && [[ "$(cat "$LIB/$MARKER_NAME")" == "$(marker_text)" ]]
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing $*, and no apt-get to install it with"
  msg "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

java_major() { # java_major JAVA -> major version number, or nothing
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[."].*/\1/p' | head -n 1
}

JAVA=""
find_java() { # sets JAVA to a Java >= 17, or returns 1
  local c v
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" \
           /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/java-2[0-9]-openjdk-*/bin/java; do
    [[ -n "$c" && -x "$c" ]] || continue
    v="$(java_major "$c")"
    if [[ -n "$v" && "$v" -ge 17 ]]; then JAVA="$c"; return 0; fi
  done
  return 1
}

need_java() {
  find_java && return 0
  apt_install openjdk-17-jre-headless
  find_java || die "no Java 17 or newer found even after installing openjdk-17-jre-headless"
}

cmd_fetch() {
  need_java
  mkdir -p "$LIB"
  # One fetch at a time per cache (parallel test jobs may all call start at once).
  exec 8>"$LIB/.fetch.lock"
  flock 8
  if lib_complete; then
    msg "jars already in $LIB ($(cut -d' ' -f1-2 "$LIB/$MARKER_NAME"))"
    exec 8>&-
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || apt_install maven
  local tmp t0 t1
  tmp="$(mktemp -d "$LIB/.fetch.XXXXXX")"
  msg "downloading Kafka $(pom_prop kafka.version) and log4j $(pom_prop log4j.version) jars into $LIB (Maven local repository as cache)"
  t0="$(now_ms)"
  if ! JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$JAVA")")")}" \
       mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
         -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn dependency:copy-dependencies failed (see above)"
  fi
  t1="$(now_ms)"
  ls "$tmp"/kafka_2.13-*.jar "$tmp"/log4j-slf4j-impl-*.jar >/dev/null 2>&1 \
    || { rm -rf "$tmp" "$tmp.log"; die "mvn finished but the Kafka or log4j jars are missing"; }
  # Replace only what an earlier fetch put here: jars and the marker.
  rm -f "$LIB/$MARKER_NAME" "$LIB"/*.jar
  mv "$tmp"/*.jar "$LIB"/
  rm -rf "$tmp" "$tmp.log"
  marker_text >"$LIB/$MARKER_NAME"
  msg "fetched $(ls "$LIB"/*.jar | wc -l) jars ($(du -sh "$LIB" | cut -f1)) in $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 )) s"
  exec 8>&-
}

ensure_lib() {
  if lib_complete; then need_java; else cmd_fetch; fi
}

# ---------------------------------------------------------------------------------------------
# Broker directory helpers

abs_dir() { # abs_dir DIR [create] -> absolute path
  local d="$1"
  [[ -n "$d" ]] || die "missing DIR"
  if [[ "${2:-}" == create ]]; then mkdir -p "$d"; fi
  [[ -d "$d" ]] || die "no such directory: $d"
  (cd "$d" && pwd -P)
}

port_open() { # port_open PORT -> 0 if something accepts connections on 127.0.0.1:PORT
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && (( $1 > 0 && $1 < 65536 )); }

free_ports() { # free_ports N -> N distinct free loopback ports, one per line (below the ephemeral range)
  local n="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'PY'
import random, socket, sys
n = int(sys.argv[1]); held = []
for _ in range(2000):
    if len(held) == n:
        break
    p = random.randint(20000, 32000)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close(); continue
    held.append(s)
for s in held:
    print(s.getsockname()[1])
    s.close()
PY
  else
    local found=0 p seen=" "
    while (( found < n )); do
      p=$(( 20000 + RANDOM % 12000 ))
      [[ "$seen" == *" $p "* ]] && continue
      port_open "$p" && continue
      seen+="$p "; found=$((found + 1)); echo "$p"
    done
  fi
}

pid_of() { # pid_of DIR -> pid of the broker of DIR if it is running, else nothing
  local dir="$1" pid
  [[ -f "$dir/kafka.pid" ]] || return 0
  pid="$(tr -dc 0-9 <"$dir/kafka.pid")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 0
  # Guard against a reused pid: it must be the Kafka JVM started with this DIR's config.
  if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $dir/server.properties"; then
    echo "$pid"
  fi
}

read_ports() { # read_ports DIR -> "PORT CONTROLLER_PORT" saved by the last start, or nothing
  [[ -f "$1/kafka.ports" ]] && cat "$1/kafka.ports" || true
}

write_config() { # write_config DIR PORT CONTROLLER_PORT
  local dir="$1" port="$2" cport="$3"
  cat >"$dir/server.properties" <<EOF
# Written by deploy/kafka/kafka.sh at every start: put your own settings in extra.properties.
# Single-node KRaft, combined mode: this process is both broker and (the only) controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$cport
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data

# One broker: every internal topic with one replica.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests: no waiting for more group members, topics only when asked for.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# Keep records regardless of their (possibly old, event-time) timestamps.
log.retention.ms=-1
EOF
  if [[ -f "$dir/extra.properties" ]]; then
    { echo; echo "# --- from extra.properties ---"; cat "$dir/extra.properties"; } >>"$dir/server.properties"
  fi

  cat >"$dir/log4j2.properties" <<EOF
# Written by deploy/kafka/kafka.sh: INFO and up to broker.log, WARN and up to the console (broker.out).
name = ketenflow-kafka
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
appender.console.filter.threshold.type = ThresholdFilter
appender.console.filter.threshold.level = warn
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $dir/broker.log
appender.file.filePattern = $dir/broker.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 100MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = info
rootLogger.appenderRef.console.ref = STDOUT
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
# The full config dumps (hundreds of lines per start); the config is in server.properties.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
EOF
}

show_failure() { # show_failure DIR LOG_OFFSET
  local dir="$1" off="$2"
  {
    echo "----- tail of $dir/broker.log -----"
    [[ -f "$dir/broker.log" ]] && tail -c +"$((off + 1))" "$dir/broker.log" | tail -n 40
    echo "----- tail of $dir/broker.out -----"
    [[ -f "$dir/broker.out" ]] && tail -n 20 "$dir/broker.out"
    echo "-----"
  } >&2
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_start() {
  local dir port="${2:-}" cport="${3:-}" saved pid
  [[ -n "${1:-}" ]] || die "usage: kafka.sh start DIR [PORT] [CONTROLLER_PORT]"
  dir="$(realpath -m -- "$1")"
  [[ ! -e "$dir" || -d "$dir" ]] || die "not a directory: $dir"
  if [[ -d "$dir" ]]; then dir="$(abs_dir "$dir")"; fi
  pid="$(pid_of "$dir")"
  [[ -z "$pid" ]] || die "a broker is already running for $dir (pid $pid, bootstrap $HOST:$(read_ports "$dir" | cut -d' ' -f1)); use restart or stop"

  # Ports: arguments, else those of the last start of this DIR, else free ones.
  saved="$(read_ports "$dir")"
  if [[ -z "$port" && -n "$saved" ]]; then port="${saved%% *}"; fi
  if [[ -z "$cport" && -n "$saved" && "$port" == "${saved%% *}" ]]; then cport="${saved##* }"; fi
  if [[ -z "$port" || -z "$cport" ]]; then
    local -a free
    mapfile -t free < <(free_ports 2)
    [[ ${#free[@]} -eq 2 ]] || die "could not find free loopback ports"
    [[ -n "$port" ]] || port="${free[0]}"
    [[ -n "$cport" && "$cport" != "$port" ]] || cport="${free[1]}"
    [[ "$cport" != "$port" ]] || cport="${free[0]}"
  fi
  valid_port "$port" || die "bad PORT: $port"
  valid_port "$cport" || die "bad CONTROLLER_PORT: $cport"
  [[ "$port" != "$cport" ]] || die "PORT and CONTROLLER_PORT must differ"
  port_open "$port" && die "port $port on $HOST is already in use"
  port_open "$cport" && die "controller port $cport on $HOST is already in use"

  ensure_lib
  mkdir -p "$dir"
  write_config "$dir" "$port" "$cport"
  echo "$port $cport" >"$dir/kafka.ports"
  mkdir -p "$dir/data"

  local t0; t0="$(now_ms)"
  local -a heap java_opts
  read -r -a heap <<<"$HEAP_OPTS"
  java_opts=("${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
                      -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties"
                      -Dlog4j2.shutdownHookEnabled=false
                      -Dkafka.logs.dir="$dir")

  # Format once (the cluster id is kept in DIR/cluster.id); -g accepts an already formatted dir.
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cid
    if [[ -s "$dir/cluster.id" ]]; then
      cid="$(cat "$dir/cluster.id")"
    else
      cid="$("$JAVA" -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>>"$dir/broker.out" | tail -n 1)"
      [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid gave '$cid' (see $dir/broker.out)"
      echo "$cid" >"$dir/cluster.id"
    fi
    if ! "$JAVA" "${java_opts[@]}" -cp "$LIB/*" kafka.tools.StorageTool format -t "$cid" \
           -c "$dir/server.properties" -g >>"$dir/broker.out" 2>&1; then
      tail -n 20 "$dir/broker.out" >&2
      die "formatting the storage in $dir/data failed"
    fi
  fi

  local log_off=0
  [[ -f "$dir/broker.log" ]] && log_off="$(stat -c %s "$dir/broker.log")"
  echo "=== kafka.sh start $(date -Is) port $port controller $cport ===" >>"$dir/broker.out"
  # New session: the broker outlives this script and ignores the caller's Ctrl-C / process group.
  # All of its standard streams go to files, so $(kafka.sh start …) returns as soon as it is ready.
  setsid bash -c 'echo $$ >"$1/kafka.pid"; shift; exec "$@"' _ "$dir" \
    "$JAVA" "${java_opts[@]}" -cp "$LIB/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/broker.out" 2>&1 8>&- &
  local launcher=$!

  # Wait until ready: the process lives, its log says it started, and the port accepts connections.
  local deadline=$(( $(date +%s) + START_TIMEOUT )) started=""
  pid=""
  while :; do
    [[ -n "$pid" ]] || pid="$(pid_of "$dir")"
    if [[ -z "$pid" ]] && ! kill -0 "$launcher" 2>/dev/null; then
      show_failure "$dir" "$log_off"
      die "the broker exited during start-up (logs in $dir)"
    fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      show_failure "$dir" "$log_off"
      die "the broker exited during start-up (logs in $dir)"
    fi
    if [[ -z "$started" && -f "$dir/broker.log" ]] &&
       tail -c +"$((log_off + 1))" "$dir/broker.log" | grep -q 'Kafka Server started'; then
      started=1
    fi
    if [[ -n "$started" ]] && port_open "$port"; then break; fi
    if (( $(date +%s) >= deadline )); then
      show_failure "$dir" "$log_off"
      msg "the broker in $dir was not ready within $START_TIMEOUT s: stopping it"
      if [[ -n "$(pid_of "$dir")" ]]; then cmd_stop "$dir" || true; else kill -KILL "$launcher" 2>/dev/null || true; fi
      die "the broker in $dir was not ready within $START_TIMEOUT s (KETENFLOW_KAFKA_START_TIMEOUT)"
    fi
    sleep 0.1
  done
  local t1; t1="$(now_ms)"
  msg "broker ready in $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 )) s: pid $pid, data $dir/data, log $dir/broker.log, controller $HOST:$cport"
  echo "$HOST:$port"
}

cmd_stop() {
  local dir pid
  [[ -n "${1:-}" ]] || die "usage: kafka.sh stop DIR"
  if [[ ! -d "$1" ]]; then msg "no broker directory $1: nothing to stop"; return 0; fi
  dir="$(abs_dir "$1")"
  pid="$(pid_of "$dir")"
  if [[ -z "$pid" ]]; then
    rm -f "$dir/kafka.pid"
    msg "no broker running for $dir"
    return 0
  fi
  msg "stopping broker pid $pid ($dir)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(date +%s) >= deadline )); then
      msg "still running after $STOP_TIMEOUT s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      break
    fi
    sleep 0.1
  done
  rm -f "$dir/kafka.pid"
  msg "stopped"
}

cmd_restart() {
  local dir saved
  dir="$(abs_dir "${1:-}")"
  saved="$(read_ports "$dir")"
  [[ -n "$saved" ]] || die "$dir has no kafka.ports: start it first"
  cmd_stop "$dir"
  cmd_start "$dir" ${saved}
}

cmd_status() {
  local dir pid saved
  [[ -n "${1:-}" ]] || die "usage: kafka.sh status DIR"
  [[ -d "$1" ]] || { msg "stopped (no directory $1)"; return 3; }
  dir="$(abs_dir "$1")"
  pid="$(pid_of "$dir")"
  saved="$(read_ports "$dir")"
  if [[ -z "$pid" ]]; then msg "stopped ($dir)"; return 3; fi
  if port_open "${saved%% *}"; then
    msg "running: pid $pid, data $dir/data, log $dir/broker.log"
    echo "$HOST:${saved%% *}"
  else
    msg "pid $pid is running but port ${saved%% *} does not accept connections (starting or stopping?)"
    return 4
  fi
}

cmd_topics() {
  local dir saved
  dir="$(abs_dir "${1:-}")"; shift
  saved="$(read_ports "$dir")"
  [[ -n "$(pid_of "$dir")" && -n "$saved" ]] || die "no broker running for $dir"
  ensure_lib
  "$JAVA" -Xmx256m -cp "$LIB/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:${saved%% *}" "$@"
}

cmd_run_class() {
  [[ -n "${1:-}" ]] || die "usage: kafka.sh run-class CLASS ARGS..."
  ensure_lib
  exec "$JAVA" -Xmx256m -cp "$LIB/*" "$@"
}

case "${1:-}" in
  fetch)     shift; cmd_fetch "$@" ;;
  start)     shift; cmd_start "$@" ;;
  stop)      shift; cmd_stop "$@" ;;
  restart)   shift; cmd_restart "$@" ;;
  status)    shift; cmd_status "$@" ;;
  topics)    shift; cmd_topics "$@" ;;
  run-class) shift; cmd_run_class "$@" ;;
  -h|--help|help|"") usage ;;
  *) msg "unknown command: $1"; usage ;;
esac
