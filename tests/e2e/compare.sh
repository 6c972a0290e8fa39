#!/usr/bin/env bash
# compare.sh: pdns + mxsteerd must answer like pdns + its bind backend (the oracle), query by query.
# SPDX-License-Identifier: MIT
#
# Usage: compare.sh SOURCE_DIR CANDIDATE [ZONEFILE...]
#   CANDIDATE  the mxsteerd binary (served through the unix connector, or the pipe or http
#              connector with E2E_CONNECTOR=pipe|http), or the word "bind":
#              a second pdns + bind backend, which checks the harness itself (the query list,
#              the normalising, and that the oracle answers every query)
#   ZONEFILE   default: SOURCE_DIR/zones/*.zone and SOURCE_DIR/tests/e2e/zones/*.zone
#   compare.sh --list ZONEFILE...   prints the query list and exits (no server is started)
#
# Both pdns_server instances run on 127.0.0.1 with their caches off (E2E_CACHES=off), so each
# query reaches the backend. For every query both answers are normalised (lib.sh
# e2e_normalise: rcode, flags without the id, each section's records sorted, owner names
# lowercased) and must be equal. A difference prints a unified diff and fails, unless the query
# is listed with its explanation in tests/e2e/exceptions.txt. The oracle must answer every
# query: no SERVFAIL, no timeout.
#
# The query list, per zone, from `named-checkzone -D` (the canonical zone, one record a line):
# every (owner, type) pair; NODATA (each owner and each empty non-terminal with a type it
# lacks; this also follows every CNAME); NXDOMAIN below the apex and below every owner;
# names a wildcard covers (each of its types, a missing type, two labels deep); below each
# delegation (referrals) and its DS; each owner in mixed case; apex ANY (TCP after TC, and
# the TC answer itself), MX over TCP, MX with an EDNS client subnet (v4, v6), AXFR; and one
# name in no zone (REFUSED).
set -euo pipefail
E2E_HERE=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$E2E_HERE/lib.sh"

# canonical ZONEFILE: the zone as BIND reads it, one record a line, names absolute.
canonical() {
    local origin out
    origin=$(e2e_zone_origin "$1")
    command -v named-checkzone >/dev/null ||
        e2e_skip "named-checkzone is not installed (Debian package bind9-utils)"
    out=$(named-checkzone -D -o - "${origin%.}" "$1" 2>&1) ||
        e2e_die "named-checkzone rejects $1: $out"
    awk 'NF >= 4 && $3 == "IN"' <<<"$out"
}

# query_list ZONEFILE: one query a line: QNAME QTYPE [DIG-OPTION...].
query_list() {
    local origin
    origin=$(e2e_zone_origin "$1")
    canonical "$1" | awk -v apex="$origin" '
        function mixcase(s,   i, c, out, up) {
            out = ""
            up = 1
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c ~ /[A-Za-z]/) {
                    c = up ? toupper(c) : tolower(c)
                    up = !up
                }
                out = out c
            }
            return out
        }
        function parent(s) {
            sub(/^([^.\\]|\\.)*\./, "", s)
            return s
        }
        function missing(name,   i) {
            for (i = 1; i <= ncand; i++)
                if (!((name SUBSEP cand[i]) in has)) return cand[i]
            return "HINFO"
        }
        function emit(q) { if (!(q in seen)) { seen[q] = 1; print q } }
        BEGIN { ncand = split("A AAAA MX TXT SRV CAA NAPTR", cand, " ") }
        NF >= 4 && $3 == "IN" {
            name = $1
            if (!(name in owner)) { owner[name] = 1; order[++nowners] = name }
            if (!((name SUBSEP $4) in has)) { has[name, $4] = 1; pairs[++npairs] = name " " $4 }
            if ($4 == "NS" && tolower(name) != tolower(apex)) deleg[name] = 1
        }
        END {
            emit(apex " SOA")
            for (i = 1; i <= npairs; i++) emit(pairs[i])
            for (i = 1; i <= nowners; i++) {
                name = order[i]
                emit(name " " missing(name))
                if ((name SUBSEP "CNAME") in has) { emit(name " A"); emit(name " AAAA") }
                if (name !~ /^\*\./) emit("e2e-nx." name " A")
                emit(mixcase(name) " " ((name SUBSEP "A") in has ? "A" : missing(name)))
                # Empty non-terminals: ancestors below the apex that own nothing.
                for (p = parent(name); length(p) > length(apex); p = parent(p)) {
                    if (!(p in owner) && !(p in ent)) {
                        ent[p] = 1
                        emit(p " A")
                        emit(p " TXT")
                        emit("e2e-nx." p " A")
                    }
                }
                if (name ~ /^\*\./) {
                    base = substr(name, 3)
                    for (j = 1; j <= npairs; j++) {
                        split(pairs[j], f, " ")
                        if (f[1] == name) emit("e2e-wc." base " " f[2])
                    }
                    emit("e2e-wc." base " " missing(name))
                    emit("a.e2e-wc." base " A")
                    emit(mixcase("e2e-wc." base) " A")
                }
                if (name in deleg) {
                    emit("e2e-host." name " A")
                    emit("e2e-host." name " MX")
                    emit(name " DS")
                    emit(name " A")
                    emit(name " SOA")
                }
            }
            emit("e2e-nx." apex " A")
            emit("e2e-nx." apex " MX")
            emit(apex " ANY")
            emit(apex " ANY +notcp +ignore")
            emit(apex " MX +tcp")
            emit(apex " MX +subnet=192.0.2.0/24")
            emit(apex " MX +subnet=2001:db8::/56")
            emit(apex " AXFR")
        }'
}

if [[ ${1:-} == --list ]]; then
    shift
    for zone in "$@"; do
        query_list "$zone"
    done
    exit 0
fi

if [[ $# -lt 2 ]]; then
    echo "usage: $0 SOURCE_DIR CANDIDATE [ZONEFILE...]   (CANDIDATE: mxsteerd binary | bind)" >&2
    echo "       $0 --list ZONEFILE..." >&2
    exit 2
fi
SRC=$(realpath -- "$1")
CANDIDATE=$2
shift 2
if (($# > 0)); then
    zones=("$@")
else
    zones=("$SRC"/zones/*.zone "$SRC"/tests/e2e/zones/*.zone)
fi
EXCEPTIONS=$E2E_HERE/exceptions.txt

if [[ $CANDIDATE == bind ]]; then
    e2e_require_pdns bind
    cand_name=bind
else
    [[ -x $CANDIDATE ]] || e2e_die "mxsteerd binary '$CANDIDATE' is not executable"
    CANDIDATE=$(realpath -- "$CANDIDATE")
    e2e_require_pdns bind remote
    cand_name=mxsteerd
fi
e2e_init

for zone in "${zones[@]}"; do
    [[ -f $zone ]] || e2e_die "no zone file '$zone'"
    query_list "$zone"
done >"$E2E_TMP/queries.txt"
# One name in no zone served here: REFUSED from both.
echo "e2e-outside.invalid. A" >>"$E2E_TMP/queries.txt"
echo "queries: $(wc -l <"$E2E_TMP/queries.txt") over ${#zones[@]} zone(s)"

# exceptions: "QUERY | WHY" lines; the query exactly as in the list.
declare -A explained=()
if [[ -f $EXCEPTIONS ]]; then
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        query=${line%%|*}
        why=${line#*|}
        query=$(echo "$query" | xargs)
        why=$(echo "$why" | xargs)
        [[ $line == *"|"* && -n $why && -n $query ]] ||
            e2e_die "$EXCEPTIONS: '$line' is not 'QUERY | WHY'"
        explained[$query]=$why
    done <"$EXCEPTIONS"
fi

oracle_port=
cand_port=
e2e_start_pdns_bind oracle_port oracle "${zones[@]}"
if [[ $cand_name == bind ]]; then
    e2e_start_pdns_bind cand_port candidate "${zones[@]}"
else
    e2e_start_pdns_mxsteerd cand_port candidate "$CANDIDATE" "${zones[@]}"
fi

e2e_query_batch "$oracle_port" "$E2E_TMP/queries.txt" "$E2E_TMP/oracle.answers"
e2e_query_batch "$cand_port" "$E2E_TMP/queries.txt" "$E2E_TMP/$cand_name.answers"

# The oracle must serve each zone as BIND reads it: its AXFR (the closing SOA dropped) equals
# named-checkzone's canonical zone. A difference is a quirk of pdns's zone parser that the
# fixtures must avoid (pdns 4.7 leaves a relative NAPTR replacement unqualified, for one).
# pdns's AXFR of a zone that is not presigned leaves out RRSIG, DNSKEY, CDNSKEY and CDS
# (auth-4.7.3 tcpreceiver.cc doAXFR, unless direct-dnskey), whatever the backend: so do we.
zone_bad=0
for zone in "${zones[@]}"; do
    origin=$(e2e_zone_origin "$zone")
    n=$(grep -n -x -F -- "$origin AXFR" "$E2E_TMP/queries.txt" | cut -d: -f1)
    { echo '; <<>> DiG named-checkzone <<>> '; canonical "$zone"; } | e2e_normalise |
        awk '$4 !~ /^(RRSIG|DNSKEY|CDNSKEY|CDS)$/' | uniq >"$E2E_TMP/$origin.canonical"
    uniq -- "$E2E_TMP/oracle.answers/$n" >"$E2E_TMP/$origin.axfr"
    if ! diff -u --label "named-checkzone -D $origin" --label "oracle: $origin AXFR" \
        -- "$E2E_TMP/$origin.canonical" "$E2E_TMP/$origin.axfr"; then
        printf 'FAIL: pdns + bind backend does not serve %s as named-checkzone reads it\n' "$zone"
        zone_bad=$((zone_bad + 1))
    fi
done

total=0 equal=0 differ=0 excused=0 oracle_bad=0
declare -A used=()
while read -r -a q; do
    total=$((total + 1))
    key="${q[*]}"
    oracle=$(<"$E2E_TMP/oracle.answers/$total")
    cand=$(<"$E2E_TMP/$cand_name.answers/$total")
    if [[ $E2E_VERBOSE == 1 ]]; then
        printf '== %s\n%s\n' "$key" "$oracle"
    fi
    if [[ $oracle =~ (^|$'\n')(error: |status: SERVFAIL) ]]; then
        printf 'FAIL: the oracle does not answer %s:\n%s\n' "$key" "$oracle"
        oracle_bad=$((oracle_bad + 1))
    fi
    if [[ $oracle == "$cand" ]]; then
        equal=$((equal + 1))
        [[ -z ${explained[$key]+x} ]] || used[$key]=equal
        continue
    fi
    if [[ -n ${explained[$key]+x} ]]; then
        used[$key]=differs
        excused=$((excused + 1))
        printf 'explained difference: %s (%s)\n' "$key" "${explained[$key]}"
        continue
    fi
    differ=$((differ + 1))
    printf '\nDIFF: %s\n' "$key"
    diff -u --label "bind backend: $key" --label "$cand_name: $key" \
        -- "$E2E_TMP/oracle.answers/$total" "$E2E_TMP/$cand_name.answers/$total" || true
done <"$E2E_TMP/queries.txt"

for key in "${!explained[@]}"; do
    case ${used[$key]:-unused} in
    equal) printf 'note: exceptions.txt lists "%s" but both answers are equal now\n' "$key" ;;
    unused) printf 'note: exceptions.txt lists "%s", which is not in the query list\n' "$key" ;;
    esac
done

printf '\n%d queries: %d equal, %d explained differences, %d unexplained differences' \
    "$total" "$equal" "$excused" "$differ"
printf ', %d the oracle did not answer; %d zone(s) the oracle reads differently\n' \
    "$oracle_bad" "$zone_bad"
if ((differ > 0 || oracle_bad > 0 || zone_bad > 0)); then
    echo "FAILED"
    exit 1
fi
echo "PASSED"
