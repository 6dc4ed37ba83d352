#!/usr/bin/env bash
# Writes a 256-byte IPMI FRU image (common header + chassis, board and product info areas,
# IPMI Platform Management FRU Information Storage Definition v1.0) for one simulated server.
#
#   mkfru.sh OUT MANUFACTURER PRODUCT PART-NUMBER BOARD SERIAL [MFG-DATE-MINUTES]
#
# SERIAL becomes the product serial; the chassis and board serials are derived from it
# (CH-/BD- prefixes), the asset tag is AT-SERIAL. MFG-DATE-MINUTES: board manufacturing time in
# minutes since 1996-01-01 00:00 UTC. Strings are 8-bit ASCII, at most 63 bytes. Pure bash, so
# the fleet needs no Python.
set -euo pipefail
[ $# -ge 6 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
out=$1 manufacturer=$2 product=$3 part=$4 board=$5 serial=$6 mfg_minutes=${7:-14900000}

area=()
# Appends one type/length byte (0xC0 | length: 8-bit ASCII) and the string to area[].
add_field() {
  local s=$1 i c
  [ ${#s} -le 63 ] || { echo "mkfru: field too long: $s" >&2; exit 2; }
  area+=($((0xC0 | ${#s})))
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    area+=("$c")
  done
}
# Closes area[]: end marker 0xC1, pad to a multiple of 8 bytes with the checksum last, set the
# length byte (area[1], in 8-byte units).
close_area() {
  local sum=0 b
  area+=(0xC1)
  while (((${#area[@]} + 1) % 8)); do area+=(0); done
  area[1]=$(((${#area[@]} + 1) / 8))
  for b in "${area[@]}"; do sum=$((sum + b)); done
  area+=($(((256 - sum % 256) % 256)))
}

# Chassis info: version, length, type 0x17 (rack mount chassis), part number, serial.
area=(1 0 0x17)
add_field "CH-$part"
add_field "CH-$serial"
close_area
chassis=("${area[@]}")

# Board info: version, length, language 0 (English), manufacturing time (3 bytes, LE),
# manufacturer, product name, serial, part number, FRU file id.
area=(1 0 0 $((mfg_minutes & 0xff)) $(((mfg_minutes >> 8) & 0xff)) $(((mfg_minutes >> 16) & 0xff)))
add_field "$manufacturer"
add_field "$board"
add_field "BD-$serial"
add_field "$board-PN"
add_field ""
close_area
board_area=("${area[@]}")

# Product info: version, length, language, manufacturer, name, part/model, version, serial,
# asset tag, FRU file id.
area=(1 0 0)
add_field "$manufacturer"
add_field "$product"
add_field "$part"
add_field "A01"
add_field "$serial"
add_field "AT-$serial"
add_field ""
close_area
product_area=("${area[@]}")

# Common header: version 1, internal use 0, chassis/board/product offsets (8-byte units),
# multirecord 0, pad, checksum.
c_off=1
b_off=$((c_off + ${#chassis[@]} / 8))
p_off=$((b_off + ${#board_area[@]} / 8))
header=(1 0 "$c_off" "$b_off" "$p_off" 0 0)
sum=0
for b in "${header[@]}"; do sum=$((sum + b)); done
header+=($(((256 - sum % 256) % 256)))

image=("${header[@]}" "${chassis[@]}" "${board_area[@]}" "${product_area[@]}")
[ ${#image[@]} -le 256 ] || { echo "mkfru: image larger than 256 bytes" >&2; exit 2; }
while [ ${#image[@]} -lt 256 ]; do image+=(0); done
fmt=''
for b in "${image[@]}"; do
  printf -v o '\\0%03o' $((b))
  fmt+=$o
done
tmp="$out.tmp.$$"
printf '%b' "$fmt" >"$tmp"
mv -f "$tmp" "$out"
