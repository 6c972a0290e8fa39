// The production geo database: a MaxMind DB (MMDB) file, GeoLite2/GeoIP2 Country or City or
// DB-IP lite, mapped read-only through libmaxminddb.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/geo.hpp"

#include <cstdint>
#include <memory>
#include <string>

struct MMDB_s; // libmaxminddb's handle; <maxminddb.h> stays in mmdb.cpp

namespace mxsteer::io {

class MmdbDatabase;

struct MmdbOpenResult {
    std::unique_ptr<MmdbDatabase> database; // set when the file is usable
    // Else why not, one line naming the file:
    // "cannot open geo database '/var/lib/GeoIP/GeoLite2-City.mmdb': <what was wrong>".
    std::string error;
};

// Largest file accepted: libmaxminddb 1.7 (Debian 12) sizes the sections with 32-bit arithmetic.
inline constexpr std::uint64_t max_mmdb_bytes = 0xffff'ffffU;

// An MMDB file opened with MMDB_MODE_MMAP. Read only: lookup() is safe from any number of
// threads at once. The file stays mapped until the object is destroyed, so replace a database
// by writing a new file and renaming it over the old one (as geoipupdate does), then open the
// new one; truncating or rewriting a mapped file in place makes reads fault (SIGBUS).
//
// Fields read, the same paths in GeoLite2, GeoIP2 and DB-IP lite files:
//   country.iso_code (else registered_country.iso_code) -> GeoRecord::country
//   continent.code                                      -> GeoRecord::continent
//   location.latitude, location.longitude (City files)  -> GeoRecord::latitude, longitude
// Codes are two ASCII letters, returned upper case; coordinates are degrees, finite and in
// range, and only set as a pair.
//
// Records are decoded by a bounded reader of our own instead of MMDB_get_value: Debian's
// libmaxminddb 1.7.1 recurses without limit when it skips nested data (fixed upstream in
// 1.13.0), so a crafted record could exhaust the stack. libmaxminddb still maps the file,
// reads the metadata (which open() checks the same way first) and walks the search tree.
class MmdbDatabase final : public core::GeoDatabase {
public:
    // Opens and checks `path`. Never throws for bad input: a missing, unreadable, empty,
    // truncated, corrupt or non-MMDB file, a directory, or a database without country data is
    // an error message. Accepted: database_type contains "Country", "City" or "Enterprise"
    // (GeoLite2-Country, GeoIP2-City, DBIP-Country-Lite, DBIP-City-Lite,
    // "DBIP-Location (compat=City)", GeoIP2-Enterprise, ...), and at least one of the first 16
    // records in tree order (lowest addresses first, following the IPv4 part of an IPv6 tree)
    // carries a country, registered country or continent. That refuses ASN, ISP and other
    // layouts early instead of answering "no record" for every client.
    [[nodiscard]] static MmdbOpenResult open(const std::string& path);

    ~MmdbDatabase() override;
    MmdbDatabase(const MmdbDatabase&) = delete;
    MmdbDatabase& operator=(const MmdbDatabase&) = delete;
    MmdbDatabase(MmdbDatabase&&) = delete;
    MmdbDatabase& operator=(MmdbDatabase&&) = delete;

    // The record of the database block that holds `address`, and that block's length in the
    // address's own family:
    // - IPv4 in an IPv6 database: the IPv4 subtree (::/96, which GeoLite2 and DB-IP files also
    //   alias at ::ffff:0:0/96); when it has no data there, ::ffff:a.b.c.d (files that keep
    //   IPv4 only in the mapped range). Lengths are the 128-bit netmask minus 96, and 0 when
    //   the tree decides above ::/96 (the whole IPv4 space shares the answer).
    // - IPv6 in an IPv4-only database: no record, block_length 0.
    // - An IPv6 Address that holds ::ffff:a.b.c.d is looked up as IPv4.
    // A record without country, continent or location is "no record". A corrupt record or
    // search tree is "no record" too, never an exception: block_length is the block's length
    // for a corrupt record, and the full address length when the tree walk itself failed.
    [[nodiscard]] core::GeoLookup lookup(const core::Address& address) const override;

    [[nodiscard]] const std::string& path() const { return path_; }
    // From the metadata: "GeoLite2-City", "DBIP-Country-Lite", ...
    [[nodiscard]] const std::string& database_type() const { return database_type_; }
    // When the file was built, seconds since 1970-01-01 UTC.
    [[nodiscard]] std::uint64_t build_epoch() const { return build_epoch_; }
    // 4 or 6: the address family of the search tree.
    [[nodiscard]] unsigned ip_version() const { return ip_version_; }

private:
    struct Closer {
        void operator()(MMDB_s* mmdb) const noexcept;
    };

    MmdbDatabase(std::string path, std::unique_ptr<MMDB_s, Closer> mmdb, std::uint32_t data_size);

    std::string path_;
    std::unique_ptr<MMDB_s, Closer> mmdb_;
    std::uint32_t data_size_ = 0; // the data section without the metadata
    std::string database_type_;
    std::uint64_t build_epoch_ = 0;
    unsigned ip_version_ = 0;
};

} // namespace mxsteer::io
