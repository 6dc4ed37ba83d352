#!/usr/bin/env bash
# IPMI Monitor's own simulated BMC fleet: OpenIPMI `ipmi_sim` processes on 127.0.0.1, one per
# BMC, each with its own UDP port (IPMI over LAN), console TCP port, identity, password and SEL.
#
#   fleet.sh build                     compile the SDRs (and the DCMI plug-in when possible)
#   fleet.sh start N [FIRST]           start BMCs FIRST..FIRST+N-1 (FIRST=1), fresh state each
#   fleet.sh stop [I...]               stop BMCs by pid (all when no index is given)
#   fleet.sh status                    one TSV row per BMC: pid, state, ports, RSS
#   fleet.sh list                      one TSV row per BMC: connection details and identity
#   fleet.sh cmd I 'emu-cmd' ...       run console commands on BMC I (or one per line on stdin)
#
# Scenarios (I = BMC index):
#   fleet.sh sensor I NAME VALUE [--no-event]       set a sensor (names: sensors.tsv)
#   fleet.sh drift I NAME FROM TO [STEPS [STEP_MS]] FROM -> TO -> FROM, events on each crossing
#   fleet.sh sel I add KIND [COUNT]                 add SEL entries (kinds: `fleet.sh sel-kinds`)
#   fleet.sh sel I clear [--marker]                 clear the SEL over IPMI (--marker: then log
#                                                   "Log area reset/cleared", as many BMCs do)
#   fleet.sh sel I fill                             add entries until the SEL is full (overflow)
#   fleet.sh kill I | hang I | resume I | restart I stop / SIGSTOP / SIGCONT / restart (SEL kept)
#   fleet.sh passwd I [--restart]                   new admin password from stdin (first line):
#                                                   changed live over IPMI, or in lan.conf + restart
#   fleet.sh power I on|off|status                  chassis power as `chassis status` reports it
#   fleet.sh dcmi I WATTS [MIN MAX AVG]             DCMI power reading (needs the plug-in)
#   fleet.sh ipmitool I ARGS...                     run ipmitool against BMC I (password via -f)
#   fleet.sh freeipmi I TOOL ARGS...                run a FreeIPMI tool against BMC I (config file)
#
# Environment (defaults in brackets):
#   IPMI_FLEET_HOME [<repo>/.state/fleet]  generated files (build/) and per-BMC state (bmcI/)
#   IPMI_FLEET_BASE_PORT [16000]           BMC I answers IPMI on UDP 127.0.0.1:(BASE+I)
#   IPMI_FLEET_CONSOLE_BASE [17000]        and has its console on TCP 127.0.0.1:(CONSOLE_BASE+I)
#   IPMI_FLEET_USER [admin]                the admin user of every BMC
#   IPMI_FLEET_PASSWORD [random per BMC]   one password for every BMC (environment only)
#   IPMI_FLEET_SEL_MAX [200]               SEL capacity of each BMC
#   IPMI_FLEET_DCMI [auto]                 0: do not build or load the DCMI plug-in
#   IPMI_FLEET_TIMEOUT [5]                 seconds: console replies, IPMI calls, process exits
# Ports and identity are fixed at `start` and kept in bmcI/ident: later commands need no env
# but IPMI_FLEET_HOME. Passwords never appear on a command line: they sit in 0600 files and
# reach ipmitool through its 0600 password file (-f) and FreeIPMI through --config-file.
set -euo pipefail
export LC_ALL=C
# Everything the fleet writes is for this user only (passwords sit in several of the files).
umask 077

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SRC/../.." && pwd)
FLEET_HOME=$(realpath -m "${IPMI_FLEET_HOME:-$REPO_ROOT/.state/fleet}")
BASE_PORT=${IPMI_FLEET_BASE_PORT:-16000}
CONSOLE_BASE=${IPMI_FLEET_CONSOLE_BASE:-17000}
FLEET_USER=${IPMI_FLEET_USER:-admin}
SEL_MAX=${IPMI_FLEET_SEL_MAX:-200}
TIMEOUT=${IPMI_FLEET_TIMEOUT:-5}
BUILD=$FLEET_HOME/build
# How long `start` keeps retrying a console port that a killed simulator left in use.
BIND_WAIT=${IPMI_FLEET_BIND_WAIT:-90}
# IANA enterprise number reserved for documentation (RFC 5612): no real vendor's quirks apply.
MFG_ID=32473

die() {
  printf 'fleet: %s\n' "$*" >&2
  exit 1
}
usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$SRC/fleet.sh"
  exit 2
}
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
need_index() { is_uint "${1:-}" && [ "$1" -ge 1 ] || die "not a BMC index: '${1:-}'"; }
need_tools() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing ${missing[*]}: apt-get install openipmi ipmitool freeipmi-tools"
}
# Reads the first line of FILE into the variable VAR without a subshell (missing file: empty).
slurp() {
  local -n _into=$1
  _into=''
  [ -r "$2" ] || return 0
  IFS= read -r _into <"$2" || true
}

# Paths end up in sed replacements and config files.
[[ $FLEET_HOME$SRC != *[\|\&\\\"\ ]* ]] || die "paths must not contain | & \\ \" or spaces: $FLEET_HOME"

# ---- build ------------------------------------------------------------------------------------

dcmi_possible() {
  [ "${IPMI_FLEET_DCMI:-auto}" != 0 ] && command -v gcc >/dev/null &&
    [ -f /usr/include/OpenIPMI/mcserv.h ]
}

# Rebuilds when a source is newer than its output; prints nothing when up to date.
cmd_build() {
  need_tools sdrcomp
  mkdir -p "$BUILD"
  if [ ! -s "$BUILD/sdrs.emu" ] || [ "$SRC/bmc.sdrs" -nt "$BUILD/sdrs.emu" ] ||
    [ "$SRC/fleet.sh" -nt "$BUILD/sdrs.emu" ]; then
    sdrcomp -8 -r -o "$BUILD/bmc.raw" "$SRC/bmc.sdrs" >"$BUILD/sdrcomp.log" 2>&1 ||
      die "sdrcomp failed: $(cat "$BUILD/sdrcomp.log")"
    # One `main_sdr_add 0x20 <every byte of the record>` line per record (5-byte header,
    # body length in header byte 4). ipmi_sim renumbers the records itself.
    local -a bytes
    read -r -a bytes <<<"$(od -An -v -tx1 "$BUILD/bmc.raw" | tr -s ' \n' '  ')"
    local pos=0 n line k
    : >"$BUILD/sdrs.emu.tmp"
    while [ $((pos + 5)) -le ${#bytes[@]} ]; do
      n=$((5 + 16#${bytes[pos + 4]}))
      line='main_sdr_add 0x20'
      for ((k = pos; k < pos + n; k++)); do line+=" 0x${bytes[k]}"; done
      printf '%s\n' "$line" >>"$BUILD/sdrs.emu.tmp"
      pos=$((pos + n))
    done
    mv -f "$BUILD/sdrs.emu.tmp" "$BUILD/sdrs.emu"
    echo "built $BUILD/sdrs.emu ($(wc -l <"$BUILD/sdrs.emu") SDRs)"
  fi
  if dcmi_possible; then
    if [ ! -f "$BUILD/dcmi-power.so" ] || [ "$SRC/dcmi-power.c" -nt "$BUILD/dcmi-power.so" ]; then
      gcc -shared -fPIC -O2 -Wall -o "$BUILD/dcmi-power.so" "$SRC/dcmi-power.c" ||
        die "building the DCMI plug-in failed"
      echo "built $BUILD/dcmi-power.so"
    fi
  elif [ -f "$BUILD/dcmi-power.so" ] && [ "${IPMI_FLEET_DCMI:-auto}" = 0 ]; then
    rm -f "$BUILD/dcmi-power.so"
  fi
}

# ---- per-BMC files ----------------------------------------------------------------------------

# Loads bmcI/ident into IDENT_* variables.
load_ident() {
  local d
  d=$FLEET_HOME/bmc$1
  [ -f "$d/ident" ] || die "bmc$1 does not exist in $FLEET_HOME (start it first)"
  # shellcheck disable=SC1091
  source "$d/ident"
}

# Sets VAR to the models.tsv row of BMC I (rows are used in turn).
MODEL_ROWS=()
model_row() {
  local -n _row=$1
  local line
  if [ ${#MODEL_ROWS[@]} -eq 0 ]; then
    while IFS= read -r line; do
      [[ -z $line || $line == \#* ]] || MODEL_ROWS+=("$line")
    done <"$SRC/models.tsv"
  fi
  _row=${MODEL_ROWS[$((($2 - 1) % ${#MODEL_ROWS[@]}))]}
}

# Sets VAR to a random 16-character password from a pool filled from /dev/urandom.
PW_POOL=''
random_password() {
  local -n _pw=$1
  while [ ${#PW_POOL} -lt 16 ]; do
    PW_POOL+=$(head -c 4096 /dev/urandom | tr -dc 'A-Za-z0-9' || true)
  done
  _pw=${PW_POOL:0:16}
  PW_POOL=${PW_POOL:16}
}

valid_password() { [[ $1 =~ ^[A-Za-z0-9._+=@%-]{1,16}$ ]]; }

# Per-home tag: serials and GUIDs differ between fleets on one machine and stay the same for one
# home across restarts.
HOME_TAG=
home_tag() {
  [ -n "$HOME_TAG" ] || HOME_TAG=$(printf '%s' "$FLEET_HOME" | cksum | awk '{print $1}')
}

# Writes identity, password (PASSWORD, or IPMI_FLEET_PASSWORD), FRU and power files of a new
# BMC I; overwrites everything. Call home_tag first.
create_bmc() {
  local i=$1 d=$FLEET_HOME/bmc$1 pw=${IPMI_FLEET_PASSWORD:-$2}
  rm -rf "$d"
  mkdir -p "$d/state"
  local model manufacturer product part board product_id fw_major fw_minor prefix
  model_row model "$i"
  IFS=$'\t' read -r manufacturer product part board product_id fw_major fw_minor prefix <<<"$model"
  local serial guid
  printf -v serial '%s%04X%04d' "$prefix" $((HOME_TAG % 65536)) "$i"
  printf -v guid '%08x%08x%016x' "$HOME_TAG" $((BASE_PORT * 65536 + CONSOLE_BASE)) "$i"
  {
    printf 'IDENT_%s=%q\n' INDEX "$i" NAME "bmc$i" PORT $((BASE_PORT + i)) \
      CONSOLE $((CONSOLE_BASE + i)) USER "$FLEET_USER" MANUFACTURER "$manufacturer" \
      PRODUCT "$product" PART "$part" BOARD "$board" PRODUCT_ID "$product_id" \
      FW_MAJOR "$fw_major" FW_MINOR "$fw_minor" SERIAL "$serial" GUID "$guid"
  } >"$d/ident"
  valid_password "$pw" || die "IPMI_FLEET_PASSWORD: 1-16 characters of A-Z a-z 0-9 . _ + = @ % -"
  printf '%s' "$pw" >"$d/password"
  echo 1 >"$d/power"
  # Board made some weeks apart per BMC, from 2023-01-01 on (minutes since 1996-01-01).
  "$SRC/mkfru.sh" "$d/fru0.bin" "$manufacturer" "$product" "$part" "$board" "$serial" \
    $((14201280 + i * 7 * 1440))
}

# (Re)writes lan.conf, freeipmi.conf and bmc.emu of BMC I from ident and password.
write_configs() {
  local i=$1 d pw loadlib='' watts
  d=$FLEET_HOME/bmc$i
  load_ident "$i"
  slurp pw "$d/password"
  valid_password "$pw" || die "bmc$i: bad password file"
  # Readings vary a little per BMC, so a fleet does not look cloned.
  watts=$((55 + (i * 13) % 30))
  if dcmi_possible && [ -f "$BUILD/dcmi-power.so" ]; then
    loadlib="loadlib \"$BUILD/dcmi-power.so\" \"$((watts * 4))\""
  fi
  # Substituted with bash builtins only: the password must not appear on any command line
  # (a `sed -e s/@PASSWORD@/.../` would show it in ps).
  local conf
  conf=$(<"$SRC/lan.conf.tmpl")
  conf=${conf//@NAME@/$IDENT_NAME}
  conf=${conf//@PORT@/$IDENT_PORT}
  conf=${conf//@CONSOLE_PORT@/$IDENT_CONSOLE}
  conf=${conf//@LAN_GUID@/$IDENT_GUID}
  conf=${conf//@SRC@/$SRC}
  conf=${conf//@DIR@/$d}
  conf=${conf//@USER@/$IDENT_USER}
  conf=${conf//@LOADLIB@/$loadlib}
  conf=${conf//@PASSWORD@/$pw}
  printf '%s\n' "$conf" >"$d/lan.conf"
  printf '%s\n' '# FreeIPMI settings for this simulated BMC (freeipmi.conf(5)); host: -h 127.0.0.1:PORT' \
    'driver-type LAN_2_0' "username $IDENT_USER" "password $pw" 'privilege-level ADMIN' \
    'workaround-flags opensesspriv' >"$d/freeipmi.conf"
  sed -e "s|@FW_MAJOR@|$IDENT_FW_MAJOR|; s|@FW_MINOR@|$IDENT_FW_MINOR|; s|@MFG_ID@|$MFG_ID|" \
    -e "s|@PRODUCT_ID@|$IDENT_PRODUCT_ID|; s|@GUID@|$IDENT_GUID|; s|@SEL_MAX@|$SEL_MAX|" \
    -e "s|@FRU@|$d/fru0.bin|; s|@SDRS@|$BUILD/sdrs.emu|" \
    -e "s|@CPU_TEMP@|$((38 + (i * 7) % 13))|; s|@INLET_TEMP@|$((20 + (i * 3) % 7))|" \
    -e "s|@FAN1@|$((80 + (i * 5) % 25))|; s|@FAN2@|$((78 + (i * 7) % 25))|" \
    -e "s|@V12@|$((198 + i % 5))|; s|@V33@|$((163 + i % 5))|" \
    -e "s|@AMPS@|$((60 + (i * 11) % 40))|; s|@WATTS@|$watts|" \
    "$SRC/bmc.emu.tmpl" >"$d/bmc.emu"
}

# ---- processes --------------------------------------------------------------------------------

# Prints the pid of BMC I if its simulator is alive (pid file + the process is ipmi_sim).
live_pid() {
  local d pid
  d=$FLEET_HOME/bmc$1
  [ -f "$d/pid" ] || return 1
  slurp pid "$d/pid"
  is_uint "$pid" || return 1
  local comm
  slurp comm "/proc/$pid/comm"
  [ "$comm" = ipmi_sim ] || return 1
  printf '%s' "$pid"
}

proc_state() {
  local _pid _comm st=''
  read -r _pid _comm st _ <"/proc/$1/stat" 2>/dev/null || true
  printf '%s' "$st"
}

launch() {
  local i=$1 d pid
  d=$FLEET_HOME/bmc$i
  # SIGPIPE ignored (inherited by ipmi_sim): a console client that hangs up early would
  # otherwise kill the simulator. setsid: no controlling terminal, own session. -n: no stdin
  # console. The pid is the simulator's own (setsid does not fork when it needs not).
  (
    trap '' PIPE
    exec setsid ipmi_sim -n -c "$d/lan.conf" -f "$d/bmc.emu" -s "$d/state" \
      </dev/null >"$d/log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$d/pid"
}

# Waits until BMC I listens on its UDP and console ports. Returns 0 ready, 1 dead, 2 timeout.
wait_ready() {
  local i=$1 deadline=$2 hexport hexc
  load_ident "$i"
  hexport=$(printf '%04X' "$IDENT_PORT")
  hexc=$(printf '%04X' "$IDENT_CONSOLE")
  local pid
  slurp pid "$FLEET_HOME/bmc$i/pid"
  while :; do
    # Right after launch the pid is still the subshell that is about to exec ipmi_sim (its
    # comm is not ipmi_sim yet, and on a loaded machine that lasts a while): here only
    # "the process is gone" means dead; the bound ports say it became the simulator.
    kill -0 "$pid" 2>/dev/null || return 1
    if grep -q ":$hexport 00000000:0000 07" /proc/net/udp &&
      grep -q "0100007F:$hexc 00000000:0000 0A" /proc/net/tcp; then
      return 0
    fi
    [ "$(date +%s%N)" -lt "$deadline" ] || return 2
    sleep 0.02
  done
}

# The password reaches ipmitool through its 0600 file (-f), never argv or the environment
# (a process's environment is readable in /proc/PID/environ).
ipmitool_for() {
  local i=$1 d
  shift
  d=$FLEET_HOME/bmc$i
  load_ident "$i"
  timeout $((TIMEOUT * 3)) ipmitool -I lanplus -C 3 \
    -H 127.0.0.1 -p "$IDENT_PORT" -U "$IDENT_USER" -f "$d/password" -R 1 -N "$TIMEOUT" "$@"
}

# The SEL clock of ipmi_sim starts at 0 ("Pre-Init" timestamps): set it to now. FreeIPMI's
# bmc-device costs about a third of an ipmitool call, which counts when 50 BMCs start.
set_sel_time() {
  local i=$1 d=$FLEET_HOME/bmc$1 _
  load_ident "$i"
  for _ in 1 2 3; do
    timeout $((TIMEOUT * 2)) bmc-device -h "127.0.0.1:$IDENT_PORT" --config-file="$d/freeipmi.conf" \
      --session-timeout=$((TIMEOUT * 1000)) --set-sel-time=now >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# Starts the listed BMCs (their files must exist), retrying those whose console port is still
# held by a killed predecessor, then sets their SEL clocks.
start_bmcs() {
  local i rc pending=("$@") retry failed=() give_up said=''
  give_up=$(($(date +%s) + BIND_WAIT))
  while [ ${#pending[@]} -gt 0 ]; do
    for i in "${pending[@]}"; do launch "$i"; done
    retry=()
    for i in "${pending[@]}"; do
      rc=0
      wait_ready "$i" $(($(date +%s%N) + TIMEOUT * 1000000000)) || rc=$?
      if [ $rc -eq 0 ]; then continue; fi
      if [ $rc -eq 1 ] && grep -q 'Address already in use' "$FLEET_HOME/bmc$i/log" &&
        [ "$(date +%s)" -lt "$give_up" ]; then
        retry+=("$i")
      else
        failed+=("$i")
        printf 'fleet: bmc%s did not come up: %s\n' "$i" "$(tail -3 "$FLEET_HOME/bmc$i/log")" >&2
        stop_bmc "$i" >/dev/null 2>&1 || true
      fi
    done
    pending=("${retry[@]+"${retry[@]}"}")
    if [ ${#pending[@]} -gt 0 ]; then
      # ipmi_sim sets SO_REUSEADDR on its console socket only after bind(): a port whose last
      # connection is still closing (up to ~60 s after a kill with a client attached) fails.
      [ -n "$said" ] || echo "fleet: console port of bmc${pending[*]} still in use; retrying for up to ${BIND_WAIT}s" >&2
      said=1
      sleep 2
    fi
  done
  # SEL clocks, eight at a time. (Wait for these jobs by pid: a bare `wait` would also wait
  # for the simulators, which are children of this shell too.)
  local fails=() jobs=()
  for i in "$@"; do
    live_pid "$i" >/dev/null || continue
    (set_sel_time "$i" || echo "$i" >"$FLEET_HOME/bmc$i/settime.failed") &
    jobs+=($!)
    if [ ${#jobs[@]} -ge 8 ]; then
      wait "${jobs[@]}" || true
      jobs=()
    fi
  done
  [ ${#jobs[@]} -eq 0 ] || wait "${jobs[@]}" || true
  for i in "$@"; do
    if [ -f "$FLEET_HOME/bmc$i/settime.failed" ]; then
      rm -f "$FLEET_HOME/bmc$i/settime.failed"
      fails+=("$i")
    fi
  done
  [ ${#fails[@]} -eq 0 ] || echo "fleet: setting the SEL clock failed on bmc${fails[*]}" >&2
  for i in "$@"; do
    if live_pid "$i" >/dev/null; then
      load_ident "$i"
      printf 'bmc%s\tpid %s\tudp 127.0.0.1:%s\tconsole 127.0.0.1:%s\t%s %s\t%s\n' "$i" \
        "$(<"$FLEET_HOME/bmc$i/pid")" "$IDENT_PORT" "$IDENT_CONSOLE" "$IDENT_MANUFACTURER" \
        "$IDENT_PRODUCT" "$IDENT_SERIAL"
    fi
  done
  [ ${#failed[@]} -eq 0 ] && [ ${#fails[@]} -eq 0 ]
}

# Stops BMCs by pid: SIGTERM (and SIGCONT, so a hung one can act on it) to all of them first,
# then waits; SIGKILL for any still there after the timeout. Pid files go away.
stop_bmcs() {
  local i pid pids=() names=() waited=0 left
  for i in "$@"; do
    if pid=$(live_pid "$i"); then
      kill -TERM "$pid" 2>/dev/null || true
      kill -CONT "$pid" 2>/dev/null || true
      pids+=("$pid")
      names+=("bmc$i")
    fi
    rm -f "$FLEET_HOME/bmc$i/pid"
  done
  while :; do
    left=()
    for pid in "${pids[@]+"${pids[@]}"}"; do
      # Gone, or a zombie waiting for its parent (this shell, after a restart).
      [ -d "/proc/$pid" ] && [ "$(proc_state "$pid")" != Z ] && left+=("$pid")
    done
    [ ${#left[@]} -gt 0 ] || break
    if [ $waited -ge $((TIMEOUT * 20)) ]; then
      kill -KILL "${left[@]}" 2>/dev/null || true
      break
    fi
    sleep 0.05
    waited=$((waited + 1))
  done
  for i in "${!names[@]}"; do echo "stopped ${names[i]} (pid ${pids[i]})"; done
}

stop_bmc() { stop_bmcs "$1"; }

all_indexes() {
  local d
  for d in "$FLEET_HOME"/bmc*/; do
    [ -f "$d/ident" ] || continue
    d=${d%/}
    printf '%s\n' "${d##*/bmc}"
  done | sort -n
}

cmd_start() {
  local n=${1:-1} first=${2:-1} i list=()
  is_uint "$n" && [ "$n" -ge 1 ] || die "start: N must be a positive number"
  need_index "$first"
  need_tools ipmi_sim sdrcomp ipmitool bmc-device
  [ $((BASE_PORT + first + n - 1)) -le 65535 ] && [ $((CONSOLE_BASE + first + n - 1)) -le 65535 ] ||
    die "ports beyond 65535"
  cmd_build
  for ((i = first; i < first + n; i++)); do
    if live_pid "$i" >/dev/null; then die "bmc$i is already running (fleet.sh stop $i first)"; fi
  done
  # Files of four BMCs at a time; each gets its password from the parent's pool.
  local pw jobs=() j bad=0
  home_tag
  for ((i = first; i < first + n; i++)); do
    random_password pw
    (
      create_bmc "$i" "$pw"
      write_configs "$i"
    ) &
    jobs+=($!)
    list+=("$i")
    if [ ${#jobs[@]} -ge 4 ] || [ $i -eq $((first + n - 1)) ]; then
      for j in "${jobs[@]}"; do wait "$j" || bad=1; done
      jobs=()
    fi
  done
  [ $bad -eq 0 ] || die "preparing the BMC files failed"
  start_bmcs "${list[@]}"
}

cmd_stop() {
  local i all=()
  if [ $# -eq 0 ]; then
    mapfile -t all < <(all_indexes)
    stop_bmcs "${all[@]+"${all[@]}"}"
  else
    for i in "$@"; do need_index "$i"; done
    stop_bmcs "$@"
  fi
}

cmd_restart() {
  need_index "${1:-}"
  load_ident "$1"
  stop_bmc "$1" >/dev/null
  cmd_build >/dev/null
  write_configs "$1"
  start_bmcs "$1"
}

cmd_signal() {
  local sig=$1 i=${2:-} pid
  need_index "$i"
  pid=$(live_pid "$i") || die "bmc$i is not running"
  kill "-$sig" "$pid"
}

cmd_status() {
  local i d pid state rss
  printf 'index\tname\tpid\tstate\tport\tconsole\trss_kb\tserial\tmodel\n'
  for i in $(all_indexes); do
    d=$FLEET_HOME/bmc$i
    load_ident "$i"
    rss=-
    if pid=$(live_pid "$i"); then
      case $(proc_state "$pid") in
      T | t) state=hung ;;
      Z) state=dead ;;
      *) state=running ;;
      esac
      rss=$(awk '/^VmRSS:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo -)
    else
      pid=-
      state=stopped
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\n' "$i" "$IDENT_NAME" "$pid" "$state" \
      "$IDENT_PORT" "$IDENT_CONSOLE" "$rss" "$IDENT_SERIAL" "$IDENT_MANUFACTURER" "$IDENT_PRODUCT"
  done
}

cmd_list() {
  local i d
  printf 'index\thost\tport\tconsole\tusername\tpassword_file\tfreeipmi_config\tname\tmanufacturer\tproduct\tserial\tguid\n'
  for i in $(all_indexes); do
    d=$FLEET_HOME/bmc$i
    load_ident "$i"
    printf '%s\t127.0.0.1\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$IDENT_PORT" \
      "$IDENT_CONSOLE" "$IDENT_USER" "$d/password" "$d/freeipmi.conf" "$IDENT_NAME" \
      "$IDENT_MANUFACTURER" "$IDENT_PRODUCT" "$IDENT_SERIAL" "$IDENT_GUID"
  done
}

# ---- console ----------------------------------------------------------------------------------
# The console speaks telnet-ish text: a banner with IAC negotiation and the prompt "> ", then
# for every command line its output followed by "\n\r> ". We read each reply up to its prompt
# before sending the next command, and close only after the last reply, so the simulator never
# writes into a closed socket and its console port is not left in TIME_WAIT on its side.

CON_FD=
CON_REPLY=

console_open() {
  load_ident "$1"
  live_pid "$1" >/dev/null || die "bmc$1 is not running"
  exec {CON_FD}<>"/dev/tcp/127.0.0.1/$IDENT_CONSOLE" || die "bmc$1: console refused"
  console_read "$1" || die "bmc$1: console did not answer within ${TIMEOUT}s (hung?)"
  console_send "$1" noecho
}

# Reads one reply (up to its prompt) into CON_REPLY, without IAC sequences and CRs.
console_read() {
  local buf='' c
  while :; do
    IFS= read -r -N 1 -t "$TIMEOUT" -u "$CON_FD" c || return 1
    buf+=$c
    if [[ $buf == '> ' || $buf == *$'\r> ' || $buf == *$'\001> ' ]]; then break; fi
  done
  buf=${buf%> }
  buf=${buf//$'\r'/}
  # IAC (0xFF) + command + option: the banner's telnet negotiation.
  while [[ $buf == *$'\377'* ]]; do
    local pre=${buf%%$'\377'*}
    buf=$pre${buf:$((${#pre} + 3))}
  done
  buf=${buf%$'\n'}
  CON_REPLY=$buf
}

# Sends one command and reads its reply. Returns 1 on an error reply ("**..."), 2 on timeout.
console_send() {
  printf '%s\n' "$2" >&"$CON_FD" || die "bmc$1: console write failed"
  console_read "$1" || {
    CON_REPLY="console timeout after ${TIMEOUT}s"
    return 2
  }
  [[ $CON_REPLY != *'**'* ]]
}

console_close() {
  [ -z "$CON_FD" ] || exec {CON_FD}>&-
  CON_FD=
}

# Runs commands on BMC I; prints their output; stops at the first error.
console_run() {
  local i=$1 c rc=0
  shift
  console_open "$i"
  for c in "$@"; do
    [[ -z $c || $c == \#* ]] && continue
    console_send "$i" "$c" || rc=$?
    if [ $rc -ne 0 ]; then
      console_close
      die "bmc$i: '$c' failed: $CON_REPLY"
    fi
    [ -z "$CON_REPLY" ] || printf '%s\n' "$CON_REPLY"
  done
  console_close
}

cmd_cmd() {
  local i=${1:-} cmds=() line
  need_index "$i"
  shift
  if [ $# -gt 0 ]; then
    cmds=("$@")
  else
    while IFS= read -r line; do cmds+=("$line"); done
  fi
  console_run "$i" "${cmds[@]}"
}

# ---- scenarios --------------------------------------------------------------------------------

# Sets SENSOR_* from sensors.tsv for NAME (case-insensitive).
find_sensor() {
  local name=$1 n num kind m b r _
  while IFS=$'\t' read -r n num kind m b r _; do
    [[ -z $n || $n == \#* ]] && continue
    if [ "${n,,}" = "${name,,}" ]; then
      SENSOR_NAME=$n SENSOR_NUM=$num SENSOR_KIND=$kind SENSOR_M=$m SENSOR_B=$b SENSOR_R=$r
      return 0
    fi
  done <"$SRC/sensors.tsv"
  die "unknown sensor '$name' (known: $(awk -F'\t' '!/^#/{printf "%s\"%s\"", s, $1; s=", "}' "$SRC/sensors.tsv"))"
}

# Fills SENSOR_CMDS with the console commands that put VALUE on the sensor found by find_sensor.
sensor_cmds() {
  local value=$1 event=$2 raw bit
  SENSOR_CMDS=()
  if [ "$SENSOR_KIND" = threshold ]; then
    [[ $value =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || die "not a number: $value"
    raw=$(awk -v v="$value" -v m="$SENSOR_M" -v b="$SENSOR_B" -v r="$SENSOR_R" \
      'BEGIN { x = (v / (10 ^ r) - b) / m; x = int(x + 0.5); if (x < 0) x = 0; if (x > 255) x = 255; print x }')
    SENSOR_CMDS+=("sensor_set_value 0x20 0 $SENSOR_NUM $raw $event")
  else
    [[ $value =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]] && [ $((value)) -le 32767 ] ||
      die "discrete sensor '$SENSOR_NAME' takes a state bit mask (0..0x7fff), not: $value"
    # Clear bits first, then set them: every bit that changes is one event.
    for ((bit = 0; bit < 15; bit++)); do
      (((value >> bit) & 1)) || SENSOR_CMDS+=("sensor_set_bit 0x20 0 $SENSOR_NUM $bit 0 $event")
    done
    for ((bit = 0; bit < 15; bit++)); do
      (((value >> bit) & 1)) || continue
      SENSOR_CMDS+=("sensor_set_bit 0x20 0 $SENSOR_NUM $bit 1 $event")
    done
  fi
}

cmd_sensor() {
  local i=${1:-} name=${2:-} value=${3:-} event=1
  need_index "$i"
  [ -n "$name" ] && [ -n "$value" ] || die "usage: sensor I NAME VALUE [--no-event]"
  [ "${4:-}" = --no-event ] && event=0
  find_sensor "$name"
  sensor_cmds "$value" "$event"
  console_run "$i" "${SENSOR_CMDS[@]}"
}

cmd_drift() {
  local i=${1:-} name=${2:-} from=${3:-} to=${4:-} steps=${5:-5} step_ms=${6:-200} k v
  need_index "$i"
  [ -n "$to" ] || die "usage: drift I NAME FROM TO [STEPS [STEP_MS]]"
  is_uint "$steps" && [ "$steps" -ge 1 ] && is_uint "$step_ms" || die "drift: bad STEPS/STEP_MS"
  find_sensor "$name"
  [ "$SENSOR_KIND" = threshold ] || die "drift needs a threshold sensor"
  [[ $from =~ ^-?[0-9]+(\.[0-9]+)?$ && $to =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || die "drift: FROM/TO not numbers"
  console_open "$i"
  for ((k = 0; k <= 2 * steps; k++)); do
    # Up for `steps` steps, then down again: FROM, ..., TO, ..., FROM.
    local pos=$((k <= steps ? k : 2 * steps - k))
    v=$(awk -v f="$from" -v t="$to" -v p="$pos" -v s="$steps" 'BEGIN { print f + (t - f) * p / s }')
    sensor_cmds "$v" 1
    console_send "$i" "${SENSOR_CMDS[0]}" || {
      console_close
      die "bmc$i: drift failed: $CON_REPLY"
    }
    [ -z "$CON_REPLY" ] || printf '%s\n' "$CON_REPLY"
    [ $k -eq $((2 * steps)) ] || sleep "$(awk -v ms="$step_ms" 'BEGIN { print ms / 1000 }')"
  done
  console_close
}

# SEL record kinds: record type, then generator id (2), EvM rev, sensor type, sensor number,
# event dir|type, event data 1-3. ipmi_sim stamps records below type 0xE0 with its own clock.
sel_record() {
  local rec
  case $1 in
  temp) rec='0x02 0x20 0x00 0x04 0x01 0x01 0x01 0x59 0x5b 0x5a' ;;     # CPU Temp upper critical going high
  temp-ok) rec='0x02 0x20 0x00 0x04 0x01 0x01 0x81 0x59 0x4b 0x5a' ;;  # ... deasserted
  fan) rec='0x02 0x20 0x00 0x04 0x04 0x03 0x01 0x52 0x0a 0x0c' ;;      # FAN1 lower critical going low
  fan-ok) rec='0x02 0x20 0x00 0x04 0x04 0x03 0x81 0x52 0x50 0x0c' ;;
  voltage) rec='0x02 0x20 0x00 0x04 0x02 0x05 0x01 0x52 0xb0 0xb4' ;;  # 12V lower critical going low
  psu) rec='0x02 0x20 0x00 0x04 0x08 0x09 0x6f 0x01 0xff 0xff' ;;      # PSU1 failure detected
  psu-ok) rec='0x02 0x20 0x00 0x04 0x08 0x09 0xef 0x01 0xff 0xff' ;;
  ac-lost) rec='0x02 0x20 0x00 0x04 0x08 0x09 0x6f 0x03 0xff 0xff' ;;  # PSU1 AC lost
  intrusion) rec='0x02 0x20 0x00 0x04 0x05 0x0a 0x6f 0x00 0xff 0xff' ;;
  ecc) rec='0x02 0x20 0x00 0x04 0x0c 0x0c 0x6f 0x00 0xff 0xff' ;;      # DIMM A1 correctable ECC
  ecc-uncorrectable) rec='0x02 0x20 0x00 0x04 0x0c 0x0c 0x6f 0x01 0xff 0xff' ;;
  watchdog) rec='0x02 0x20 0x00 0x04 0x23 0x00 0x6f 0x01 0xff 0xff' ;; # watchdog hard reset
  log-cleared) rec='0x02 0x20 0x00 0x04 0x10 0x0d 0x6f 0x02 0xff 0xff' ;; # "Log area reset/cleared"
  oem) rec='0xc1 0xd9 0x7e 0x00 0x01 0x02 0x03 0x04 0x05 0x06' ;;      # OEM timestamped, mfg 32473
  *) die "unknown SEL kind '$1' (fleet.sh sel-kinds)" ;;
  esac
  local -a b
  read -r -a b <<<"$rec"
  # sel_add ADDR TYPE TS0..TS3 (overwritten by the BMC clock) then the 9 remaining bytes.
  printf 'sel_add 0x20 %s 0 0 0 0 %s\n' "${b[0]}" "${b[*]:1}"
}

cmd_sel_kinds() {
  printf '%s\n' temp temp-ok fan fan-ok voltage psu psu-ok ac-lost intrusion ecc \
    ecc-uncorrectable watchdog log-cleared oem
}

cmd_sel() {
  local i=${1:-} op=${2:-} k rec count added=0
  need_index "$i"
  case $op in
  add)
    rec=$(sel_record "${3:-temp}")
    count=${4:-1}
    is_uint "$count" && [ "$count" -ge 1 ] || die "sel add: COUNT must be a positive number"
    local cmds=()
    for ((k = 0; k < count; k++)); do cmds+=("$rec"); done
    console_run "$i" "${cmds[@]}"
    ;;
  clear)
    ipmitool_for "$i" sel clear >/dev/null || die "bmc$i: sel clear failed"
    [ "${3:-}" != --marker ] || console_run "$i" "$(sel_record log-cleared)" >/dev/null
    echo "bmc$i: SEL cleared"
    ;;
  fill)
    rec=$(sel_record temp)
    console_open "$i"
    for ((k = 0; k <= SEL_MAX + 1000; k++)); do
      if ! console_send "$i" "$rec"; then
        [[ $CON_REPLY == *'Unable to add'* ]] && break
        console_close
        die "bmc$i: sel fill failed: $CON_REPLY"
      fi
      added=$((added + 1))
    done
    console_close
    echo "bmc$i: SEL full after adding $added entries"
    ;;
  *) die "usage: sel I add KIND [COUNT] | sel I clear [--marker] | sel I fill" ;;
  esac
}

# New password: first line of stdin (or IPMI_FLEET_NEW_PASSWORD). Live: Set User Password over
# IPMI via `ipmitool exec FILE` (the command sits in a 0600 file, not on a command line); the
# BMC keeps it in its state directory, and lan.conf is updated to match. --restart: lan.conf
# only, persisted users dropped, then the BMC restarts with the new password.
cmd_passwd() {
  local i=${1:-} mode=${2:-live} d pw
  need_index "$i"
  [[ $mode == live || $mode == --restart ]] || die "usage: passwd I [--restart]  (password on stdin)"
  d=$FLEET_HOME/bmc$i
  load_ident "$i"
  if [ -n "${IPMI_FLEET_NEW_PASSWORD:-}" ]; then pw=$IPMI_FLEET_NEW_PASSWORD; else
    IFS= read -r pw || true
  fi
  valid_password "$pw" || die "passwd: 1-16 characters of A-Z a-z 0-9 . _ + = @ % -"
  if [ "$mode" != --restart ] && live_pid "$i" >/dev/null; then
    printf 'user set password 2 %s\n' "$pw" >"$d/passwd.cmd"
    local rc=0
    ipmitool_for "$i" exec "$d/passwd.cmd" >"$d/passwd.log" 2>&1 || rc=$?
    rm -f "$d/passwd.cmd"
    [ $rc -eq 0 ] || die "bmc$i: password change over IPMI failed: $(cat "$d/passwd.log")"
    rm -f "$d/passwd.log"
    printf '%s' "$pw" >"$d/password"
    write_configs "$i"
    echo "bmc$i: password changed over IPMI"
  else
    printf '%s' "$pw" >"$d/password"
    # Users changed over IPMI persist in the state directory and would override lan.conf.
    rm -f "$d/state/ipmi_sim/$IDENT_NAME"/users* 2>/dev/null || true
    if live_pid "$i" >/dev/null; then
      cmd_restart "$i" >/dev/null
      echo "bmc$i: restarted with the new password"
    else
      write_configs "$i"
      echo "bmc$i: new password takes effect at the next start"
    fi
  fi
}

cmd_power() {
  local i=${1:-} d
  need_index "$i"
  d=$FLEET_HOME/bmc$i
  load_ident "$i"
  case ${2:-status} in
  on) echo 1 >"$d/power" ;;
  off) echo 0 >"$d/power" ;;
  status) ;;
  *) die "usage: power I on|off|status" ;;
  esac
  local power
  slurp power "$d/power"
  if [ "$power" = 0 ]; then echo "bmc$i: power off"; else echo "bmc$i: power on"; fi
}

cmd_dcmi() {
  local i=${1:-}
  need_index "$i"
  [ -n "${2:-}" ] || die "usage: dcmi I WATTS [MIN MAX AVG]"
  [ -f "$BUILD/dcmi-power.so" ] || die "the DCMI plug-in is not built (needs gcc and libopenipmi-dev)"
  shift
  console_run "$i" "dcmi_power $*"
}

cmd_ipmitool() {
  need_index "${1:-}"
  local i=$1
  shift
  ipmitool_for "$i" "$@"
}

cmd_freeipmi() {
  need_index "${1:-}"
  local i=$1 tool=${2:-} d
  [ -n "$tool" ] || die "usage: freeipmi I TOOL [ARGS...]"
  shift 2
  d=$FLEET_HOME/bmc$i
  load_ident "$i"
  mkdir -p "$FLEET_HOME/sdr-cache"
  case $tool in
  ipmi-sensors | ipmi-sel | ipmi-fru)
    set -- --sdr-cache-directory="$FLEET_HOME/sdr-cache" --sdr-cache-recreate --quiet-cache "$@"
    ;;
  esac
  timeout $((TIMEOUT * 3)) "$tool" -h "127.0.0.1:$IDENT_PORT" --config-file="$d/freeipmi.conf" \
    --session-timeout=$((TIMEOUT * 1000)) "$@"
}

# ---- main -------------------------------------------------------------------------------------

op=${1:-}
[ $# -eq 0 ] || shift
case $op in
build) cmd_build ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status ;;
list) cmd_list ;;
cmd) cmd_cmd "$@" ;;
sensor) cmd_sensor "$@" ;;
drift) cmd_drift "$@" ;;
sel) cmd_sel "$@" ;;
sel-kinds) cmd_sel_kinds ;;
kill) cmd_stop "${1:-x}" ;;
hang) cmd_signal STOP "$@" ;;
resume) cmd_signal CONT "$@" ;;
restart) cmd_restart "$@" ;;
passwd) cmd_passwd "$@" ;;
power) cmd_power "$@" ;;
dcmi) cmd_dcmi "$@" ;;
ipmitool) cmd_ipmitool "$@" ;;
freeipmi) cmd_freeipmi "$@" ;;
-h | --help | help | '') usage ;;
*) die "unknown command '$op' (fleet.sh help)" ;;
esac
