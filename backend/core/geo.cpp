// Addresses and prefixes: parsing, printing and bit arithmetic.
// SPDX-License-Identifier: MIT
#include "geo.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace mxsteer::core {

namespace {

constexpr std::array<std::uint8_t, 12> v4_mapped_head{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void clear_host_bits(Address& address, unsigned length) {
    const unsigned bytes = address.v4 ? 4U : 16U;
    for (unsigned i = 0; i < bytes; ++i) {
        const unsigned first_bit = i * 8;
        if (first_bit >= length) {
            address.bytes[i] = 0;
        } else if (first_bit + 8 > length) {
            const unsigned keep = length - first_bit;
            address.bytes[i] &= static_cast<std::uint8_t>(0xff00U >> keep);
        }
    }
}

} // namespace

std::optional<Address> parse_address(std::string_view text) {
    if (const auto percent = text.find('%'); percent != std::string_view::npos) {
        text = text.substr(0, percent); // fe80::1%eth0: the interface says nothing of place
    }
    if (text.empty() || text.size() > 45) {
        return std::nullopt;
    }
    char buffer[46];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    Address address;
    if (::inet_pton(AF_INET, buffer, address.bytes.data()) == 1) {
        address.v4 = true;
        return address;
    }
    if (::inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) {
        if (std::memcmp(address.bytes.data(), v4_mapped_head.data(), v4_mapped_head.size()) == 0) {
            std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
            std::memset(address.bytes.data() + 4, 0, 12);
            address.v4 = true;
            return address;
        }
        address.v4 = false;
        return address;
    }
    return std::nullopt;
}

std::optional<Prefix> parse_prefix(std::string_view text, bool allow_host_bits) {
    const auto slash = text.find('/');
    auto address = parse_address(text.substr(0, slash));
    if (!address || text.substr(0, slash).find('%') != std::string_view::npos) {
        return std::nullopt;
    }
    // A v4-mapped prefix (::ffff:192.0.2.0/120) counts its length in IPv6 bits.
    const bool mapped = address->v4 && text.substr(0, slash).find(':') != std::string_view::npos;
    unsigned length = address->bits();
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3) {
            return std::nullopt;
        }
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (ec != std::errc{} || end != digits.data() + digits.size()) {
            return std::nullopt;
        }
        if (mapped) {
            if (length < 96 || length > 128) {
                return std::nullopt;
            }
            length -= 96;
        }
        if (length > address->bits()) {
            return std::nullopt;
        }
    }
    Prefix prefix{*address, static_cast<std::uint8_t>(length)};
    clear_host_bits(prefix.address, length);
    if (!allow_host_bits && !(prefix.address == *address)) {
        return std::nullopt;
    }
    return prefix;
}

std::string to_string(const Address& address) {
    char buffer[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(address.v4 ? AF_INET : AF_INET6, address.bytes.data(), buffer, sizeof buffer);
    return buffer;
}

std::string to_string(const Prefix& prefix) {
    return to_string(prefix.address) + "/" + std::to_string(prefix.length);
}

bool contains(const Prefix& prefix, const Address& address) {
    if (prefix.address.v4 != address.v4) {
        return false;
    }
    return prefix_of(address, prefix.length).address == prefix.address;
}

Prefix prefix_of(const Address& address, std::uint8_t length) {
    Prefix prefix{address, length};
    clear_host_bits(prefix.address, length);
    return prefix;
}

Client parse_client(std::string_view remote, std::string_view real_remote) {
    for (const std::string_view given : {real_remote, remote}) {
        std::string text{given};
        if (const auto percent = text.find('%'); percent != std::string::npos) {
            text.erase(percent, text.find('/', percent) - percent); // fe80::1%eth0[/128]
        }
        auto prefix = parse_prefix(text, true);
        // A /0 source means "do not use my address": fall back to the resolver's own.
        // remote 0.0.0.0 is pdns looking up a zone for itself, with no client at all.
        if (!prefix || prefix->length == 0 || prefix->address == Address{{}, prefix->address.v4}) {
            continue;
        }
        return {prefix->address, prefix->length};
    }
    return {};
}

} // namespace mxsteer::core
