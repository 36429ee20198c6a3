#!/bin/bash
# Postfix throughput with and without the vigie milter, side by side in one
# run: one private Postfix instance (root needed: its master runs as root)
# with three smtpd listeners on loopback —
#   none: no milter
#   tcp:  smtpd_milters = inet:127.0.0.1:PORT   (vigie mail milter)
#   unix: smtpd_milters = unix:vigie/milter.sock (vigie mail milter)
#   null: smtpd_milters = unix:vigie/null.sock   (bench/milter/nullmilter: the
#         same negotiation as vigie's, accepts every message unread — the
#         floor any milter costs Postfix on this machine)
# smtp-source (from the postfix package) sends MSGS messages over SESS
# parallel sessions to each listener in turn, ROUNDS times; accepted mail is
# discarded, so what is measured is the SMTP path through smtpd and the
# milter. Prints messages per second per round and the median of each, and
# the milter's cost relative to no milter.
#
#   bench/milter/bench-milter.sh                 # 600 messages, 6 sessions, 3 rounds
#   MSGS=2000 SESS=10 ROUNDS=5 bench/milter/bench-milter.sh
#   VIGIE=/path/to/vigie bench/milter/bench-milter.sh   # else built from this tree
set -euo pipefail
cd "$(dirname "$0")/../.."
MSGS=${MSGS:-600}
SESS=${SESS:-6}
ROUNDS=${ROUNDS:-3}
for bin in postfix smtp-source; do
  command -v $bin >/dev/null || { echo "$bin not found (apt-get install postfix)"; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "run as root: Postfix's master runs as root"; exit 2; }

D=$(mktemp -d /tmp/vigie-milter-bench.XXXXXX)
chmod 755 "$D"
VIGIE=${VIGIE:-$D/vigie}
[ -x "$VIGIE" ] || CGO_ENABLED=0 go build -o "$VIGIE" ./cmd/vigie
CGO_ENABLED=0 go build -o "$D/nullmilter" ./bench/milter/nullmilter
mkdir -p "$D"/{etc,spool,data,log}
chown postfix:postfix "$D/data"
install -d -o root -g postfix -m 0750 "$D/spool/vigie"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P_NONE=$(free_port); P_TCP=$(free_port); P_UNIX=$(free_port); P_NULL=$(free_port); P_MILTER=$(free_port)

pids=()
cleanup() {
  postfix -c "$D/etc" stop >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$D"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

# the milters: the default policy and indicator pack
"$VIGIE" mail milter --listen inet:127.0.0.1:$P_MILTER --protect en-marche.fr --host bench >"$D/log/milter-tcp.log" 2>&1 &
pids+=($!); PID_TCP=$!
"$VIGIE" mail milter --listen unix:$D/spool/vigie/milter.sock --protect en-marche.fr --host bench >"$D/log/milter-unix.log" 2>&1 &
pids+=($!); PID_UNIX=$!
"$D/nullmilter" "$D/spool/vigie/null.sock" >"$D/log/milter-null.log" 2>&1 &
pids+=($!); PID_NULL=$!

cat >"$D/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $D/spool
data_directory = $D/data
maillog_file = $D/log/maillog
maillog_file_prefixes = $D/log
myhostname = mx.bench.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains = example.test
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
default_transport = discard
relay_transport = discard
in_flow_delay = 0
milter_protocol = 6
milter_default_action = tempfail
milter_connect_macros = j {daemon_name} {daemon_addr} v _
milter_mail_macros = i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}
milter_rcpt_macros = i {rcpt_addr} {rcpt_host} {rcpt_mailer}
milter_end_of_data_macros = i
CF
cat >"$D/etc/master.cf" <<CF
127.0.0.1:$P_NONE inet n - n - - smtpd
127.0.0.1:$P_TCP inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$P_MILTER
127.0.0.1:$P_UNIX inet n - n - - smtpd -o smtpd_milters=unix:vigie/milter.sock
127.0.0.1:$P_NULL inet n - n - - smtpd -o smtpd_milters=unix:vigie/null.sock
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
CF
postfix -c "$D/etc" check
postfix -c "$D/etc" start >/dev/null
for p in $P_NONE $P_TCP $P_UNIX $P_NULL $P_MILTER; do
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done
for s in milter null; do
  for i in $(seq 1 100); do [ -S "$D/spool/vigie/$s.sock" ] && break; sleep 0.1; done
done

# a realistic message: a campaign newsletter with HTML and links (2.6 KB)
MSG="$D/message.txt"
{
  printf 'From: Equipe campagne <equipe@example.org>\nTo: staff@example.test\nSubject: Compte rendu de la reunion de jeudi\n'
  printf 'MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n'
  for i in $(seq 1 20); do
    printf '<p>Point %d : le programme du meeting, voir <a href="https://www.example.org/agenda/%d">l agenda</a> et la liste des benevoles.</p>\n' $i $i
  done
} >"$MSG"

cpu() { # pid -> CPU time used so far, in clock ticks
  awk '{print $14+$15}' /proc/$1/stat
}
MASTER=$(head -1 "$D/spool/pid/master.pid" | tr -d ' ')
pfcpu() { # CPU ticks used so far by Postfix: master, its children now alive,
  # and those that have exited (smtpd, cleanup... end after 100 uses; the
  # master reaps them, so their time is in its cutime and cstime)
  local t p
  t=$(awk '{print $14+$15+$16+$17}' /proc/$MASTER/stat)
  for p in $(pgrep -P "$MASTER"); do t=$((t + $(awk '{print $14+$15+$16+$17}' /proc/$p/stat 2>/dev/null || echo 0))); done
  echo $t
}
declare -A pf=([none]=0 [tcp]=0 [unix]=0 [null]=0) src=([none]=0 [tcp]=0 [unix]=0 [null]=0)
timed() { # name port: sets RATE (messages per second), adds Postfix's and smtp-source's CPU ticks to pf[name] and src[name]
  local a b
  a=$(pfcpu); RATE=$(send $2); b=$(pfcpu)
  pf[$1]=$(( ${pf[$1]} + b - a ))
  src[$1]=$(( ${src[$1]} + $(cat "$D/log/smtp-source.cpu") ))
}
send() { # port -> messages per second; smtp-source's CPU ticks in $D/log/smtp-source.cpu
  local t0 t1
  t0=$(date +%s.%N)
  smtp-source -s "$SESS" -m "$MSGS" -F "$MSG" -f equipe@example.org -t staff@example.test -M bench.client 127.0.0.1:$1 >"$D/log/smtp-source.out" 2>&1 ||
    { echo "smtp-source failed on port $1:" >&2; tail -3 "$D/log/smtp-source.out" >&2; tail -5 "$D/log/maillog" >&2; exit 1; }
  t1=$(date +%s.%N)
  # the shell's children's CPU (smtp-source: the only child of this subshell)
  awk '{print $16+$17}' /proc/$BASHPID/stat >"$D/log/smtp-source.cpu"
  python3 -c "print(f'{$MSGS/($t1-$t0):.0f}')"
}
# warm up
for p in $P_NONE $P_TCP $P_UNIX $P_NULL; do MSGS=60 send $p >/dev/null; done
declare -A res=([none]="" [tcp]="" [unix]="" [null]="")
echo "messages/s, $MSGS messages over $SESS sessions per run (Postfix $(postconf -d -h mail_version), $(nproc) CPUs)"
declare -A mil=([tcp]=0 [unix]=0 [null]=0)
for r in $(seq 1 "$ROUNDS"); do
  timed none $P_NONE; a=$RATE
  c0=$(cpu $PID_TCP); timed tcp $P_TCP; b=$RATE; mil[tcp]=$(( ${mil[tcp]} + $(cpu $PID_TCP) - c0 ))
  c0=$(cpu $PID_UNIX); timed unix $P_UNIX; c=$RATE; mil[unix]=$(( ${mil[unix]} + $(cpu $PID_UNIX) - c0 ))
  c0=$(cpu $PID_NULL); timed null $P_NULL; d=$RATE; mil[null]=$(( ${mil[null]} + $(cpu $PID_NULL) - c0 ))
  res[none]+="$a "; res[tcp]+="$b "; res[unix]+="$c "; res[null]+="$d "
  echo "round $r: none $a  milter-tcp $b  milter-unix $c  null-milter $d"
done
# CPU per message is what a loaded machine cannot hide: throughput on a
# busy box follows the CPU each message costs, and on 2 cores smtp-source,
# Postfix and the milter share them
ms() { python3 -c "print(f'{$1*1000/$(getconf CLK_TCK)/($ROUNDS*$MSGS):.2f}')"; }
echo "CPU per message (user+system), Postfix + milter (+ smtp-source):"
echo "  no milter:   Postfix $(ms ${pf[none]}) ms (+ $(ms ${src[none]}))"
for m in tcp unix null; do
  echo "  milter $m: Postfix $(ms ${pf[$m]}) ms + the milter $(ms ${mil[$m]}) ms (+ $(ms ${src[$m]}))"
done
python3 -c "
n=${pf[none]}+${src[none]}
for m, t in (('tcp', ${pf[tcp]}+${mil[tcp]}+${src[tcp]}), ('unix', ${pf[unix]}+${mil[unix]}+${src[unix]}), ('null', ${pf[null]}+${mil[null]}+${src[null]})):
    print(f'CPU-bound estimate, milter {m}: {100*n/t:.0f}% of the no-milter throughput (CPU of smtp-source, Postfix and the milter per message)')"
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mn=$(echo ${res[none]} | median); mt=$(echo ${res[tcp]} | median); mu=$(echo ${res[unix]} | median); m0=$(echo ${res[null]} | median)
echo "median: none $mn/s  milter-tcp $mt/s ($(( 100*mt/mn ))% of none)  milter-unix $mu/s ($(( 100*mu/mn ))% of none)  null-milter $m0/s ($(( 100*m0/mn ))% of none)"
warn=$(grep -c 'warning: milter' "$D/log/maillog" || true)
tf=$(grep -c 'milter-reject' "$D/log/maillog" || true)
echo "postfix milter warnings: $warn, milter rejects/tempfails: $tf"
