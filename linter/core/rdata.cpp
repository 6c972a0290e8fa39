// Wire-format rdata decoders; every length is checked before it is used.
// SPDX-License-Identifier: MIT
#include "rdata.hpp"

#include "name.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace mxsteer::lint {

std::string type_name(std::uint16_t type) {
    static constexpr std::array<std::pair<std::uint16_t, std::string_view>, 24> names{{
        {1, "A"},      {2, "NS"},      {5, "CNAME"},  {6, "SOA"},         {12, "PTR"},
        {13, "HINFO"}, {15, "MX"},     {16, "TXT"},   {28, "AAAA"},       {29, "LOC"},
        {33, "SRV"},   {35, "NAPTR"},  {39, "DNAME"}, {43, "DS"},         {46, "RRSIG"},
        {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},
        {64, "SVCB"},  {65, "HTTPS"},  {99, "SPF"},   {257, "CAA"},
    }};
    for (const auto& [code, name] : names) {
        if (code == type) {
            return std::string{name};
        }
    }
    return fmt::format("TYPE{}", type);
}

std::optional<MxRdata> decode_mx(Rdata rdata) {
    if (rdata.size() < 3) {
        return std::nullopt;
    }
    MxRdata mx;
    mx.preference = static_cast<std::uint16_t>((rdata[0] << 8) | rdata[1]);
    auto name = name_from_wire(rdata.subspan(2));
    if (!name || name->wire_length != rdata.size() - 2) {
        return std::nullopt;
    }
    mx.exchange = std::move(name->text);
    return mx;
}

std::optional<std::string> decode_name(Rdata rdata) {
    auto name = name_from_wire(rdata);
    if (!name || name->wire_length != rdata.size()) {
        return std::nullopt;
    }
    return std::move(name->text);
}

namespace {

// The length of the strings of TXT/SPF rdata joined; nullopt when a string runs past the end.
std::optional<std::size_t> joined_length(Rdata rdata) {
    std::size_t total = 0;
    for (std::size_t pos = 0; pos < rdata.size();) {
        const std::size_t len = rdata[pos];
        if (pos + 1 + len > rdata.size()) {
            return std::nullopt;
        }
        total += len;
        pos += 1 + len;
    }
    return total;
}

// Calls `take(octets)` for each string of well-formed TXT/SPF rdata, in order.
template <class Take>
void for_each_string(Rdata rdata, Take take) {
    for (std::size_t pos = 0; pos < rdata.size();) {
        const std::size_t len = rdata[pos];
        take(rdata.subspan(pos + 1, len));
        pos += 1 + len;
    }
}

} // namespace

std::optional<std::vector<std::string>> decode_strings(Rdata rdata) {
    if (!joined_length(rdata)) {
        return std::nullopt;
    }
    std::vector<std::string> out;
    for_each_string(rdata, [&out](Rdata octets) {
        out.emplace_back(reinterpret_cast<const char*>(octets.data()), octets.size());
    });
    return out;
}

std::string joined_text(Rdata rdata) {
    // One pass to validate and size, one to copy: no vector of strings. A malformed record
    // yields "", as decode_strings() would reject it.
    const auto total = joined_length(rdata);
    std::string out;
    if (!total) {
        return out;
    }
    out.reserve(*total);
    for_each_string(rdata, [&out](Rdata octets) {
        out.append(reinterpret_cast<const char*>(octets.data()), octets.size());
    });
    return out;
}

JoinedPrefix joined_prefix(Rdata rdata, std::span<char> buffer) {
    const auto total = joined_length(rdata);
    if (!total) {
        return {};
    }
    std::size_t used = 0;
    for_each_string(rdata, [&](Rdata octets) {
        const std::size_t take = std::min(octets.size(), buffer.size() - used);
        std::copy_n(octets.data(), take, buffer.data() + used);
        used += take;
    });
    return JoinedPrefix{std::string_view{buffer.data(), used}, used == *total};
}

std::optional<TlsaRdata> decode_tlsa(Rdata rdata) {
    if (rdata.size() < 3) {
        return std::nullopt;
    }
    TlsaRdata tlsa;
    tlsa.usage = rdata[0];
    tlsa.selector = rdata[1];
    tlsa.matching_type = rdata[2];
    tlsa.data.assign(rdata.begin() + 3, rdata.end());
    return tlsa;
}

} // namespace mxsteer::lint
