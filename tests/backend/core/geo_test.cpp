// Addresses, prefixes and the client that pdns describes.
// SPDX-License-Identifier: MIT
#include "core/geo.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace mxsteer::core;

TEST_CASE("addresses parse in both families, v4-mapped ones as IPv4, interface suffixes dropped") {
    struct Case {
        const char* text;
        const char* printed; // nullptr: refused
        bool v4;
    };
    const Case cases[] = {
        {"192.0.2.1", "192.0.2.1", true},
        {"2001:db8::1", "2001:db8::1", false},
        {"::ffff:192.0.2.7", "192.0.2.7", true},
        {"fe80::1%eth0", "fe80::1", false},
        {"::1", "::1", false},
        {"", nullptr, true},
        {"192.0.2", nullptr, true},
        {"192.0.2.256", nullptr, true},
        {"2001:db8:::1", nullptr, true},
        {"example.com", nullptr, true},
        {"192.0.2.1/24", nullptr, true},
        {"1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:aaaa:bbbb", nullptr, true},
    };
    for (const Case& c : cases) {
        CAPTURE(c.text);
        const auto address = parse_address(c.text);
        if (c.printed == nullptr) {
            CHECK_FALSE(address);
            continue;
        }
        REQUIRE(address);
        CHECK(address->v4 == c.v4);
        CHECK(to_string(*address) == c.printed);
    }
}

TEST_CASE("prefixes: host bits refused unless allowed, lengths checked per family") {
    CHECK(to_string(*parse_prefix("192.0.2.0/24")) == "192.0.2.0/24");
    CHECK(to_string(*parse_prefix("2001:db8::/32")) == "2001:db8::/32");
    CHECK(to_string(*parse_prefix("192.0.2.1")) == "192.0.2.1/32");
    CHECK(to_string(*parse_prefix("::ffff:192.0.2.0/120")) == "192.0.2.0/24");
    CHECK_FALSE(parse_prefix("192.0.2.1/24"));
    CHECK(to_string(*parse_prefix("192.0.2.77/25", true)) == "192.0.2.0/25");
    CHECK(to_string(*parse_prefix("192.0.2.200/25", true)) == "192.0.2.128/25");
    CHECK(to_string(*parse_prefix("0.0.0.0/0")) == "0.0.0.0/0");
    CHECK_FALSE(parse_prefix("192.0.2.0/33"));
    CHECK_FALSE(parse_prefix("2001:db8::/129"));
    CHECK_FALSE(parse_prefix("192.0.2.0/"));
    CHECK_FALSE(parse_prefix("192.0.2.0/-1"));
    CHECK_FALSE(parse_prefix("192.0.2.0/2x"));
    CHECK_FALSE(parse_prefix("192.0.2.0/0024"));
    CHECK_FALSE(parse_prefix("fe80::%eth0/64"));
    CHECK_FALSE(parse_prefix("::ffff:192.0.2.0/64"));
    CHECK(contains(*parse_prefix("192.0.2.0/24"), *parse_address("192.0.2.255")));
    CHECK_FALSE(contains(*parse_prefix("192.0.2.0/24"), *parse_address("192.0.3.0")));
    CHECK_FALSE(contains(*parse_prefix("::/0"), *parse_address("192.0.2.1")));
    CHECK(to_string(prefix_of(*parse_address("2001:db8:ffff::1"), 33)) == "2001:db8:8000::/33");
}

TEST_CASE("the client is real-remote, else remote, and /0 and pdns's own lookup know no client") {
    struct Case {
        const char* remote;
        const char* real_remote;
        const char* address; // nullptr: unknown
        int length;
    };
    const Case cases[] = {
        {"192.0.2.53", "198.51.100.0/24", "198.51.100.0", 24},
        {"192.0.2.53", "198.51.100.77/24", "198.51.100.0", 24}, // host bits as sent by some
        {"192.0.2.53", "192.0.2.53/32", "192.0.2.53", 32},
        {"192.0.2.53", "", "192.0.2.53", 32},
        {"192.0.2.53", "0.0.0.0/0", "192.0.2.53", 32}, // /0: the resolver's own address
        {"0.0.0.0", "0.0.0.0/0", nullptr, 0},          // pdns finding the zone
        {"0.0.0.0", "", nullptr, 0},
        {"", "", nullptr, 0},
        {"garbage", "also garbage", nullptr, 0},
        {"2001:db8::53", "2001:db8:1::/56", "2001:db8:1::", 56},
        {"::ffff:192.0.2.53", "", "192.0.2.53", 32},
        {"fe80::53%lo", "", "fe80::53", 128},
        {"192.0.2.53", "fe80::53%lo/64", "fe80::", 64},
        {"::", "::/0", nullptr, 0},
    };
    for (const Case& c : cases) {
        CAPTURE(c.remote);
        CAPTURE(c.real_remote);
        const Client client = parse_client(c.remote, c.real_remote);
        if (c.address == nullptr) {
            CHECK_FALSE(client.address);
            continue;
        }
        REQUIRE(client.address);
        CHECK(to_string(*client.address) == c.address);
        CHECK(client.source_length == c.length);
    }
}
