// Zone: the records of one zone with the name index the rules query in O(1).
// SPDX-License-Identifier: MIT
#pragma once

#include "rdata.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

// One resource record. Names and rdata live in the owning Zone; ask it for them. 28 octets:
// the rules walk every record of a big zone several times.
struct Record {
    std::uint32_t name = 0; // index into the zone's names
    std::uint16_t type = 0;
    std::uint16_t file = 0; // index into Zone::files()
    std::uint32_t ttl = 0;
    std::uint32_t line = 0;   // 1-based line where the record starts
    std::uint32_t column = 0; // 1-based column where the record starts
    std::uint32_t rdata_offset = 0;
    std::uint16_t rdata_length = 0; // RDLENGTH is 16 bits (RFC 1035 §3.2.1)
};

// A zone built by a loader: add files and records, then finish() once. After finish() the zone
// is immutable and every query is a hash lookup plus a short scan of one name's records
// (wildcard and cut queries walk the ancestors of the queried name, bounded by its depth).
class Zone {
public:
    explicit Zone(std::string origin);

    // --- building ---
    // Sizes the containers for about `records` records holding `rdata_bytes` octets of rdata
    // under `names` distinct names: an estimate, not a limit.
    void reserve(std::size_t records, std::size_t rdata_bytes, std::size_t names);
    // Called with each large array the zone reserves, before it is first written: the loader
    // passes advise_huge_pages (huge_pages.hpp), since this class makes no system calls. None
    // by default.
    using MemoryAdvice = void (*)(void* data, std::size_t bytes);
    void set_memory_advice(MemoryAdvice advice) { advice_ = advice; }
    std::uint16_t add_file(std::string path);
    // `owner` must be canonical (lowercase, absolute). Returns the record index. Throws
    // std::invalid_argument for rdata over 65535 octets, and std::runtime_error past 4 GiB of
    // rdata or of owner names in one zone.
    std::uint32_t add(std::string_view owner, std::uint16_t type, std::uint32_t ttl, Rdata rdata,
                      std::uint16_t file, std::uint32_t line, std::uint32_t column);
    void finish();

    // --- queries ---
    [[nodiscard]] const std::string& origin() const { return origin_; }
    [[nodiscard]] std::span<const Record> records() const { return records_; }
    [[nodiscard]] std::span<const std::string> files() const { return files_; }
    [[nodiscard]] std::string_view owner(const Record& record) const;
    [[nodiscard]] Rdata rdata(const Record& record) const;
    [[nodiscard]] const std::string& file(const Record& record) const;

    // Records owned by `name` (canonical form), all types; empty when none.
    [[nodiscard]] std::vector<const Record*> records_at(std::string_view name) const;
    // Records of one type owned by `name`.
    [[nodiscard]] std::vector<const Record*> records_at(std::string_view name,
                                                        std::uint16_t type) const;
    [[nodiscard]] bool has_type(std::string_view name, std::uint16_t type) const;
    // True when the name owns records or is an empty non-terminal (RFC 8020 / RFC 4592 §2.2.2).
    [[nodiscard]] bool exists(std::string_view name) const;
    // True when the name is at or below the apex.
    [[nodiscard]] bool in_zone(std::string_view name) const;
    // True when the name is at or below a delegation (an NS set other than at the apex), so
    // this zone is not authoritative for it (RFC 1034 §4.2.1).
    [[nodiscard]] bool below_cut(std::string_view name) const;
    // The same for the owner of a record of this zone, without a name lookup.
    [[nodiscard]] bool below_cut(const Record& record) const;
    // For a name that does not exist: the wildcard owner that would synthesise it
    // (RFC 4592 §3.3.1), else nullopt.
    [[nodiscard]] std::optional<std::string> covering_wildcard(std::string_view name) const;
    // True when the apex has DNSKEY or any RRSIG is present.
    [[nodiscard]] bool dnssec_intent() const { return dnssec_intent_; }
    // True when some name's first label is "*" (covering_wildcard() can find something).
    [[nodiscard]] bool has_wildcards() const { return has_wildcards_; }

    // A name that receives mail: it owns an MX record other than the null MX (RFC 7505), is
    // in the zone and not below a cut. `first_mx` indexes records(): the name's first MX.
    struct MailDomainIds {
        std::uint32_t name = 0;
        std::uint32_t first_mx = 0;
    };
    // Every such name, in name order; computed once by finish().
    [[nodiscard]] std::span<const MailDomainIds> mail_domain_ids() const { return mail_domains_; }

    // Every name (owners and empty non-terminals) by index, 0 .. name_count() - 1; a
    // Record's `name` is such an index.
    [[nodiscard]] std::size_t name_count() const { return name_begin_.size() - 1; }
    // The index of a name (canonical form), nullopt when it is not in the zone's names.
    [[nodiscard]] std::optional<std::uint32_t> name_id(std::string_view name) const {
        return find(name);
    }
    [[nodiscard]] std::string_view name(std::uint32_t id) const {
        return std::string_view{name_text_}.substr(name_begin_[id],
                                                   name_begin_[id + 1] - name_begin_[id]);
    }

private:
    struct NameIndex {
        std::uint32_t first = 0; // into order_
        std::uint32_t count = 0;
        bool delegation = false;
        bool below_cut = false;
    };

    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view name) const;
    std::uint32_t intern(std::string_view name);
    void grow_slots(std::size_t names);
    void find_mail_domains();

    std::string origin_;
    std::vector<std::string> files_;
    std::vector<Record> records_;
    std::vector<std::uint8_t> rdata_;
    // Names back to back; name i is [name_begin_[i], name_begin_[i + 1]). Indices rather than
    // views, so growing the text moves nothing that is referenced.
    std::string name_text_;
    std::vector<std::uint32_t> name_begin_{0};
    // Open-addressing name index (linear probing, size a power of two): 0 for an empty slot,
    // else the high 32 bits of the name's hash above its index + 1, so that most probes are
    // decided without reading the name.
    std::vector<std::uint64_t> slots_;
    std::size_t last_interned_ = 0; // consecutive records usually share their owner
    std::vector<NameIndex> index_;
    std::vector<std::uint32_t> order_; // record indices sorted by name
    std::vector<MailDomainIds> mail_domains_;
    bool dnssec_intent_ = false;
    bool has_wildcards_ = false; // some name's first label is "*"
    bool finished_ = false;
    MemoryAdvice advice_ = nullptr;

    // Reserves `n` elements of `v` and passes them to advice_.
    template <class Container>
    void reserve_advised(Container& v, std::size_t n) {
        v.reserve(n);
        if (advice_ != nullptr) {
            advice_(v.data(), v.capacity() * sizeof(typename Container::value_type));
        }
    }
};

} // namespace mxsteer::lint
