# normalise.awk: dig output (one query, or a `dig -f` batch) -> one comparable text per query.
# SPDX-License-Identifier: MIT
#
# Usage: LC_ALL=C awk -f normalise.awk [-v outdir=DIR [-v names=FILE]] DIG-OUTPUT
# Each query's output starts at dig's "; <<>> DiG ... <<>> ARGS" line. Without outdir every
# result goes to stdout; with outdir the Nth query's result goes to DIR/N (N from 1), or to
# DIR/<line N of FILE> with names.
#
# A result:
#   error: ...        dig failed (no answer, transfer failed, unparsed line); first
#   status: RCODE     absent for AXFR
#   flags: qr aa ...  dig's order; the query id is dropped
#   ecs: PREFIX/SOURCE/SCOPE   the reply's EDNS client-subnet option, when it has one
#   answer: / authority: / additional:   each followed by its records, one a line:
#       "owner ttl class type rdata", owner lowercased, the fields separated by one space,
#       the rdata of the types that hold only names and numbers (NS CNAME DNAME PTR MX SRV
#       SOA) lowercased, sorted (C order). AXFR records are in answer.
# The rest of the OPT pseudo-section, the question and dig's comments are dropped.

function reset() {
    status = ""
    flags = ""
    ecs = ""
    errors = ""
    sec = "answer"
    split("", count)
    split("", rec)
    started = 1
}

# Insertion sort of rec[name, 1..count[name]]; sections are small.
function section_out(name,   i, j, n, v) {
    print name ":" > dest
    n = count[name] + 0
    for (i = 2; i <= n; i++) {
        v = rec[name, i]
        for (j = i - 1; j >= 1 && rec[name, j] > v; j--) rec[name, j + 1] = rec[name, j]
        rec[name, j + 1] = v
    }
    for (i = 1; i <= n; i++) print rec[name, i] > dest
}

function flush() {
    if (!started) return
    results++
    if (outdir == "") {
        dest = "/dev/stdout"
    } else if (names != "") {
        if ((getline dest < names) <= 0) dest = "unnamed." results
        dest = outdir "/" dest
    } else {
        dest = outdir "/" results
    }
    printf "%s", errors > dest
    if (status != "") print "status: " status > dest
    if (flags != "" || status != "") print "flags: " flags > dest
    if (ecs != "") print "ecs: " ecs > dest
    section_out("answer")
    section_out("authority")
    section_out("additional")
    if (outdir != "") close(dest)
    started = 0
}

/^; <<>> DiG .* <<>> / { flush(); reset(); next }
!started { next }
/^;; ->>HEADER<<-/ {
    status = $0
    sub(/.*status: /, "", status)
    sub(/,.*/, "", status)
    next
}
/^;; flags:/ {
    flags = $0
    sub(/^;; flags: */, "", flags)
    sub(/;.*/, "", flags)
    sub(/ +$/, "", flags)
    next
}
/^; CLIENT-SUBNET: / { ecs = $3; next }
/^;; ANSWER SECTION:/ { sec = "answer"; next }
/^;; AUTHORITY SECTION:/ { sec = "authority"; next }
/^;; ADDITIONAL SECTION:/ { sec = "additional"; next }
/^;; (OPT PSEUDOSECTION|QUESTION SECTION):/ { sec = ""; next }
/^; Transfer failed/ { errors = errors "error: transfer failed\n"; next }
/^;; (connection timed out|communications error|no servers could be reached)/ {
    errors = errors "error: no answer\n"
    next
}
/^;/ || /^[ \t]*$/ { next }
sec == "" { next }
{
    # dig pads owner, ttl, class and type with tabs, or one space when a field is too wide;
    # the rdata is the rest of the line (dig escapes any tab inside it).
    line = $0
    for (i = 1; i <= 4; i++) {
        if (!match(line, /^[^ \t]+[ \t]+/)) break
        fld[i] = substr(line, 1, RLENGTH)
        sub(/[ \t]+$/, "", fld[i])
        line = substr(line, RLENGTH + 1)
    }
    if (i <= 4 || line == "") {
        errors = errors "error: unparsed line: " $0 "\n"
        next
    }
    if (fld[4] ~ /^(NS|CNAME|DNAME|PTR|MX|SRV|SOA)$/) line = tolower(line)
    rec[sec, ++count[sec]] = tolower(fld[1]) " " fld[2] " " fld[3] " " fld[4] " " line
}
END { flush() }
