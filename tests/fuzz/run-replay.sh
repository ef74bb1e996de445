#!/bin/sh
# Replays the malformed-spec suite and the kept fuzz corpus through the
# fuzz target (a TAP test under make check).
exec "${top_builddir}/tests/fuzz/fuzz-spec" \
    "${top_srcdir}"/tests/unit/specs/*.yaml "${top_srcdir}"/tests/fuzz/corpus/*
