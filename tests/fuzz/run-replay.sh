#!/bin/sh
# Replays the malformed-spec suite and the kept fuzz corpora through the
# fuzz targets (one TAP test under make check).
"${top_builddir}/tests/fuzz/fuzz-spec" \
    "${top_srcdir}"/tests/unit/specs/*.yaml "${top_srcdir}"/tests/fuzz/corpus/* |
    sed '/^1\.\./d' >"${TMPDIR:-/tmp}/wf-replay.$$" || exit 1
n=$(wc -l <"${TMPDIR:-/tmp}/wf-replay.$$")
cat "${TMPDIR:-/tmp}/wf-replay.$$"
rm -f "${TMPDIR:-/tmp}/wf-replay.$$"
"${top_builddir}/tests/fuzz/fuzz-proto" "${top_srcdir}"/tests/fuzz/proto-corpus/* |
    awk -v n="$n" '/^ok/ { n++; sub(/^ok [0-9]+/, "ok " n); print } END { print "1.." n }'

