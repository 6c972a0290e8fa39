// Input rules: zone-missing-soa (RFC 1035 §5.2), cname-and-other-data (RFC 1034 §3.6.2,
// RFC 2181 §10.1).
// SPDX-License-Identifier: MIT
#include "../name.hpp"
#include "../rules.hpp"

#include <fmt/format.h>

#include <set>

namespace mxsteer::lint {

namespace {

// DNSSEC types may sit beside a CNAME (RFC 4035 §2.5 and RFC 2181 §10.1 as updated).
bool allowed_beside_cname(std::uint16_t type) {
    return type == rrtype::rrsig || type == rrtype::nsec || type == rrtype::nsec3;
}

} // namespace

std::vector<Diagnostic> check_input(const Zone& zone, const LintOptions& /*options*/) {
    std::vector<Diagnostic> out;
    // RFC 1035 §5.2: exactly one SOA, at the top of the zone.
    if (!zone.has_type(zone.origin(), rrtype::soa)) {
        out.push_back(make_zone_finding(
            "zone-missing-soa", zone,
            fmt::format("zone '{}' has no SOA record at its apex", zone.origin())));
    }
    // RFC 1034 §3.6.2: a CNAME owner has no other data; RFC 2181 §10.1: at most one CNAME.
    std::set<std::uint32_t> reported;
    for (const auto& record : zone.records()) {
        if (record.type != rrtype::cname || reported.contains(record.name)) {
            continue;
        }
        const auto owner = zone.owner(record);
        std::size_t cnames = 0;
        for (const Record* other : zone.records_at(owner)) {
            if (other->type == rrtype::cname) {
                if (++cnames > 1) {
                    out.push_back(
                        make_finding("cname-and-other-data", zone, *other,
                                     fmt::format("'{}' has more than one CNAME record", owner)));
                    reported.insert(record.name);
                }
            } else if (!allowed_beside_cname(other->type)) {
                out.push_back(make_finding(
                    "cname-and-other-data", zone, *other,
                    fmt::format("'{}' is an alias (CNAME) and cannot also own a {} record", owner,
                                type_name(other->type))));
                reported.insert(record.name);
            }
        }
    }
    return out;
}

} // namespace mxsteer::lint
