// Fuzz target: untrusted bytes as an MMDB geo database file, opened and queried.
// The input goes to a memfd, opened through /proc/self/fd like any path.
// SPDX-License-Identifier: MIT
#include "io/mmdb.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

mxsteer::core::Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    mxsteer::core::Address address;
    address.bytes[0] = a;
    address.bytes[1] = b;
    address.bytes[2] = c;
    address.bytes[3] = d;
    return address;
}

mxsteer::core::Address v6(const std::array<std::uint8_t, 16>& bytes) {
    mxsteer::core::Address address;
    address.bytes = bytes;
    address.v4 = false;
    return address;
}

bool is_code(const std::string& code) {
    return code.empty() || (code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' &&
                            code[1] >= 'A' && code[1] <= 'Z');
}

void check(const mxsteer::core::GeoDatabase& database, const mxsteer::core::Address& address) {
    const auto found = database.lookup(address);
    if (found.block_length > address.bits()) {
        std::abort();
    }
    if (!found.record) {
        return;
    }
    const auto& record = *found.record;
    if (!is_code(record.country) || !is_code(record.continent) ||
        record.latitude.has_value() != record.longitude.has_value() ||
        (record.latitude && (*record.latitude < -90.0 || *record.latitude > 90.0)) ||
        (record.longitude && (*record.longitude < -180.0 || *record.longitude > 180.0))) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fd = ::memfd_create("mmdb_fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = ::write(fd, data + written, size - written);
        if (n <= 0) {
            ::close(fd);
            return 0;
        }
        written += static_cast<std::size_t>(n);
    }
    const auto opened = mxsteer::io::MmdbDatabase::open("/proc/self/fd/" + std::to_string(fd));
    ::close(fd);
    // Exactly one of the two is set: a database, or the reason there is none.
    if ((opened.database != nullptr) == !opened.error.empty()) {
        std::abort();
    }
    if (!opened.database) {
        return 0;
    }
    const auto& database = *opened.database;
    // The fixture blocks, the space around them, and the IPv6 forms of IPv4.
    check(database, v4(192, 0, 2, 1));
    check(database, v4(198, 51, 100, 1));
    check(database, v4(203, 0, 113, 200));
    check(database, v4(127, 0, 1, 1));
    check(database, v4(127, 0, 8, 1));
    check(database, v4(0, 0, 0, 0));
    check(database, v4(255, 255, 255, 255));
    check(database, v6({0x20, 0x01, 0x0d, 0xb8, 0, 1}));
    check(database, v6({0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff}));
    check(database, v6({0x20, 0x02, 0xc0, 0, 0x02, 0x01}));
    check(database, v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}));
    check(database, v6({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0xff, 0xff}));
    // And addresses taken from the input, to reach other parts of the tree.
    if (size >= 20) {
        check(database, v4(data[0], data[1], data[2], data[3]));
        std::array<std::uint8_t, 16> bytes{};
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = data[4 + i];
        }
        check(database, v6(bytes));
    }
    return 0;
}
