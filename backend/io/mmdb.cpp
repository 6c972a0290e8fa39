// MMDB files through libmaxminddb: checks before MMDB_open, a bounded record reader, lookups.
// SPDX-License-Identifier: MIT
#include "mmdb.hpp"

#include "core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <optional>
#include <span>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

namespace mxsteer::io {

namespace {

// The MaxMind DB format 2.0 (https://maxmind.github.io/MaxMind-DB/): search tree, 16 zero
// bytes, data section, then the metadata marker and the metadata, itself encoded like data.
constexpr std::string_view metadata_marker{"\xAB\xCD\xEF"
                                           "MaxMind.com"};
// libmaxminddb looks for the marker in the last 128 KiB only (METADATA_BLOCK_MAX_SIZE).
constexpr std::size_t metadata_search_bytes = std::size_t{128} * 1024;
constexpr std::uint64_t data_separator_bytes = 16;

// Data structures nest this deep at most. MaxMind's own data nests 4 levels (subdivisions ->
// map -> names -> string); libmaxminddb 1.7.1 recurses once per level when it skips data, so
// the metadata it reads must stay shallow too.
constexpr std::size_t max_depth = 32;
// Decode steps for one lookup (a GeoIP2 City record takes a few hundred) and for the metadata
// (at most 128 KiB, so at most that many items).
constexpr std::size_t lookup_budget = std::size_t{1} << 14;
constexpr std::size_t metadata_budget = std::size_t{1} << 18;

// open() decodes this many records, the first in tree order, to see that the file holds geo data.
constexpr std::size_t sample_records = 16;
constexpr std::size_t sample_nodes = 4096;

enum class DataType : std::uint8_t {
    pointer = 1,
    string = 2,
    float64 = 3,
    bytes = 4,
    uint16 = 5,
    uint32 = 6,
    map = 7,
    int32 = 8,
    uint64 = 9,
    uint128 = 10,
    array = 11,
    container = 12,
    end_marker = 13,
    boolean = 14,
    float32 = 15,
};

std::string_view type_name(DataType type) {
    switch (type) {
    case DataType::pointer:
        return "a pointer";
    case DataType::string:
        return "a string";
    case DataType::float64:
        return "a double";
    case DataType::bytes:
        return "bytes";
    case DataType::uint16:
        return "a uint16";
    case DataType::uint32:
        return "a uint32";
    case DataType::map:
        return "a map";
    case DataType::int32:
        return "an int32";
    case DataType::uint64:
        return "a uint64";
    case DataType::uint128:
        return "a uint128";
    case DataType::array:
        return "an array";
    case DataType::container:
        return "a data cache container";
    case DataType::end_marker:
        return "an end marker";
    case DataType::boolean:
        return "a boolean";
    case DataType::float32:
        return "a float";
    }
    return "an unknown type";
}

// One encoded item, as its control byte and size describe it.
struct Item {
    DataType type = DataType::map;
    // Payload bytes; the pairs of a map; the elements of an array; the value of a boolean.
    std::uint32_t size = 0;
    std::size_t start = 0; // the control byte
    std::size_t data = 0;  // the payload, the first child of a map or array, a pointer's target
    std::size_t end = 0;   // past the item's own bytes (for a map or array: its header)
};

// Reads the items of a data or metadata section. Every read is bounds-checked, nesting is capped
// at max_depth and the work at `budget` decode steps, and nothing recurses. The first problem is
// kept (error(), error_offset()); after it every call fails.
class Reader {
public:
    Reader(std::span<const std::uint8_t> section, std::size_t budget)
        : bytes_(section), budget_(budget) {}

    [[nodiscard]] bool ok() const { return error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] std::size_t error_offset() const { return error_offset_; }

    void fail(std::size_t offset, std::string message) {
        if (error_.empty()) {
            error_ = std::move(message);
            error_offset_ = offset;
        }
    }

    // The item at `offset`; a pointer is returned as a pointer.
    std::optional<Item> item(std::size_t offset) {
        if (!ok()) {
            return std::nullopt;
        }
        if (++steps_ > budget_) {
            fail(offset, fmt::format("takes more than {} decoding steps", budget_));
            return std::nullopt;
        }
        if (offset >= bytes_.size()) {
            fail(offset, fmt::format("offset {} is past the end of the section ({} bytes)", offset,
                                     bytes_.size()));
            return std::nullopt;
        }
        Item item;
        item.start = offset;
        std::size_t at = offset;
        const unsigned control = bytes_[at++];
        unsigned type = control >> 5U;
        if (type == 0) {
            if (at >= bytes_.size()) {
                return truncated(offset);
            }
            type = bytes_[at++] + 7U;
            if (type < 8 || type > 15) {
                fail(offset, fmt::format("unknown extended type {}", type - 7U));
                return std::nullopt;
            }
        }
        item.type = static_cast<DataType>(type);
        if (item.type == DataType::pointer) {
            const std::size_t length = ((control >> 3U) & 3U) + 1U;
            if (bytes_.size() - at < length) {
                return truncated(offset);
            }
            // 11, 19 and 27 bits start with the control byte's low 3 bits; 32 bits do not.
            std::uint32_t target = length == 4 ? 0U : (control & 7U);
            for (std::size_t i = 0; i < length; ++i) {
                target = (target << 8U) | bytes_[at + i];
            }
            constexpr std::array<std::uint32_t, 4> bias{0, 2048, 526336, 0};
            item.data = target + bias[length - 1];
            item.end = at + length;
            return item;
        }
        std::uint32_t size = control & 0x1fU;
        if (size >= 29) {
            const std::size_t length = size - 28U;
            if (bytes_.size() - at < length) {
                return truncated(offset);
            }
            std::uint32_t extra = 0;
            for (std::size_t i = 0; i < length; ++i) {
                extra = (extra << 8U) | bytes_[at + i];
            }
            constexpr std::array<std::uint32_t, 3> base{29, 285, 65821};
            size = base[length - 1] + extra;
            at += length;
        }
        item.size = size;
        item.data = at;
        item.end = at;
        switch (item.type) {
        case DataType::map:
        case DataType::array:
            return item;
        case DataType::boolean:
            if (size > 1) {
                fail(offset, fmt::format("boolean with value {}", size));
                return std::nullopt;
            }
            return item;
        case DataType::container:
        case DataType::end_marker:
            fail(offset, fmt::format("unexpected {}", type_name(item.type)));
            return std::nullopt;
        default:
            break;
        }
        if (!size_fits(item)) {
            fail(offset, fmt::format("{} of {} bytes", type_name(item.type), size));
            return std::nullopt;
        }
        if (bytes_.size() - at < size) {
            return truncated(offset);
        }
        item.end = at + size;
        return item;
    }

    // The item at `offset`, through a pointer if it is one.
    std::optional<Item> value(std::size_t offset) {
        const auto found = item(offset);
        if (!found || found->type != DataType::pointer) {
            return found;
        }
        const auto target = item(found->data);
        if (target && target->type == DataType::pointer) {
            fail(found->data, "pointer to a pointer");
            return std::nullopt;
        }
        return target;
    }

    // The offset just past the value at `offset`, pointers not followed.
    std::optional<std::size_t> skip(std::size_t offset) {
        // Items still to read at each nesting level: a loop instead of recursion.
        std::array<std::uint64_t, max_depth> pending{};
        std::size_t level = 0;
        pending[0] = 1;
        std::size_t at = offset;
        for (;;) {
            while (pending[level] == 0) {
                if (level == 0) {
                    return at;
                }
                --level;
            }
            const auto next = item(at);
            if (!next) {
                return std::nullopt;
            }
            --pending[level];
            at = next->end;
            const bool map = next->type == DataType::map;
            if ((map || next->type == DataType::array) && next->size > 0) {
                if (level + 1 >= max_depth) {
                    fail(next->start, fmt::format("data nested deeper than {} levels", max_depth));
                    return std::nullopt;
                }
                pending[++level] = map ? std::uint64_t{2} * next->size : next->size;
            }
        }
    }

    // The value at `offset`, which must be a string; `what` names it in the error.
    std::optional<std::string_view> string(std::size_t offset, std::string_view what) {
        const auto found = value(offset);
        if (!found) {
            return std::nullopt;
        }
        if (found->type != DataType::string) {
            fail(found->start,
                 fmt::format("{} is {}, expected a string", what, type_name(found->type)));
            return std::nullopt;
        }
        return text(*found);
    }

    // The value of the first `key` in `map`, through a pointer: nullopt when the key is absent
    // or on an error (ok() tells which).
    std::optional<Item> find(const Item& map, std::string_view key) {
        std::size_t at = map.data;
        for (std::uint32_t i = 0; i < map.size; ++i) {
            const auto name = string(at, "a map key");
            const auto raw = item(at);
            if (!name || !raw) {
                return std::nullopt;
            }
            if (*name == key) {
                return value(raw->end);
            }
            const auto next = skip(raw->end);
            if (!next) {
                return std::nullopt;
            }
            at = *next;
        }
        return std::nullopt;
    }

    [[nodiscard]] std::string_view text(const Item& item) const {
        return {reinterpret_cast<const char*>(bytes_.data() + item.data), item.size};
    }

    // An unsigned integer item (uint16, uint32 or uint64).
    [[nodiscard]] std::uint64_t unsigned_value(const Item& item) const {
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < item.size; ++i) {
            value = (value << 8U) | bytes_[item.data + i];
        }
        return value;
    }

    [[nodiscard]] double float_value(const Item& item) const {
        const auto raw = unsigned_value(item);
        if (item.type == DataType::float32) {
            return std::bit_cast<float>(static_cast<std::uint32_t>(raw));
        }
        return std::bit_cast<double>(raw);
    }

private:
    static bool size_fits(const Item& item) {
        switch (item.type) {
        case DataType::float64:
            return item.size == 8;
        case DataType::float32:
            return item.size == 4;
        case DataType::uint16:
            return item.size <= 2;
        case DataType::uint32:
        case DataType::int32:
            return item.size <= 4;
        case DataType::uint64:
            return item.size <= 8;
        case DataType::uint128:
            return item.size <= 16;
        default:
            return true;
        }
    }

    std::optional<Item> truncated(std::size_t offset) {
        fail(offset, fmt::format("item at offset {} runs past the end of the section ({} bytes)",
                                 offset, bytes_.size()));
        return std::nullopt;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t budget_;
    std::size_t steps_ = 0;
    std::string error_;
    std::size_t error_offset_ = 0;
};

// --- records ---

bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// `parent`.`key` of a record, a two-letter code: nullopt when absent or on an error.
std::optional<std::string> code_at(Reader& reader, const Item& record, std::string_view parent,
                                   std::string_view key) {
    const auto map = reader.find(record, parent);
    if (!map) {
        return std::nullopt;
    }
    if (map->type != DataType::map) {
        reader.fail(map->start,
                    fmt::format("{} is {}, expected a map", parent, type_name(map->type)));
        return std::nullopt;
    }
    const auto found = reader.find(*map, key);
    if (!found) {
        return std::nullopt;
    }
    if (found->type != DataType::string) {
        reader.fail(found->start, fmt::format("{}.{} is {}, expected a string", parent, key,
                                              type_name(found->type)));
        return std::nullopt;
    }
    const auto text = reader.text(*found);
    if (text.empty()) {
        return std::nullopt;
    }
    if (text.size() != 2 || !is_alpha(text[0]) || !is_alpha(text[1])) {
        reader.fail(found->start, fmt::format("{}.{} {} is not a two-letter code", parent, key,
                                              lint::quoted(text)));
        return std::nullopt;
    }
    std::string code{text};
    for (char& c : code) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return code;
}

// location.`key` in degrees, within ±`limit`: nullopt when absent or on an error.
std::optional<double> degrees(Reader& reader, const Item& location, std::string_view key,
                              double limit) {
    const auto found = reader.find(location, key);
    if (!found) {
        return std::nullopt;
    }
    if (found->type != DataType::float64 && found->type != DataType::float32) {
        reader.fail(found->start, fmt::format("location.{} is {}, expected a double", key,
                                              type_name(found->type)));
        return std::nullopt;
    }
    const double value = reader.float_value(*found);
    if (!std::isfinite(value) || std::fabs(value) > limit) {
        reader.fail(found->start,
                    fmt::format("location.{} {} is not within ±{}", key, value, limit));
        return std::nullopt;
    }
    return value;
}

// The fields mxsteerd uses from the record at `offset` of the data section; nullopt when the
// record is corrupt (reader.error() says why).
std::optional<core::GeoRecord> read_record(Reader& reader, std::size_t offset) {
    const auto root = reader.value(offset);
    if (!root) {
        return std::nullopt;
    }
    if (root->type != DataType::map) {
        reader.fail(root->start,
                    fmt::format("the record is {}, expected a map", type_name(root->type)));
        return std::nullopt;
    }
    core::GeoRecord record;
    auto country = code_at(reader, *root, "country", "iso_code");
    if (!country && reader.ok()) {
        country = code_at(reader, *root, "registered_country", "iso_code");
    }
    const auto continent = code_at(reader, *root, "continent", "code");
    const auto location = reader.find(*root, "location");
    if (!reader.ok()) {
        return std::nullopt;
    }
    if (location) {
        if (location->type != DataType::map) {
            reader.fail(location->start,
                        fmt::format("location is {}, expected a map", type_name(location->type)));
            return std::nullopt;
        }
        const auto latitude = degrees(reader, *location, "latitude", 90.0);
        const auto longitude = degrees(reader, *location, "longitude", 180.0);
        if (!reader.ok()) {
            return std::nullopt;
        }
        if (latitude && longitude) {
            record.latitude = latitude;
            record.longitude = longitude;
        }
    }
    record.country = country.value_or("");
    record.continent = continent.value_or("");
    return record;
}

bool useful(const core::GeoRecord& record) {
    return !record.country.empty() || !record.continent.empty() || record.latitude.has_value();
}

// --- metadata ---

struct Metadata {
    std::uint32_t node_count = 0;
    unsigned record_size = 0; // bits per record, two records per node
    unsigned ip_version = 0;
    std::string database_type;
    std::uint64_t build_epoch = 0;
};

// Reads the metadata map and checks what libmaxminddb 1.7.1's MMDB_open reads, as strictly as
// it does and more (MMDB_open recurses through nested values and leaks memory on some bad
// metadata): every key a string, every value well formed and at most max_depth deep, the
// required keys present with the right types and values.
std::optional<Metadata> read_metadata(Reader& reader) {
    const auto root = reader.value(0);
    if (!root) {
        return std::nullopt;
    }
    if (root->type != DataType::map) {
        reader.fail(0, fmt::format("the metadata is {}, expected a map", type_name(root->type)));
        return std::nullopt;
    }
    std::size_t at = root->data;
    for (std::uint32_t i = 0; i < root->size; ++i) {
        const auto key = reader.string(at, "a metadata key");
        const auto raw = reader.item(at);
        if (!key || !raw) {
            return std::nullopt;
        }
        const auto next = reader.skip(raw->end);
        if (!next) {
            return std::nullopt;
        }
        at = *next;
    }

    const auto field = [&reader, &root](std::string_view key,
                                        DataType type) -> std::optional<Item> {
        const auto found = reader.find(*root, key);
        if (!found) {
            if (reader.ok()) {
                reader.fail(0, fmt::format("no '{}'", key));
            }
            return std::nullopt;
        }
        if (found->type != type) {
            reader.fail(found->start, fmt::format("'{}' is {}, expected {}", key,
                                                  type_name(found->type), type_name(type)));
            return std::nullopt;
        }
        return found;
    };
    const auto number = [&reader, &field](std::string_view key,
                                          DataType type) -> std::optional<std::uint64_t> {
        const auto found = field(key, type);
        if (!found) {
            return std::nullopt;
        }
        return reader.unsigned_value(*found);
    };

    Metadata metadata;
    const auto node_count = number("node_count", DataType::uint32);
    if (!node_count) {
        return std::nullopt;
    }
    if (*node_count == 0) {
        reader.fail(0, "'node_count' is 0");
        return std::nullopt;
    }
    metadata.node_count = static_cast<std::uint32_t>(*node_count);
    const auto record_size = number("record_size", DataType::uint16);
    if (!record_size) {
        return std::nullopt;
    }
    if (*record_size != 24 && *record_size != 28 && *record_size != 32) {
        reader.fail(0, fmt::format("'record_size' is {}, expected 24, 28 or 32", *record_size));
        return std::nullopt;
    }
    metadata.record_size = static_cast<unsigned>(*record_size);
    const auto ip_version = number("ip_version", DataType::uint16);
    if (!ip_version) {
        return std::nullopt;
    }
    if (*ip_version != 4 && *ip_version != 6) {
        reader.fail(0, fmt::format("'ip_version' is {}, expected 4 or 6", *ip_version));
        return std::nullopt;
    }
    metadata.ip_version = static_cast<unsigned>(*ip_version);
    const auto type = field("database_type", DataType::string);
    if (!type) {
        return std::nullopt;
    }
    metadata.database_type = std::string{reader.text(*type)};
    const auto major = number("binary_format_major_version", DataType::uint16);
    if (!major) {
        return std::nullopt;
    }
    if (*major != 2) {
        reader.fail(0, fmt::format("'binary_format_major_version' is {}, expected 2", *major));
        return std::nullopt;
    }
    if (!number("binary_format_minor_version", DataType::uint16)) {
        return std::nullopt;
    }
    const auto epoch = number("build_epoch", DataType::uint64);
    if (!epoch) {
        return std::nullopt;
    }
    if (*epoch == 0) {
        reader.fail(0, "'build_epoch' is 0");
        return std::nullopt;
    }
    metadata.build_epoch = *epoch;

    // libmaxminddb copies these two lists of strings; anything else in them makes it fail
    // half way (1.7.1 leaks then).
    const auto languages = field("languages", DataType::array);
    if (!languages) {
        return std::nullopt;
    }
    at = languages->data;
    for (std::uint32_t i = 0; i < languages->size; ++i) {
        const auto raw = reader.item(at);
        if (!raw || !reader.string(at, "a language")) {
            return std::nullopt;
        }
        at = raw->end;
    }
    const auto description = field("description", DataType::map);
    if (!description) {
        return std::nullopt;
    }
    at = description->data;
    for (std::uint32_t i = 0; i < description->size; ++i) {
        const auto key = reader.item(at);
        if (!key || !reader.string(at, "a description language")) {
            return std::nullopt;
        }
        const auto text = reader.item(key->end);
        if (!text || !reader.string(key->end, "a description")) {
            return std::nullopt;
        }
        at = text->end;
    }
    return metadata;
}

// --- files ---

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

// Reads `size` bytes at `offset`; nullopt with errno set on failure.
std::optional<std::vector<std::uint8_t>> read_at(int fd, std::uint64_t offset, std::size_t size) {
    std::vector<std::uint8_t> bytes(size);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got =
            ::pread(fd, bytes.data() + done, size - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0) {
                errno = EIO; // the file shrank under us
            }
            return std::nullopt;
        }
        done += static_cast<std::size_t>(got);
    }
    return bytes;
}

// Where the metadata starts in `tail` (just past the last marker), as libmaxminddb finds it.
std::optional<std::size_t> find_metadata(std::span<const std::uint8_t> tail) {
    const std::string_view text{reinterpret_cast<const char*>(tail.data()), tail.size()};
    std::optional<std::size_t> found;
    for (std::size_t from = 0;;) {
        const auto at = text.find(metadata_marker, from);
        if (at == std::string_view::npos) {
            return found;
        }
        found = at + metadata_marker.size();
        from = *found;
    }
}

// "192.0.2.0/24" for the IPv4 part of either tree, else "2001:db8::/32".
std::string prefix_text(const std::array<std::uint8_t, 16>& bits, unsigned length,
                        unsigned ip_version) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const bool v4_subtree =
        ip_version == 6 && length >= 96 &&
        std::all_of(bits.begin(), bits.begin() + 12, [](std::uint8_t byte) { return byte == 0; });
    if (ip_version == 4 || v4_subtree) {
        const std::uint8_t* v4 = ip_version == 4 ? bits.data() : bits.data() + 12;
        ::inet_ntop(AF_INET, v4, text.data(), text.size());
        return fmt::format("{}/{}", text.data(), ip_version == 4 ? length : length - 96);
    }
    ::inet_ntop(AF_INET6, bits.data(), text.data(), text.size());
    return fmt::format("{}/{}", text.data(), length);
}

struct Sample {
    std::size_t records = 0;
    std::size_t usable = 0;
    std::string problem; // the first corrupt record or search tree node
};

// Decodes the first sample_records distinct records in tree order (depth first, lower
// addresses first).
Sample sample(const MMDB_s& mmdb, std::span<const std::uint8_t> data, unsigned ip_version) {
    struct Step {
        bool data = false;
        std::uint64_t value = 0; // a node number, or a record's data section offset
        unsigned depth = 0;
        std::array<std::uint8_t, 16> bits{};
    };
    const unsigned tree_depth = ip_version == 4 ? 32U : 128U;
    Sample result;
    std::vector<std::uint64_t> seen;
    std::vector<Step> stack{Step{}};
    std::size_t nodes = 0;
    while (!stack.empty() && nodes < sample_nodes && result.records < sample_records) {
        const Step step = stack.back();
        stack.pop_back();
        const auto where = prefix_text(step.bits, step.depth, ip_version);
        if (step.data) {
            if (std::find(seen.begin(), seen.end(), step.value) != seen.end()) {
                continue;
            }
            seen.push_back(step.value);
            ++result.records;
            Reader reader{data, lookup_budget};
            const auto record = read_record(reader, step.value);
            if (record && useful(*record)) {
                ++result.usable;
            } else if (!record && result.problem.empty()) {
                result.problem = fmt::format("the record of {} at data offset {}: {}", where,
                                             step.value, reader.error());
            }
            continue;
        }
        ++nodes;
        MMDB_search_node_s node{};
        const int status = MMDB_read_node(&mmdb, static_cast<std::uint32_t>(step.value), &node);
        if (status != MMDB_SUCCESS) {
            if (result.problem.empty()) {
                result.problem = fmt::format("search tree node {} ({}): {}", step.value, where,
                                             MMDB_strerror(status));
            }
            continue;
        }
        // Right first, so that the left (lower addresses) comes off the stack first.
        for (const bool right : {true, false}) {
            const std::uint64_t record = right ? node.right_record : node.left_record;
            const std::uint8_t type = right ? node.right_record_type : node.left_record_type;
            Step next;
            next.depth = step.depth + 1;
            next.bits = step.bits;
            if (right) {
                next.bits[step.depth / 8] |= static_cast<std::uint8_t>(0x80U >> (step.depth % 8));
            }
            if (type == MMDB_RECORD_TYPE_SEARCH_NODE && next.depth < tree_depth) {
                next.value = record;
                stack.push_back(next);
            } else if (type == MMDB_RECORD_TYPE_DATA) {
                next.data = true;
                next.value = (right ? node.right_record_entry : node.left_record_entry).offset;
                stack.push_back(next);
            } else if (type == MMDB_RECORD_TYPE_INVALID && result.problem.empty()) {
                result.problem = fmt::format("search tree node {} ({}) has an invalid record {}",
                                             step.value, where, record);
            }
        }
    }
    return result;
}

// --- lookups ---

struct TreeResult {
    bool ok = false; // the walk worked (else the search tree is corrupt)
    bool found = false;
    std::uint32_t offset = 0; // in the data section
    unsigned netmask = 0;     // in the tree's own address length
};

TreeResult walk(const MMDB_s& mmdb, const sockaddr* address) {
    int error = MMDB_SUCCESS;
    const MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&mmdb, address, &error);
    TreeResult out;
    out.ok = error == MMDB_SUCCESS;
    out.found = out.ok && result.found_entry;
    out.offset = result.entry.offset;
    out.netmask = result.netmask;
    return out;
}

TreeResult walk_v4(const MMDB_s& mmdb, const std::array<std::uint8_t, 4>& bytes) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    std::memcpy(&address.sin_addr, bytes.data(), bytes.size());
    return walk(mmdb, reinterpret_cast<const sockaddr*>(&address));
}

TreeResult walk_v6(const MMDB_s& mmdb, const std::array<std::uint8_t, 16>& bytes) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    std::memcpy(&address.sin6_addr, bytes.data(), bytes.size());
    return walk(mmdb, reinterpret_cast<const sockaddr*>(&address));
}

// A netmask of the tree as a block length of an address of `bits` bits: an IPv4 address in an
// IPv6 tree sits below ::/96 (shift 96), and a netmask above that covers all of IPv4.
std::uint8_t block_length(unsigned netmask, unsigned shift, unsigned bits) {
    if (netmask <= shift) {
        return 0;
    }
    return static_cast<std::uint8_t>(std::min(netmask - shift, bits));
}

core::GeoLookup answer(const TreeResult& tree, std::span<const std::uint8_t> data, unsigned shift,
                       unsigned bits) {
    core::GeoLookup out;
    if (!tree.ok) {
        // Nothing is known about the neighbours: the answer holds for this address only.
        out.block_length = static_cast<std::uint8_t>(bits);
        return out;
    }
    out.block_length = block_length(tree.netmask, shift, bits);
    if (!tree.found) {
        return out;
    }
    Reader reader{data, lookup_budget};
    auto record = read_record(reader, tree.offset);
    if (record && useful(*record)) {
        out.record = std::move(record);
    }
    return out;
}

bool is_ipv4_mapped(const std::array<std::uint8_t, 16>& bytes) {
    return std::all_of(bytes.begin(), bytes.begin() + 10, [](std::uint8_t b) { return b == 0; }) &&
           bytes[10] == 0xff && bytes[11] == 0xff;
}

} // namespace

void MmdbDatabase::Closer::operator()(MMDB_s* mmdb) const noexcept {
    MMDB_close(mmdb);
    delete mmdb; // NOLINT(cppcoreguidelines-owning-memory): allocated by open()
}

MmdbDatabase::MmdbDatabase(std::string path, std::unique_ptr<MMDB_s, Closer> mmdb,
                           std::uint32_t data_size)
    : path_(std::move(path)), mmdb_(std::move(mmdb)), data_size_(data_size) {}

MmdbDatabase::~MmdbDatabase() = default;

MmdbOpenResult MmdbDatabase::open(const std::string& path) {
    const auto refuse = [&path](std::string_view reason) {
        MmdbOpenResult result;
        result.error = fmt::format("cannot open geo database {}: {}", lint::quoted(path), reason);
        return result;
    };

    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    const FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
    if (file.get() < 0) {
        return refuse(errno_text(errno));
    }
    struct stat info {};
    if (::fstat(file.get(), &info) != 0) {
        return refuse(errno_text(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        return refuse("is a directory, expected an MMDB file");
    }
    if (!S_ISREG(info.st_mode)) {
        return refuse("is not a regular file, expected an MMDB file");
    }
    const auto size = static_cast<std::uint64_t>(info.st_size);
    if (size == 0) {
        return refuse("the file is empty, expected an MMDB file");
    }
    if (size > max_mmdb_bytes) {
        return refuse(fmt::format("the file has {} bytes, more than the {} this reader supports",
                                  size, max_mmdb_bytes));
    }

    const std::size_t tail_size =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, metadata_search_bytes));
    const std::uint64_t tail_start = size - tail_size;
    const auto tail = read_at(file.get(), tail_start, tail_size);
    if (!tail) {
        return refuse(fmt::format("cannot read it: {}", errno_text(errno)));
    }
    const auto metadata_at = find_metadata(*tail);
    if (!metadata_at) {
        return refuse(fmt::format("no MaxMind DB metadata marker in its last {} bytes: not an "
                                  "MMDB file, or a truncated one",
                                  tail_size));
    }
    const std::uint64_t metadata_start = tail_start + *metadata_at;
    const std::uint64_t marker_start = metadata_start - metadata_marker.size();
    if (*metadata_at == tail->size()) {
        return refuse(fmt::format("nothing follows the metadata marker at byte {}: the file is "
                                  "truncated",
                                  marker_start));
    }
    Reader metadata_reader{std::span{*tail}.subspan(*metadata_at), metadata_budget};
    const auto metadata = read_metadata(metadata_reader);
    if (!metadata) {
        return refuse(fmt::format("invalid metadata at byte {}: {}",
                                  metadata_start + metadata_reader.error_offset(),
                                  metadata_reader.error()));
    }
    const std::uint64_t tree_bytes =
        std::uint64_t{metadata->node_count} * metadata->record_size / 4;
    if (tree_bytes + data_separator_bytes > marker_start) {
        return refuse(fmt::format("the search tree ({} nodes of {}-bit records, {} bytes) and "
                                  "its {}-byte separator do not fit before the metadata marker "
                                  "at byte {}: the file is truncated or corrupt",
                                  metadata->node_count, metadata->record_size, tree_bytes,
                                  data_separator_bytes, marker_start));
    }
    const auto data_size =
        static_cast<std::uint32_t>(marker_start - tree_bytes - data_separator_bytes);

    // libmaxminddb maps the very file checked above: through /proc while the descriptor is
    // open, so a rename over `path` in between cannot swap it.
    const std::string via = fmt::format("/proc/self/fd/{}", file.get());
    struct stat same {};
    const bool by_fd =
        ::stat(via.c_str(), &same) == 0 && same.st_dev == info.st_dev && same.st_ino == info.st_ino;
    auto handle = std::make_unique<MMDB_s>();
    const int status = MMDB_open(by_fd ? via.c_str() : path.c_str(), MMDB_MODE_MMAP, handle.get());
    if (status != MMDB_SUCCESS) {
        const int failure = errno;
        if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) {
            return refuse(
                fmt::format("libmaxminddb: {}: {}", MMDB_strerror(status), errno_text(failure)));
        }
        return refuse(fmt::format("libmaxminddb: {}", MMDB_strerror(status)));
    }
    // MMDB_open succeeded: from here MMDB_close must run (after a failure it must not: 1.7.1
    // has already freed the handle's contents and would unmap twice).
    std::unique_ptr<MMDB_s, Closer> mmdb{handle.release()};
    if (static_cast<std::uint64_t>(mmdb->file_size) != size ||
        mmdb->metadata.node_count != metadata->node_count ||
        mmdb->metadata.ip_version != metadata->ip_version) {
        return refuse("the file changed while it was being opened");
    }

    const std::string_view type = metadata->database_type;
    const bool geo_type = type.find("Country") != std::string_view::npos ||
                          type.find("City") != std::string_view::npos ||
                          type.find("Enterprise") != std::string_view::npos;
    if (!geo_type) {
        return refuse(fmt::format("database_type {} has no country data, expected a Country or "
                                  "City database (GeoLite2, GeoIP2 or DB-IP lite)",
                                  lint::quoted(type)));
    }

    const std::span<const std::uint8_t> data{mmdb->data_section, data_size};
    const Sample checked = sample(*mmdb, data, metadata->ip_version);
    if (checked.usable == 0) {
        if (checked.records == 0) {
            return refuse(checked.problem.empty()
                              ? std::string{"the search tree holds no records"}
                              : fmt::format("no record could be read: {}", checked.problem));
        }
        std::string reason =
            fmt::format("no country, registered_country or continent in the {} records read "
                        "(the first in tree order): not a country or city database",
                        checked.records);
        if (!checked.problem.empty()) {
            reason += fmt::format(" (corrupt: {})", checked.problem);
        }
        return refuse(reason);
    }

    std::unique_ptr<MmdbDatabase> database{new MmdbDatabase(path, std::move(mmdb), data_size)};
    database->database_type_ = metadata->database_type;
    database->build_epoch_ = metadata->build_epoch;
    database->ip_version_ = metadata->ip_version;
    MmdbOpenResult result;
    result.database = std::move(database);
    return result;
}

core::GeoLookup MmdbDatabase::lookup(const core::Address& address) const {
    const std::span<const std::uint8_t> data{mmdb_->data_section, data_size_};
    std::array<std::uint8_t, 4> v4{};
    bool is_v4 = address.v4;
    if (is_v4) {
        std::copy_n(address.bytes.begin(), 4, v4.begin());
    } else if (is_ipv4_mapped(address.bytes)) {
        is_v4 = true;
        std::copy_n(address.bytes.begin() + 12, 4, v4.begin());
    }
    if (!is_v4) {
        if (ip_version_ == 4) {
            return {};
        }
        return answer(walk_v6(*mmdb_, address.bytes), data, 0, 128);
    }
    if (ip_version_ == 4) {
        return answer(walk_v4(*mmdb_, v4), data, 0, 32);
    }
    // libmaxminddb starts an IPv4 lookup at ::/96, where MaxMind and DB-IP keep IPv4 (and alias
    // ::ffff:0:0/96 to it). A file without data there may hold IPv4 at ::ffff:a.b.c.d only.
    const TreeResult direct = walk_v4(*mmdb_, v4);
    if (!direct.ok || direct.found) {
        return answer(direct, data, 96, 32);
    }
    std::array<std::uint8_t, 16> mapped{};
    mapped[10] = 0xff;
    mapped[11] = 0xff;
    std::copy(v4.begin(), v4.end(), mapped.begin() + 12);
    const TreeResult via_mapped = walk_v6(*mmdb_, mapped);
    core::GeoLookup out = answer(via_mapped, data, 96, 32);
    if (via_mapped.ok) {
        // The answer depends on both walks: it holds in the smaller of the two blocks.
        out.block_length = std::max(out.block_length, block_length(direct.netmask, 96, 32));
    }
    return out;
}

} // namespace mxsteer::io
