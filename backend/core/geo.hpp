// Client addresses and the geography that places them: addresses, prefixes, and the interface
// of a geo database (an MMDB file in production, a table in tests).
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mxsteer::core {

// An IPv4 or IPv6 address. IPv4 is kept as 4 bytes (bytes[0..3]); an IPv4-mapped IPv6 address
// (::ffff:192.0.2.1) is IPv4.
struct Address {
    std::array<std::uint8_t, 16> bytes{};
    bool v4 = true;

    [[nodiscard]] unsigned bits() const { return v4 ? 32U : 128U; }
    friend bool operator==(const Address&, const Address&) = default;
};

// An address block: `address` with every bit past `length` zero.
struct Prefix {
    Address address;
    std::uint8_t length = 0; // 0..32 for IPv4, 0..128 for IPv6
    friend bool operator==(const Prefix&, const Prefix&) = default;
};

// "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" (-> IPv4), "fe80::1%eth0" (the zone is
// dropped); nullopt for anything else.
[[nodiscard]] std::optional<Address> parse_address(std::string_view text);
// "192.0.2.0/24", "2001:db8::/32"; a bare address is a full-length prefix. Host bits must be
// zero unless `allow_host_bits` (then they are cleared). nullopt for anything else.
[[nodiscard]] std::optional<Prefix> parse_prefix(std::string_view text,
                                                 bool allow_host_bits = false);
[[nodiscard]] std::string to_string(const Address& address);
[[nodiscard]] std::string to_string(const Prefix& prefix);
// Does `prefix` contain `address` (same family)?
[[nodiscard]] bool contains(const Prefix& prefix, const Address& address);
// The first `length` bits of `address`.
[[nodiscard]] Prefix prefix_of(const Address& address, std::uint8_t length);

// Who is asking, as pdns tells the backend: `real-remote` (the ECS source prefix when pdns runs
// with edns-subnet-processing=yes, else remote/32) or `remote`. nullopt address = nothing
// usable is known (absent, unparsable, or a /0 source).
struct Client {
    std::optional<Address> address;
    std::uint8_t source_length = 0; // bits of `address` the client vouched for
};

// real-remote wins when it is usable, else remote. A /0 real-remote (the client asked that its
// address not be used) falls back to remote; remote 0.0.0.0 (what pdns sends when it looks up
// a zone for itself) is no client at all.
[[nodiscard]] Client parse_client(std::string_view remote, std::string_view real_remote);

// What a geo database knows about one address.
struct GeoRecord {
    std::string country;   // ISO 3166-1 alpha-2, upper case ("DE"); empty when unknown
    std::string continent; // two-letter continent code ("EU"); empty when unknown
    std::optional<double> latitude;
    std::optional<double> longitude;
};

struct GeoLookup {
    std::optional<GeoRecord> record; // nullopt: the database has no data for the address
    // Length of the database's block that holds the address (and gives this same answer, also
    // when there is no record): every address in that block gets the same lookup result.
    std::uint8_t block_length = 0;
};

// A geo database, read only and safe to query from any thread.
class GeoDatabase {
public:
    virtual ~GeoDatabase() = default;
    [[nodiscard]] virtual GeoLookup lookup(const Address& address) const = 0;
};

} // namespace mxsteer::core
