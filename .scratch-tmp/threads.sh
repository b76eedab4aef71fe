#!/bin/bash
# samples per-thread CPU ticks of the bench's API process every second; prints the last sample per thread name
out=$1
while true; do
  pid=$(pgrep -f 'src/bin/api.ts' | head -1)
  [ -n "$pid" ] && break
  sleep 0.2
done
while kill -0 $pid 2>/dev/null; do
  snap=""
  for t in /proc/$pid/task/*; do
    s=$(cat $t/stat 2>/dev/null) || continue
    comm=$(echo "$s" | sed 's/^[0-9]* (\(.*\)) .*/\1/')
    rest=$(echo "$s" | sed 's/^.*) //')
    ut=$(echo $rest | cut -d' ' -f12); st=$(echo $rest | cut -d' ' -f13)
    nv=$(grep nonvoluntary_ctxt $t/status | awk '{print $2}')
    v=$(grep '^voluntary_ctxt' $t/status | awk '{print $2}')
    snap="$snap$(basename $t) $comm $ut $st v=$v nv=$nv\n"
  done
  printf "$snap" > $out
  sleep 1
done
