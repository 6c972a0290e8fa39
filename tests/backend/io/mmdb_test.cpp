// Tests of the MMDB geo database: every fixture block through IPv4, IPv6 and IPv4-mapped input
// with its block length, and hostile files that must give a clear error, never a crash.
// The fixtures come from tests/data/geo/write_mmdb.pl (see the block table there).
// SPDX-License-Identifier: MIT
#include "io/mmdb.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace mxsteer;

namespace {

std::string fixture(std::string_view name) {
    return std::string{MXSTEER_GEO_FIXTURES} + "/" + std::string{name};
}

// "192.0.2.1" is IPv4; any text with a colon stays IPv6 as written, ::ffff:192.0.2.1 included
// (core::parse_address would make that one IPv4; lookup() must handle both forms).
core::Address address(const std::string& text) {
    core::Address out;
    if (text.find(':') == std::string::npos) {
        REQUIRE(::inet_pton(AF_INET, text.c_str(), out.bytes.data()) == 1);
        out.v4 = true;
    } else {
        REQUIRE(::inet_pton(AF_INET6, text.c_str(), out.bytes.data()) == 1);
        out.v4 = false;
    }
    return out;
}

std::unique_ptr<io::MmdbDatabase> open_ok(const std::string& path) {
    auto opened = io::MmdbDatabase::open(path);
    INFO("error: " << opened.error);
    REQUIRE(opened.database != nullptr);
    CHECK(opened.error.empty());
    return std::move(opened.database);
}

// The error for `path`, which must name the file; `reason` must follow.
void check_refused(const std::string& path, std::string_view reason) {
    const auto opened = io::MmdbDatabase::open(path);
    CHECK(opened.database == nullptr);
    const std::string prefix = "cannot open geo database '" + path + "': ";
    INFO("error: " << opened.error);
    CHECK(opened.error.rfind(prefix, 0) == 0);
    CHECK(opened.error.find(reason) != std::string::npos);
    CHECK(opened.error.find('\n') == std::string::npos);
}

std::string read_file(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    REQUIRE(in);
    return {std::istreambuf_iterator<char>{in}, {}};
}

constexpr std::string_view marker{"\xAB\xCD\xEF"
                                  "MaxMind.com"};

// Where the metadata marker starts in an MMDB file's bytes.
std::size_t marker_at(const std::string& bytes) {
    const auto at = bytes.rfind(marker);
    REQUIRE(at != std::string::npos);
    return at;
}

// An unsigned metadata value, read the simple way: the key's string, then an integer item.
std::uint64_t metadata_number(const std::string& bytes, std::string_view key) {
    std::string encoded(1, static_cast<char>(0x40 | key.size()));
    encoded += key;
    const auto at = bytes.find(encoded, marker_at(bytes));
    REQUIRE(at != std::string::npos);
    std::size_t pos = at + encoded.size();
    auto control = static_cast<unsigned char>(bytes[pos++]);
    if ((control >> 5U) == 0) {
        ++pos; // extended type (uint64): the size stays in the control byte
    }
    std::uint64_t value = 0;
    for (unsigned i = 0; i < (control & 0x1fU); ++i) {
        value = (value << 8U) | static_cast<unsigned char>(bytes[pos + i]);
    }
    return value;
}

// Where the data section of an MMDB file starts.
std::size_t data_start(const std::string& bytes) {
    return metadata_number(bytes, "node_count") * metadata_number(bytes, "record_size") / 4 + 16;
}

// A scratch directory, removed at the end of the test.
class TempDir {
public:
    TempDir()
        : path_(std::filesystem::temp_directory_path() /
                ("mxsteer-mmdb-test-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] std::string write(const std::string& name, std::string_view bytes) const {
        const auto file = path_ / name;
        std::ofstream out{file, std::ios::binary | std::ios::trunc};
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return file.string();
    }
    [[nodiscard]] std::string path(const std::string& name) const {
        return (path_ / name).string();
    }

private:
    std::filesystem::path path_;
};

// One client and what the fixtures say about it. Lengths are the fixture's prefixes (see
// write_mmdb.pl); for addresses without data, the shortest prefix of the address that holds no
// fixture block.
struct Row {
    const char* client;
    const char* country;
    const char* continent;
    int block_length;
    std::optional<double> latitude = std::nullopt; // City shapes only
    std::optional<double> longitude = std::nullopt;
};

const std::vector<Row>& ipv4_rows() {
    static const std::vector<Row> rows{
        {"192.0.2.1", "DE", "EU", 24, 50.1, 8.7},
        {"192.0.2.255", "DE", "EU", 24, 50.1, 8.7},
        {"198.51.100.7", "US", "NA", 24, 39.0, -77.5},
        {"203.0.113.1", "JP", "AS", 25, 35.7, 139.7},
        {"203.0.113.127", "JP", "AS", 25, 35.7, 139.7},
        {"203.0.113.128", "SG", "AS", 25, 1.3, 103.8},
        {"127.0.1.1", "DE", "EU", 24, 50.1, 8.7},
        {"127.0.2.1", "US", "NA", 24, 39.0, -77.5},
        {"127.0.3.1", "JP", "AS", 24, 35.7, 139.7},
        // continent only
        {"127.0.4.1", "", "EU", 24},
        // no data: 127.0.0.0/24 holds no block, 127.0.0.0/23 holds 127.0.1.0/24
        {"127.0.0.1", nullptr, nullptr, 24},
        // no data: 127.0.8.0/21 holds no block, 127.0.0.0/20 holds 127.0.1.0/24
        {"127.0.8.1", nullptr, nullptr, 21},
    };
    return rows;
}

const std::vector<Row>& ipv6_rows() {
    static const std::vector<Row> rows{
        {"2001:db8:1::1", "DE", "EU", 48, 50.1, 8.7},
        {"2001:db8:1:ffff:ffff:ffff:ffff:ffff", "DE", "EU", 48, 50.1, 8.7},
        {"2001:db8:2::25", "US", "NA", 48, 39.0, -77.5},
        // continent only
        {"2001:db8:3::1", "", "EU", 48},
        // registered_country only: the country falls back to it
        {"2001:db8:4::1", "NL", "EU", 48},
        // no data: 2001:db8:8000::/33 holds no block, 2001:db8::/32 holds 2001:db8:1::/48
        {"2001:db8:ffff::1", nullptr, nullptr, 33},
    };
    return rows;
}

void check_row(const core::GeoDatabase& database, const core::Address& client, const Row& row,
               bool location) {
    const auto found = database.lookup(client);
    CHECK(found.block_length == row.block_length);
    if (row.country == nullptr) {
        CHECK_FALSE(found.record.has_value());
        return;
    }
    REQUIRE(found.record.has_value());
    CHECK(found.record->country == row.country);
    CHECK(found.record->continent == row.continent);
    if (location && row.latitude) {
        REQUIRE(found.record->latitude.has_value());
        REQUIRE(found.record->longitude.has_value());
        CHECK(*found.record->latitude == doctest::Approx(*row.latitude));
        CHECK(*found.record->longitude == doctest::Approx(*row.longitude));
    } else {
        CHECK_FALSE(found.record->latitude.has_value());
        CHECK_FALSE(found.record->longitude.has_value());
    }
}

// Every IPv4 row as IPv4 and as ::ffff:a.b.c.d, every IPv6 row (when the tree has IPv6).
void check_fixture(const core::GeoDatabase& database, bool location, bool ipv6) {
    for (const auto& row : ipv4_rows()) {
        INFO("client " << row.client);
        check_row(database, address(row.client), row, location);
        INFO("as ::ffff:" << row.client);
        check_row(database, address(std::string{"::ffff:"} + row.client), row, location);
    }
    for (const auto& row : ipv6_rows()) {
        INFO("client " << row.client);
        if (ipv6) {
            check_row(database, address(row.client), row, location);
        } else {
            // IPv6 in an IPv4-only tree: no record, and that holds for all of IPv6.
            const auto found = database.lookup(address(row.client));
            CHECK_FALSE(found.record.has_value());
            CHECK(found.block_length == 0);
        }
    }
}

} // namespace

TEST_CASE("mmdb: a GeoLite2-Country shaped file, IPv6 tree with IPv4 aliases") {
    const auto database = open_ok(fixture("geolite2-country.mmdb"));
    CHECK(database->database_type() == "GeoLite2-Country");
    CHECK(database->ip_version() == 6);
    CHECK(database->build_epoch() == 1'700'000'000);
    CHECK(database->path() == fixture("geolite2-country.mmdb"));
    check_fixture(*database, false, true);

    // IPv6 forms of IPv4 blocks keep IPv6 block lengths: ::/96 holds IPv4 (an IPv4-compatible
    // address), and 2002::/16 (6to4) is aliased to it, so 2002:c000:201:: is 192.0.2.1.
    check_row(*database, address("::192.0.2.1"), {"::192.0.2.1", "DE", "EU", 96 + 24}, false);
    check_row(*database, address("2002:c000:201::1"), {"2002:c000:201::1", "DE", "EU", 16 + 24},
              false);
}

TEST_CASE("mmdb: a GeoLite2-City shaped file has coordinates (28-bit records)") {
    const auto database = open_ok(fixture("geolite2-city.mmdb"));
    CHECK(database->database_type() == "GeoLite2-City");
    check_fixture(*database, true, true);
}

TEST_CASE("mmdb: a DB-IP city lite shaped file reads the same paths (32-bit records)") {
    // Its records add an array (subdivisions) and a boolean (is_in_european_union) to skip.
    const auto database = open_ok(fixture("dbip-city-lite.mmdb"));
    CHECK(database->database_type() == "DBIP-City-Lite");
    check_fixture(*database, true, true);
}

TEST_CASE("mmdb: an IPv4-only file has no record for IPv6 clients") {
    const auto database = open_ok(fixture("ipv4-country.mmdb"));
    CHECK(database->ip_version() == 4);
    check_fixture(*database, false, false);
}

TEST_CASE("mmdb: a file that keeps IPv4 at ::ffff:0:0/96 only") {
    // Nothing at ::/96, where libmaxminddb starts IPv4 lookups: lookup() tries ::ffff:a.b.c.d
    // and still reports IPv4 block lengths.
    const auto database = open_ok(fixture("mapped-country.mmdb"));
    check_fixture(*database, false, true);
}

TEST_CASE("mmdb: concurrent lookups agree with single-threaded ones") {
    const auto database = open_ok(fixture("geolite2-city.mmdb"));
    std::vector<core::Address> clients;
    std::vector<core::GeoLookup> expected;
    for (const auto& row : ipv4_rows()) {
        clients.push_back(address(row.client));
    }
    for (const auto& row : ipv6_rows()) {
        clients.push_back(address(row.client));
    }
    expected.reserve(clients.size());
    for (const auto& client : clients) {
        expected.push_back(database->lookup(client));
    }
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t) {
        threads.emplace_back([&database, &clients, &expected, &mismatches, t] {
            for (int round = 0; round < 200; ++round) {
                for (std::size_t i = 0; i < clients.size(); ++i) {
                    const auto found = database->lookup(clients[i]);
                    const bool same =
                        found.block_length == expected[i].block_length &&
                        found.record.has_value() == expected[i].record.has_value() &&
                        (!found.record || (found.record->country == expected[i].record->country &&
                                           found.record->latitude == expected[i].record->latitude));
                    mismatches[t] += same ? 0 : 1;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const int count : mismatches) {
        CHECK(count == 0);
    }
}

TEST_CASE("mmdb: databases without country data are refused") {
    SUBCASE("a GeoLite2-ASN file") {
        check_refused(fixture("asn.refused.mmdb"),
                      "database_type 'GeoLite2-ASN' has no country data, expected a Country or "
                      "City database");
    }
    SUBCASE("Country in the name, no country or continent in the records") {
        check_refused(fixture("no-geo.refused.mmdb"),
                      "no country, registered_country or continent in the 1 records read (the "
                      "first in tree order): not a country or city database");
    }
}

TEST_CASE("mmdb: files that are not there or not files") {
    const TempDir dir;
    SUBCASE("missing") {
        check_refused(dir.path("missing.mmdb"), "No such file or directory");
    }
    SUBCASE("a directory") {
        check_refused(dir.path(""), "is a directory, expected an MMDB file");
    }
    SUBCASE("a FIFO (opening must not wait for a writer)") {
        const auto path = dir.path("fifo.mmdb");
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        check_refused(path, "is not a regular file, expected an MMDB file");
    }
    SUBCASE("empty") {
        check_refused(dir.write("empty.mmdb", ""), "the file is empty, expected an MMDB file");
    }
    SUBCASE("one byte") {
        check_refused(dir.write("one.mmdb", "\xAB"),
                      "no MaxMind DB metadata marker in its last 1 bytes: not an MMDB file, or a "
                      "truncated one");
    }
}

TEST_CASE("mmdb: truncated files") {
    const TempDir dir;
    const std::string bytes = read_file(fixture("geolite2-city.mmdb"));
    const std::size_t marker_start = marker_at(bytes);
    const std::size_t metadata_start = marker_start + marker.size();

    // Cut before the marker is complete: there is no marker.
    for (const std::size_t size : {std::size_t{16}, bytes.size() / 4, bytes.size() / 2,
                                   marker_start, marker_start + 5, metadata_start - 1}) {
        INFO("cut at " << size);
        check_refused(dir.write("cut.mmdb", std::string_view{bytes}.substr(0, size)),
                      "no MaxMind DB metadata marker in its last");
    }
    // Cut right after the marker.
    check_refused(dir.write("cut.mmdb", std::string_view{bytes}.substr(0, metadata_start)),
                  "nothing follows the metadata marker at byte " + std::to_string(marker_start) +
                      ": the file is truncated");
    // Cut inside the metadata.
    for (const std::size_t size : {metadata_start + 1, metadata_start + 40,
                                   (metadata_start + bytes.size()) / 2, bytes.size() - 1}) {
        INFO("cut at " << size);
        check_refused(dir.write("cut.mmdb", std::string_view{bytes}.substr(0, size)),
                      "invalid metadata at byte ");
    }
    // The middle missing: the search tree no longer fits before the metadata.
    const std::string middle_missing = bytes.substr(0, 100) + bytes.substr(marker_start);
    check_refused(dir.write("cut.mmdb", middle_missing),
                  "and its 16-byte separator do not fit before the metadata marker at byte 100: "
                  "the file is truncated or corrupt");
}

TEST_CASE("mmdb: random bytes") {
    const TempDir dir;
    std::mt19937 random{20240607};
    std::string noise(std::size_t{64} * 1024, '\0');
    for (char& c : noise) {
        c = static_cast<char>(random() & 0xffU);
    }
    check_refused(dir.write("noise.mmdb", noise), "no MaxMind DB metadata marker in its last");
    // Random bytes around a marker: metadata that is not a valid map.
    for (int i = 0; i < 64; ++i) {
        for (char& c : noise) {
            c = static_cast<char>(random() & 0xffU);
        }
        const std::string file = noise.substr(0, 1000) + std::string{marker} + noise.substr(1000);
        INFO("round " << i);
        check_refused(dir.write("noise.mmdb", file), "invalid metadata at byte ");
    }
}

TEST_CASE("mmdb: corrupt sections of an otherwise valid file") {
    const TempDir dir;
    const std::string bytes = read_file(fixture("geolite2-country.mmdb"));
    const std::size_t data = data_start(bytes);
    const std::size_t marker_start = marker_at(bytes);
    REQUIRE(data < marker_start);

    SUBCASE("the whole data section overwritten") {
        std::string broken = bytes;
        std::fill(broken.begin() + static_cast<std::ptrdiff_t>(data),
                  broken.begin() + static_cast<std::ptrdiff_t>(marker_start), '\xff');
        check_refused(dir.write("broken.mmdb", broken),
                      "(the first in tree order): not a country or city database (corrupt: the "
                      "record of 127.0.1.0/24 at data offset ");
    }
    SUBCASE("the whole search tree overwritten") {
        std::string broken = bytes;
        std::fill(broken.begin(), broken.begin() + static_cast<std::ptrdiff_t>(data - 16), '\xff');
        check_refused(dir.write("broken.mmdb", broken),
                      "no record could be read: search tree node 0 (::/0) has an invalid record ");
    }
    SUBCASE("one record: its lookups give no record, the others still work") {
        // The string "SG" (control byte 0x42: a string of 2 bytes), shared by country and
        // registered_country of 203.0.113.128/25. 0x00 makes it an unknown extended type.
        std::string broken = bytes;
        const auto at = broken.find("\x42SG", data);
        REQUIRE(at != std::string::npos);
        REQUIRE(at < marker_start);
        broken[at] = '\0';
        const auto database = open_ok(dir.write("broken.mmdb", broken));
        const auto sg = database->lookup(address("203.0.113.200"));
        CHECK_FALSE(sg.record.has_value());
        CHECK(sg.block_length == 25);
        const auto jp = database->lookup(address("203.0.113.1"));
        REQUIRE(jp.record.has_value());
        CHECK(jp.record->country == "JP");
    }
    SUBCASE("a code that is not two letters") {
        std::string broken = bytes;
        const auto at = broken.find("\x42SG", data);
        REQUIRE(at != std::string::npos);
        broken[at + 1] = '1';
        const auto database = open_ok(dir.write("broken.mmdb", broken));
        CHECK_FALSE(database->lookup(address("203.0.113.200")).record.has_value());
    }
}

namespace {

// A little MMDB metadata encoder for hand-made metadata.
std::string encode_item(unsigned type, std::size_t size) {
    std::string out;
    const unsigned short_size = size < 29 ? static_cast<unsigned>(size) : 29U;
    if (type <= 7) {
        out += static_cast<char>((type << 5U) | short_size);
    } else {
        out += static_cast<char>(short_size);
        out += static_cast<char>(type - 7);
    }
    if (size >= 29) {
        out += static_cast<char>(size - 29); // sizes up to 284 are enough here
    }
    return out;
}
std::string encode_string(std::string_view text) {
    return encode_item(2, text.size()) + std::string{text};
}
std::string encode_number(unsigned type, std::uint64_t value, std::size_t bytes) {
    std::string out = encode_item(type, bytes);
    for (std::size_t i = bytes; i-- > 0;) {
        out += static_cast<char>((value >> (8 * i)) & 0xffU);
    }
    return out;
}
std::string encode_map(std::size_t pairs) {
    return encode_item(7, pairs);
}
std::string encode_array(std::size_t elements) {
    return encode_item(11, elements);
}

struct Field {
    std::string key;
    std::string value; // encoded
};

std::string metadata(const std::vector<Field>& fields) {
    std::string out = encode_map(fields.size());
    for (const auto& field : fields) {
        out += encode_string(field.key) + field.value;
    }
    return out;
}

std::vector<Field> valid_fields(std::uint64_t node_count) {
    return {
        {"binary_format_major_version", encode_number(5, 2, 2)},
        {"binary_format_minor_version", encode_number(5, 0, 2)},
        {"build_epoch", encode_number(9, 1'700'000'000, 8)},
        {"database_type", encode_string("GeoLite2-Country")},
        {"description", encode_map(1) + encode_string("en") + encode_string("hand-made metadata")},
        {"ip_version", encode_number(5, 6, 2)},
        {"languages", encode_array(1) + encode_string("en")},
        {"node_count", encode_number(6, node_count, 4)},
        {"record_size", encode_number(5, 24, 2)},
    };
}

} // namespace

TEST_CASE("mmdb: metadata is checked before libmaxminddb reads it") {
    const TempDir dir;
    const std::string bytes = read_file(fixture("geolite2-country.mmdb"));
    const std::size_t marker_start = marker_at(bytes);
    const std::uint64_t nodes = metadata_number(bytes, "node_count");
    REQUIRE(metadata_number(bytes, "record_size") == 24);
    const std::string body = bytes.substr(0, marker_start) + std::string{marker};
    // Every case gets its own file: they are all written before the checks.
    int files = 0;
    const auto write = [&dir, &files](const std::string& file) {
        return dir.write("metadata-" + std::to_string(files++) + ".mmdb", file);
    };
    const auto with = [&](const std::vector<Field>& fields) {
        return write(body + metadata(fields));
    };
    const auto replaced = [&](const std::string& key, const std::string& value) {
        auto fields = valid_fields(nodes);
        for (auto& field : fields) {
            if (field.key == key) {
                field.value = value;
            }
        }
        return with(fields);
    };

    // The hand-made metadata itself is fine.
    const auto database = open_ok(with(valid_fields(nodes)));
    CHECK(database->lookup(address("192.0.2.1")).record->country == "DE");

    struct Case {
        const char* name;
        std::string path;
        std::string reason;
    };
    const std::string at = "invalid metadata at byte ";
    // 40 maps, each with one key "x", around a string.
    std::string deep;
    for (int i = 0; i < 40; ++i) {
        deep += encode_map(1) + encode_string("x");
    }
    deep += encode_string("x");
    auto without_nodes = valid_fields(nodes);
    without_nodes.erase(without_nodes.begin() + 7);
    auto with_deep = valid_fields(nodes);
    with_deep.insert(with_deep.begin(), Field{"a", deep});
    const std::vector<Case> cases{
        {"no node_count", with(without_nodes), "no 'node_count'"},
        {"node_count of the wrong type", replaced("node_count", encode_number(5, 10, 2)),
         "'node_count' is a uint16, expected a uint32"},
        {"node_count 0", replaced("node_count", encode_number(6, 0, 4)), "'node_count' is 0"},
        {"record_size 30", replaced("record_size", encode_number(5, 30, 2)),
         "'record_size' is 30, expected 24, 28 or 32"},
        {"ip_version 5", replaced("ip_version", encode_number(5, 5, 2)),
         "'ip_version' is 5, expected 4 or 6"},
        {"format version 3", replaced("binary_format_major_version", encode_number(5, 3, 2)),
         "'binary_format_major_version' is 3, expected 2"},
        {"build_epoch 0", replaced("build_epoch", encode_number(9, 0, 8)), "'build_epoch' is 0"},
        {"a language that is a number",
         replaced("languages", encode_array(1) + encode_number(5, 1, 2)),
         "a language is a uint16, expected a string"},
        {"a description that is a map",
         replaced("description", encode_map(1) + encode_string("en") + encode_map(0)),
         "a description is a map, expected a string"},
        {"values nested 41 deep", with(with_deep), "data nested deeper than 32 levels"},
        {"a key that is a number", write(body + encode_map(1) + encode_number(5, 1, 2)),
         "a metadata key is a uint16, expected a string"},
        {"a map that claims more pairs than there are bytes",
         write(body + encode_item(7, 200) + encode_string("node_count")),
         "past the end of the section"},
        {"a search tree larger than the file",
         replaced("node_count", encode_number(6, 1'000'000, 4)),
         "the search tree (1000000 nodes of 24-bit records, 6000000 bytes) and its 16-byte "
         "separator do not fit before the metadata marker at byte " +
             std::to_string(marker_start)},
    };
    for (const auto& test : cases) {
        INFO(test.name);
        check_refused(test.path, test.reason);
    }
    // Each metadata error says at which byte of the file.
    check_refused(with(without_nodes), at + std::to_string(marker_start + marker.size()));
}

TEST_CASE("mmdb: huge sparse files") {
    const TempDir dir;
    SUBCASE("over 4 GiB") {
        const auto path = dir.write("huge.mmdb", "");
        std::filesystem::resize_file(path, std::uintmax_t{5} << 30U);
        check_refused(path, "the file has 5368709120 bytes, more than the 4294967295 this reader "
                            "supports");
    }
    SUBCASE("2 GiB of zeros") {
        const auto path = dir.write("zeros.mmdb", "");
        std::filesystem::resize_file(path, std::uintmax_t{2} << 30U);
        check_refused(path, "no MaxMind DB metadata marker in its last 131072 bytes");
    }
    SUBCASE("1 GiB of zeros, then a database") {
        // The metadata is found and valid, but the search tree it describes is all zeros.
        const std::string bytes = read_file(fixture("geolite2-country.mmdb"));
        const auto path = dir.write("padded.mmdb", "");
        std::filesystem::resize_file(path, std::uintmax_t{1} << 30U);
        {
            std::ofstream out{path, std::ios::binary | std::ios::app};
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        }
        check_refused(path,
                      "no record could be read: search tree node 0 (::/0) has an invalid record 0");
    }
}
