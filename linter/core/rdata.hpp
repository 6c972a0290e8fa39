// Decoders for the wire-format rdata the rules read (RFC 1035 §3.3, RFC 6698 §2.1).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

// RR type codes used by the rules (IANA "Resource Record (RR) TYPEs").
namespace rrtype {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t ns = 2;
inline constexpr std::uint16_t cname = 5;
inline constexpr std::uint16_t soa = 6;
inline constexpr std::uint16_t mx = 15;
inline constexpr std::uint16_t txt = 16;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t dname = 39;
inline constexpr std::uint16_t ds = 43;
inline constexpr std::uint16_t rrsig = 46;
inline constexpr std::uint16_t nsec = 47;
inline constexpr std::uint16_t dnskey = 48;
inline constexpr std::uint16_t nsec3 = 50;
inline constexpr std::uint16_t nsec3param = 51;
inline constexpr std::uint16_t tlsa = 52;
inline constexpr std::uint16_t spf = 99;
} // namespace rrtype

// Mnemonic of a type ("MX", "TYPE65534" for unknown ones, RFC 3597 §5).
[[nodiscard]] std::string type_name(std::uint16_t type);

using Rdata = std::span<const std::uint8_t>;

struct MxRdata {
    std::uint16_t preference = 0;
    std::string exchange; // canonical presentation form
};
[[nodiscard]] std::optional<MxRdata> decode_mx(Rdata rdata);

// A single domain name (CNAME, NS, DNAME).
[[nodiscard]] std::optional<std::string> decode_name(Rdata rdata);

// The <character-string>s of a TXT/SPF record, raw bytes; nullopt when malformed.
[[nodiscard]] std::optional<std::vector<std::string>> decode_strings(Rdata rdata);

// The strings of a TXT/SPF record concatenated without separators (RFC 7208 §3.3).
[[nodiscard]] std::string joined_text(Rdata rdata);

// The start of joined_text(rdata): its first `buffer.size()` octets at most, copied into
// `buffer`, so that a rule can tell which records it wants without building every record's
// text. `complete` when the view is the whole text. Malformed rdata gives "", complete, as
// joined_text() does.
struct JoinedPrefix {
    std::string_view text;
    bool complete = true;
};
[[nodiscard]] JoinedPrefix joined_prefix(Rdata rdata, std::span<char> buffer);

struct TlsaRdata {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching_type = 0;
    std::vector<std::uint8_t> data;
};
[[nodiscard]] std::optional<TlsaRdata> decode_tlsa(Rdata rdata);

} // namespace mxsteer::lint
