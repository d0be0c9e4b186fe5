#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make soak: SOAK_MINUTES (default 30) of randomized runs, stopping at the
# first failure with the command that reproduces it (docs/fuzzing.md).
#
#   tools/soak.sh [BUILD [FUZZ_BUILD]]
#
# Each round is one of, chosen and parametrized from SOAK_SEED (default:
# the clock; printed first, so a whole soak replays):
#   - dmakit run on a random built-in platform or fixture tree, with a
#     random seed and length, adversarial caches, relocation, a forced
#     or dynamic or small bounce pool;
#   - dmakit faults on a random platform with a random seed and length,
#     the first SOAK_FAULT_POINTS injection points;
#   - the DMA-API fuzzer: dma-fuzz (libFuzzer, FUZZ_BUILD) with a random
#     -seed, or dma-replay with a random mutation seed when there is no
#     libFuzzer build.
# One command at a time: the machine is shared.  While stderr is a
# terminal a line there says how long is left and what runs.  The exit
# status is 0 when every round passed, 1 at the first failure (its
# output is kept in BUILD/soak/failed.log), 2 for bad usage.
set -u

BUILD=${1:-build}
FUZZ_BUILD=${2:-build-fuzz}
MINUTES=${SOAK_MINUTES:-30}
SEED=${SOAK_SEED:-$(date +%s)}
POINTS=${SOAK_FAULT_POINTS:-25}
DMAKIT=$BUILD/dmakit

case $MINUTES in
'' | *[!0-9]*)
	echo "soak: SOAK_MINUTES must be a number of minutes, not '$MINUTES'" >&2
	exit 2
	;;
esac
case $SEED in
'' | *[!0-9]*)
	echo "soak: SOAK_SEED must be a number, not '$SEED'" >&2
	exit 2
	;;
esac
if [ ! -x "$DMAKIT" ]; then
	echo "soak: $DMAKIT not built (make all)" >&2
	exit 2
fi

work=$BUILD/soak
mkdir -p "$work"
platforms=$("$DMAKIT" run --list | awk '/^platforms:/ {p = 1; next}
	/^[a-z]+:/ {p = 0} p {print $1}')
# A tree whose /memory firmware fills in runs with 1 GiB (marked +mem).
trees=
for t in tests/data/dtb/*.dtb; do
	[ -f "$t" ] || continue
	if "$DMAKIT" run --platform "$t" --ops 1 2>&1 | grep -q -- '--mem SIZE'; then
		trees="$trees $t+mem"
	else
		trees="$trees $t"
	fi
done
if [ -x "$FUZZ_BUILD/fuzz/dma-fuzz" ]; then
	fuzzer=libfuzzer
	mkdir -p "$work/corpus" "$work/crashes"
	"$FUZZ_BUILD/fuzz/dma-replay" -w "$work/corpus" || exit 2
else
	fuzzer=replay
fi

# xorshift32 on SEED: the same SOAK_SEED gives the same rounds.
state=$((SEED % 4294967296))
[ "$state" -eq 0 ] && state=2463534242
rand() { # rand N: a number in [0, N)
	state=$(((state ^ (state << 13)) & 4294967295))
	state=$((state ^ (state >> 17)))
	state=$(((state ^ (state << 5)) & 4294967295))
	r=$((state % $1))
}
pick() { # pick WORDS...: one of them, in $r
	n=$#
	rand "$n"
	shift "$r"
	r=$1
}

tty=false
[ -t 2 ] && tty=true
start=$(date +%s)
end=$((start + MINUTES * 60))
rounds=0
nrun=0
nfaults=0
nfuzz=0
echo "soak: $MINUTES min, SOAK_SEED=$SEED, fuzzer: $fuzzer"

while [ "$(date +%s)" -lt "$end" ]; do
	rand 10
	kind=$r
	rand 1000000
	s=$((r + 1))
	if [ "$kind" -lt 6 ]; then
		# shellcheck disable=SC2086
		pick $platforms $trees
		target=$r
		rand 3000
		case $target in
		*+mem) target="${target%+mem} --mem 1G" ;;
		esac
		cmd="$DMAKIT run --platform $target --seed $s --ops $((r + 100))"
		rand 2
		[ "$r" -eq 1 ] && cmd="$cmd --adversarial"
		rand 2
		[ "$r" -eq 1 ] && cmd="$cmd --relocation"
		rand 4
		case $r in
		1) cmd="$cmd --force-bounce" ;;
		2) cmd="$cmd --swiotlb-dynamic" ;;
		3) case $target in *.dtb*) ;; *) cmd="$cmd --swiotlb 2M" ;; esac ;;
		esac
		nrun=$((nrun + 1))
	elif [ "$kind" -lt 8 ]; then
		# shellcheck disable=SC2086
		pick $platforms
		target=$r
		rand 4
		cmd="$DMAKIT faults --platform $target --seed $s --ops $((r + 1)) --max $POINTS -j 1"
		nfaults=$((nfaults + 1))
	else
		if [ $fuzzer = libfuzzer ]; then
			cmd="$FUZZ_BUILD/fuzz/dma-fuzz -seed=$s -runs=60 -timeout=60 -artifact_prefix=$work/crashes/ $work/corpus"
		else
			cmd="$BUILD/fuzz/dma-replay -n 2 -s $s"
		fi
		nfuzz=$((nfuzz + 1))
	fi
	rounds=$((rounds + 1))
	if $tty; then
		left=$((end - $(date +%s)))
		[ "$left" -lt 0 ] && left=0
		printf '\r\033[Ksoak: %d min %02d s left, round %d: %.60s' \
			$((left / 60)) $((left % 60)) "$rounds" "$cmd" >&2
	fi
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $cmd \
		>"$work/round.log" 2>&1; then
		$tty && printf '\r\033[K' >&2
		mv "$work/round.log" "$work/failed.log"
		echo "soak: round $rounds FAILED; reproduce with:"
		echo "  $cmd"
		echo "soak: its output is in $work/failed.log; the last lines:"
		tail -n 15 "$work/failed.log"
		exit 1
	fi
done
$tty && printf '\r\033[K' >&2
echo "soak: $rounds rounds in $((($(date +%s) - start) / 60)) min ($nrun dmakit run, $nfaults dmakit faults, $nfuzz dma fuzzer), 0 failures"
