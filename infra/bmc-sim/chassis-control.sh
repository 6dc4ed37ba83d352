#!/bin/sh
# chassis_control program for ipmi_sim (named in lan.conf). ipmi_sim runs it as
#   chassis-control.sh STATE-FILE get power [boot ...]      -> prints "power:1" ...
#   chassis-control.sh STATE-FILE set power 0|1 [...]
# and so `chassis power status|on|off|cycle` works. The power state lives in STATE-FILE
# (1 = on; missing file = on). Everything else (reset, identify, boot device) is accepted and
# ignored.
state=$1
op=$2
shift 2
case $op in
get)
  for what in "$@"; do
    case $what in
    power) printf 'power:%s\n' "$(cat "$state" 2>/dev/null || echo 1)" ;;
    boot) echo 'boot:default' ;;
    *) echo "unsupported parameter: $what"; exit 1 ;;
    esac
  done
  ;;
set)
  while [ $# -ge 2 ]; do
    [ "$1" = power ] && echo "$2" >"$state"
    shift 2
  done
  ;;
*) echo "unsupported operation: $op"; exit 1 ;;
esac
exit 0
