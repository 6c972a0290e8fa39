// ldns adapter: wire rdata from the linter's zone model to presentation text for pdns.
// SPDX-License-Identifier: MIT
#include "zone_render.hpp"

#include "core/rdata.hpp"

#include <fmt/format.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <vector>

namespace mxsteer::io {

namespace {

struct RrDeleter {
    void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
struct CharDeleter {
    void operator()(char* text) const noexcept { std::free(text); }
};
using CText = std::unique_ptr<char, CharDeleter>;

std::string type_mnemonic(std::uint16_t type) {
    const CText text{ldns_rr_type2str(static_cast<ldns_rr_type>(type))};
    return text ? std::string{text.get()} : fmt::format("TYPE{}", type);
}

// The rdata of one record as presentation text: ldns reads the record from wire form (with the
// root as a stand-in owner) and prints each rdata field.
std::string rdata_text(std::uint16_t type, lint::Rdata rdata) {
    std::vector<std::uint8_t> wire;
    wire.reserve(11 + rdata.size());
    wire.push_back(0); // owner: the root
    wire.push_back(static_cast<std::uint8_t>(type >> 8));
    wire.push_back(static_cast<std::uint8_t>(type & 0xff));
    wire.push_back(0);
    wire.push_back(1); // class IN
    wire.insert(wire.end(), {0, 0, 0, 0});
    wire.push_back(static_cast<std::uint8_t>(rdata.size() >> 8));
    wire.push_back(static_cast<std::uint8_t>(rdata.size() & 0xff));
    wire.insert(wire.end(), rdata.begin(), rdata.end());

    ldns_rr* raw = nullptr;
    std::size_t pos = 0;
    const ldns_status status =
        ldns_wire2rr(&raw, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER);
    const std::unique_ptr<ldns_rr, RrDeleter> rr{raw};
    if (status != LDNS_STATUS_OK || !rr) {
        throw std::runtime_error(fmt::format("cannot read {} rdata: {}", type_mnemonic(type),
                                             ldns_get_errorstr_by_id(status)));
    }
    std::string out;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
        const CText field{ldns_rdf2str(ldns_rr_rdf(rr.get(), i))};
        if (!field) {
            throw std::runtime_error(fmt::format("cannot print {} rdata", type_mnemonic(type)));
        }
        if (i > 0) {
            out += ' ';
        }
        out += field.get();
    }
    return out;
}

std::uint32_t soa_serial(const lint::Zone& zone) {
    for (const auto* soa : zone.records_at(zone.origin(), lint::rrtype::soa)) {
        const auto rdata = zone.rdata(*soa);
        // MNAME and RNAME, then SERIAL (RFC 1035 §3.3.13).
        std::size_t pos = 0;
        for (int name = 0; name < 2 && pos < rdata.size(); ++name) {
            while (pos < rdata.size() && rdata[pos] != 0) {
                pos += 1U + rdata[pos];
            }
            ++pos;
        }
        if (pos + 4 <= rdata.size()) {
            return (std::uint32_t{rdata[pos]} << 24) | (std::uint32_t{rdata[pos + 1]} << 16) |
                   (std::uint32_t{rdata[pos + 2]} << 8) | std::uint32_t{rdata[pos + 3]};
        }
    }
    return 0;
}

} // namespace

core::ServedZone render_zone(const lint::Zone& zone) {
    core::ServedZone out;
    out.name = zone.origin();
    out.serial = soa_serial(zone);
    out.records.reserve(zone.records().size());
    for (const auto& record : zone.records()) {
        out.records.push_back(
            core::ServedRecord{std::string{zone.owner(record)}, type_mnemonic(record.type),
                               rdata_text(record.type, zone.rdata(record)), record.ttl});
    }
    // Names that exist only because something lies below them (RFC 8020): pdns needs to know
    // them to answer NODATA rather than NXDOMAIN.
    for (std::uint32_t id = 0; id < zone.name_count(); ++id) {
        const std::string_view name = zone.name(id);
        if (zone.in_zone(name) && zone.records_at(name).empty()) {
            out.records.push_back(core::ServedRecord{std::string{name}, "ENT", "", 0});
        }
    }
    return out;
}

} // namespace mxsteer::io
