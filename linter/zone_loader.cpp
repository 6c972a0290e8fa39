// Master-file loader on libzscanner. Handles $INCLUDE itself so that loops, missing files and
// the include chain are reported, restarts the scanner after errors it cannot recover from, and
// checks what the scanner silently accepts (character-strings over 255 octets).
// SPDX-License-Identifier: MIT
#include "zone_loader.hpp"

#include "core/name.hpp"
#include "core/rule_table.hpp"
#include "core/text.hpp"
#include "huge_pages.hpp"

#include <fmt/format.h>
// libzscanner's headers have no C++ linkage guards.
extern "C" {
#include <libzscanner/scanner.h>
}

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace mxsteer::lint {

namespace {

constexpr std::size_t max_include_depth = 16;
constexpr std::size_t max_parse_errors = 1000;
constexpr std::uint32_t default_ttl = 3600;
constexpr std::uint16_t class_in = 1;

struct ScannerDeleter {
    void operator()(zs_scanner_t* s) const noexcept {
        zs_deinit(s);
        delete s;
    }
};
using Scanner = std::unique_ptr<zs_scanner_t, ScannerDeleter>;

} // namespace

std::string read_text_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(),
                                fmt::format("cannot open '{}'", path));
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw std::system_error(EISDIR, std::generic_category(),
                                fmt::format("cannot read '{}'", path));
    }
    // One read into a buffer of the file's size (a regular file); then read on in chunks until
    // end of file, for files that grow meanwhile and for pipes and devices (size 0).
    std::string out;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        reserve_huge(out, static_cast<std::size_t>(st.st_size));
        out.resize(static_cast<std::size_t>(st.st_size));
    }
    std::size_t used = 0;
    char chunk[65536];
    for (;;) {
        const bool into_out = used < out.size();
        char* dest = into_out ? out.data() + used : chunk;
        const std::size_t room = into_out ? out.size() - used : sizeof chunk;
        const ssize_t n = ::read(fd, dest, room);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            throw std::system_error(err, std::generic_category(),
                                    fmt::format("cannot read '{}'", path));
        }
        if (n == 0) {
            break;
        }
        if (!into_out) {
            out.append(chunk, static_cast<std::size_t>(n));
        }
        used += static_cast<std::size_t>(n);
    }
    out.resize(used);
    ::close(fd);
    return out;
}

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// The text of the line starting at `pos`, without the newline.
std::string_view line_at(std::string_view text, std::size_t pos) {
    const auto end = text.find('\n', pos);
    return text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

// 1-based column of the first character of a line that is not blank.
std::uint32_t first_column(std::string_view line) {
    const auto first = line.find_first_not_of(" \t");
    return first == std::string_view::npos ? 1 : static_cast<std::uint32_t>(first + 1);
}

std::string excerpt(std::string_view line) {
    while (!line.empty() && (is_blank(line.back()) || line.back() == '\n')) {
        line.remove_suffix(1);
    }
    constexpr std::size_t max = 60;
    std::string out = escape_bytes(line.substr(0, max));
    if (line.size() > max) {
        out += "...";
    }
    return out;
}

// Tokens of master-file text: quoted strings and bare words, comments and parentheses dropped.
// Each token carries its length in octets after unescaping (\DDD and \X count one).
struct Token {
    std::string_view text;
    std::size_t octets = 0;
};

// Calls `visit(token)` for each token in order until it returns false.
template <typename Visit>
void for_each_token(std::string_view text, Visit visit) {
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (is_blank(c) || c == '\n' || c == '(' || c == ')') {
            ++i;
            continue;
        }
        if (c == ';') {
            while (i < text.size() && text[i] != '\n') {
                ++i;
            }
            continue;
        }
        const bool quoted = c == '"';
        const std::size_t start = i;
        std::size_t octets = 0;
        if (quoted) {
            ++i;
        }
        while (i < text.size()) {
            const char d = text[i];
            if (quoted
                    ? d == '"'
                    : (is_blank(d) || d == '\n' || d == '(' || d == ')' || d == ';' || d == '"')) {
                break;
            }
            if (d == '\\' && i + 1 < text.size()) {
                const bool digits = i + 3 < text.size() &&
                                    std::isdigit(static_cast<unsigned char>(text[i + 1])) &&
                                    std::isdigit(static_cast<unsigned char>(text[i + 2])) &&
                                    std::isdigit(static_cast<unsigned char>(text[i + 3]));
                i += digits ? 4 : 2;
            } else {
                ++i;
            }
            ++octets;
        }
        if (quoted && i < text.size()) {
            ++i; // closing quote
        }
        if (!visit(Token{text.substr(start, i - start), octets})) {
            return;
        }
    }
}

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> out;
    for_each_token(text, [&out](const Token& token) {
        out.push_back(token);
        return true;
    });
    return out;
}

// For a line the scanner rejected: the exchange when the record is an MX whose exchange is an
// IPv6 literal (the scanner refuses ':' in names, RFC 1035 §5.1), else nullopt.
std::optional<std::string> ipv6_mx_exchange(std::string_view line) {
    auto tokens = tokenize(line);
    for (std::size_t i = 0; i + 2 < tokens.size(); ++i) {
        if (!iequals(tokens[i].text, "MX")) {
            continue;
        }
        std::string exchange{tokens[i + 2].text};
        if (!exchange.empty() && exchange.back() == '.') {
            exchange.pop_back();
        }
        in6_addr addr{};
        if (exchange.find(':') != std::string::npos &&
            ::inet_pton(AF_INET6, exchange.c_str(), &addr) == 1) {
            return exchange;
        }
    }
    return std::nullopt;
}

class Loader {
public:
    explicit Loader(std::string origin)
        : result_{Zone{origin}, {}, {}}, origin_(std::move(origin)) {}

    void load_text(std::string_view text, const std::string& display_name,
                   const std::string& origin, const std::string& base_dir);
    void load_include(const std::string& path, const std::string& origin,
                      const std::string& includer, std::uint32_t includer_line);
    // Sizes the zone for master-file text of `size` octets. Generated and hand-written zones
    // alike run 40-50 octets of text per record, about 60 % of it becoming rdata, and 80-100
    // octets per distinct name; the estimates err towards records (untouched capacity costs no
    // memory) and away from names (the name index is zeroed when allocated).
    void reserve_for_text(std::size_t size) {
        result_.zone.set_memory_advice(&advise_huge_pages);
        result_.zone.reserve(size / 32 + 16, size / 4 * 3 + 256, size / 96 + 16);
    }
    LoadResult finish() {
        result_.zone.finish();
        return std::move(result_);
    }

    std::vector<std::string> chain_; // canonical paths of the files being read, outermost first

private:
    void error(const std::string& file, std::uint32_t line, std::string message,
               std::string_view rule = "parse-error", std::string owner = {},
               std::uint32_t column = 1);
    void collect_suppressions(std::string_view text, const std::string& file);
    std::string chain_text() const;

    LoadResult result_;
    std::string origin_;
    std::size_t parse_errors_ = 0;
    bool gave_up_ = false;
    std::vector<std::string> display_chain_;
};

void Loader::error(const std::string& file, std::uint32_t line, std::string message,
                   std::string_view rule, std::string owner, std::uint32_t column) {
    if (gave_up_) {
        return;
    }
    if (++parse_errors_ > max_parse_errors) {
        gave_up_ = true;
        message = fmt::format("cannot go on: more than {} errors, the rest of the zone is skipped",
                              max_parse_errors);
        rule = "parse-error";
    }
    const RuleInfo* info = find_rule(rule);
    result_.diagnostics.push_back(
        Diagnostic{std::string{rule}, info != nullptr ? info->severity : Severity::error, file,
                   line, column, std::move(owner), std::move(message)});
}

std::string Loader::chain_text() const {
    std::string out;
    for (auto it = display_chain_.rbegin(); it != display_chain_.rend(); ++it) {
        out += fmt::format(", included from {}", *it);
    }
    return out;
}

void Loader::collect_suppressions(std::string_view text, const std::string& file) {
    // "; mxlint: disable=rule-a,rule-b" in a comment.
    constexpr std::string_view marker = "mxlint:";
    std::size_t pos = 0;
    std::size_t counted = 0;        // newlines are counted up to here
    std::uint32_t counted_line = 1; // line number at `counted`
    while ((pos = text.find(marker, pos)) != std::string_view::npos) {
        const std::size_t line_start =
            text.rfind('\n', pos) == std::string_view::npos ? 0 : text.rfind('\n', pos) + 1;
        const std::string_view before = text.substr(line_start, pos - line_start);
        std::size_t after = pos + marker.size();
        pos = after;
        if (before.find(';') == std::string_view::npos) {
            continue;
        }
        while (after < text.size() && is_blank(text[after])) {
            ++after;
        }
        constexpr std::string_view disable = "disable=";
        if (text.substr(after, disable.size()) != disable) {
            continue;
        }
        after += disable.size();
        std::size_t end = after;
        while (end < text.size() && !is_blank(text[end]) && text[end] != '\n') {
            ++end;
        }
        Suppression s;
        s.file = file;
        counted_line += static_cast<std::uint32_t>(
            std::count(text.begin() + static_cast<std::ptrdiff_t>(counted),
                       text.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'));
        counted = line_start;
        s.line = counted_line;
        std::string_view list = text.substr(after, end - after);
        while (!list.empty()) {
            const auto comma = list.find(',');
            s.rules.emplace_back(list.substr(0, comma));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        }
        result_.suppressions.push_back(std::move(s));
    }
}

void Loader::load_include(const std::string& path, const std::string& origin,
                          const std::string& includer, std::uint32_t includer_line) {
    if (chain_.size() >= max_include_depth) {
        error(includer, includer_line,
              fmt::format("cannot include '{}': includes nested deeper than {}{}",
                          escape_bytes(path), max_include_depth, chain_text()));
        return;
    }
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec).string();
    if (std::find(chain_.begin(), chain_.end(), canonical) != chain_.end()) {
        error(includer, includer_line,
              fmt::format("cannot include '{}': include loop{}", escape_bytes(path), chain_text()));
        return;
    }
    std::string text;
    try {
        text = read_text_file(path);
    } catch (const std::system_error& e) {
        error(includer, includer_line,
              fmt::format("cannot include '{}': {}{}", escape_bytes(path), e.code().message(),
                          chain_text()));
        return;
    }
    chain_.push_back(canonical);
    display_chain_.push_back(fmt::format("{}:{}", includer, includer_line));
    load_text(text, path, origin, std::filesystem::path(path).parent_path().string());
    display_chain_.pop_back();
    chain_.pop_back();
}

void Loader::load_text(std::string_view text, const std::string& display_name,
                       const std::string& origin, const std::string& base_dir) {
    // CRLF line ends (files edited on Windows) read as LF, as BIND reads them; the scanner
    // itself refuses them. Dropping a CR before LF keeps every line and column.
    std::string lf_text;
    if (text.find("\r\n") != std::string_view::npos) {
        lf_text.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
                lf_text += text[i];
            }
        }
        text = lf_text;
    }
    const std::uint16_t file = result_.zone.add_file(display_name);
    collect_suppressions(text, display_name);

    // The scanner is restarted from the next line after an error it cannot recover from;
    // `owner`, origin and TTL are carried over so that the rest of the file reads the same.
    std::size_t pos = 0;    // first byte not yet attributed to a record
    std::uint32_t line = 1; // line number at `pos`
    std::string current_origin = origin;
    std::uint32_t current_ttl = default_ttl;
    std::vector<std::uint8_t> last_owner;
    std::vector<std::uint8_t> converted_owner; // wire form of owner_text
    std::string owner_text;
    std::vector<std::uint8_t> good_origin;
    std::uint32_t last_record_line = 1;
    std::size_t last_record_pos = 0;

    // `pos` is always somewhere in line `line`; this moves it to the start of line `target`.
    auto advance_to_line = [&](std::uint64_t target) {
        while (line < target && pos < text.size()) {
            const auto nl = text.find('\n', pos);
            if (nl == std::string_view::npos) {
                pos = text.size();
                return;
            }
            pos = nl + 1;
            ++line;
        }
        if (pos > 0) {
            const auto nl = text.rfind('\n', pos - 1);
            pos = nl == std::string_view::npos ? 0 : nl + 1;
        }
    };

    while (pos < text.size() && !gave_up_) {
        Scanner s{new zs_scanner_t};
        if (zs_init(s.get(), current_origin.c_str(), class_in, current_ttl) != 0) {
            error(display_name, line,
                  fmt::format("cannot use origin '{}'", escape_bytes(current_origin)));
            return;
        }
        std::free(s->path);
        s->path = ::strdup(base_dir.empty() ? "." : base_dir.c_str());
        zs_set_input_string(s.get(), text.data() + pos, text.size() - pos);
        s->line_counter = line;
        if (!last_owner.empty()) {
            std::memcpy(s->r_owner, last_owner.data(), last_owner.size());
            s->r_owner_length = static_cast<std::uint32_t>(last_owner.size());
        }
        const char* const base = text.data();

        bool restart = false;
        while (!restart && !gave_up_) {
            const int rc = zs_parse_record(s.get());
            if (rc != 0 || s->state == ZS_STATE_ERROR) {
                const auto err_line = static_cast<std::uint32_t>(s->line_counter);
                if (s->error.code == ZS_UNCLOSED_MULTILINE) {
                    // Reported at the end of the input, after the scanner has returned the
                    // record that opened '(': point at that record.
                    error(display_name, last_record_line,
                          fmt::format("cannot parse record: '(' is never closed in '{}'",
                                      excerpt(line_at(text, last_record_pos))));
                    return;
                }
                advance_to_line(err_line);
                const std::string_view bad = line_at(text, pos);
                if (auto ip = ipv6_mx_exchange(bad)) {
                    // RFC 1035 §3.3.9: the exchange is a domain name, not an address.
                    error(display_name, err_line,
                          fmt::format("MX exchange '{}' is an IPv6 address; an exchange must "
                                      "be a host name",
                                      *ip),
                          "mx-target-is-ip", {}, first_column(bad));
                } else {
                    error(display_name, err_line,
                          fmt::format("cannot parse record: {} in '{}'", zs_strerror(s->error.code),
                                      excerpt(bad)));
                }
                advance_to_line(std::uint64_t{err_line} + 1);
                if (s->error.fatal || rc != 0) {
                    // Carry state over to a fresh scanner at the next line.
                    // A failed $ORIGIN leaves a half-written origin behind: keep the last one
                    // that a record was read with.
                    const bool origin_line = iequals(bad.substr(0, 7), "$ORIGIN");
                    if (!origin_line) {
                        good_origin.assign(s->zone_origin, s->zone_origin + s->zone_origin_length);
                    }
                    current_origin = name_from_wire(good_origin).value_or(WireName{origin, 0}).text;
                    current_ttl = s->default_ttl;
                    if (s->r_owner_length > 0) {
                        last_owner.assign(s->r_owner, s->r_owner + s->r_owner_length);
                    }
                    restart = true;
                }
                continue;
            }
            good_origin.assign(s->zone_origin, s->zone_origin + s->zone_origin_length);
            if (s->state == ZS_STATE_EOF || s->state == ZS_STATE_STOP) {
                pos = text.size();
                return;
            }
            const char* cur = s->input.current;
            const std::size_t end = (cur >= base && cur <= base + text.size())
                                        ? static_cast<std::size_t>(cur - base)
                                        : text.size();
            // The record (or directive) starts at the first line in [pos, end) that is not
            // blank, a comment or a directive.
            std::size_t start = pos;
            std::uint32_t start_line = line;
            for (;;) {
                std::size_t p = start;
                while (p < end && is_blank(text[p])) {
                    ++p;
                }
                const bool skip_line =
                    p < end && (text[p] == '\n' || text[p] == ';' || text[p] == '$');
                if (!skip_line || s->state == ZS_STATE_INCLUDE) {
                    break;
                }
                const auto nl = text.find('\n', start);
                if (nl == std::string_view::npos || nl + 1 >= end) {
                    break;
                }
                start = nl + 1;
                ++start_line;
            }
            if (s->state == ZS_STATE_INCLUDE) {
                const auto include_line = static_cast<std::uint32_t>(s->line_counter);
                line = include_line;
                pos = end;
                const auto inc_origin = name_from_wire({s->zone_origin, s->zone_origin_length});
                std::string target_origin = reinterpret_cast<const char*>(s->buffer);
                if (target_origin.empty() && inc_origin) {
                    target_origin = inc_origin->text;
                }
                load_include(s->include_filename, target_origin, display_name, include_line);
                continue;
            }
            std::size_t column = 1;
            while (start + column - 1 < end && is_blank(text[start + column - 1])) {
                ++column;
            }
            const std::string_view span = text.substr(start, end - start);
            const std::uint32_t record_line = start_line;
            last_record_line = start_line;
            last_record_pos = start;
            line = static_cast<std::uint32_t>(s->line_counter);
            pos = end;

            // Consecutive records mostly share their owner: convert it to text only when its
            // wire form changes.
            const std::span<const std::uint8_t> owner_wire{s->r_owner, s->r_owner_length};
            if (owner_wire.empty() || !std::equal(owner_wire.begin(), owner_wire.end(),
                                                  converted_owner.begin(), converted_owner.end())) {
                auto owner = name_from_wire(owner_wire);
                if (!owner) {
                    error(display_name, record_line, "cannot read the record owner");
                    continue;
                }
                owner_text = std::move(owner->text);
                converted_owner.assign(owner_wire.begin(), owner_wire.end());
            }
            last_owner.assign(s->r_owner, s->r_owner + s->r_owner_length);
            if (s->r_class != class_in) {
                error(display_name, record_line,
                      fmt::format("record class {} does not match the zone class IN", s->r_class),
                      "parse-error", owner_text);
                continue;
            }
            if (!is_at_or_below(owner_text, origin_)) {
                error(
                    display_name, record_line,
                    fmt::format("record owner '{}' is outside the zone '{}'", owner_text, origin_),
                    "parse-error", owner_text);
                continue;
            }
            if (s->r_type == rrtype::txt || s->r_type == rrtype::spf) {
                // RFC 1035 §3.3: a <character-string> is at most 255 octets; the scanner
                // splits longer ones silently, which changes what the record means.
                std::size_t overlong = 0;
                for_each_token(span, [&overlong](const Token& token) {
                    overlong = token.octets > 255 ? token.octets : 0;
                    return overlong == 0;
                });
                if (overlong != 0) {
                    error(display_name, record_line,
                          fmt::format("character-string of {} octets exceeds the limit of "
                                      "255; split it into several quoted strings",
                                      overlong),
                          "parse-error", owner_text);
                }
            }
            result_.zone.add(owner_text, s->r_type, s->r_ttl, {s->r_data, s->r_data_length}, file,
                             record_line, static_cast<std::uint32_t>(column));
        }
    }
}

} // namespace

LoadResult load_zone_text(std::string_view text, const std::string& display_name,
                          std::string_view origin, const std::string& base_dir) {
    const std::string canonical = canonical_name(origin).value_or(".");
    Loader loader{canonical};
    loader.reserve_for_text(text.size());
    loader.load_text(text, display_name, canonical, base_dir);
    return loader.finish();
}

LoadResult load_zone_file(const std::string& path, std::string_view origin) {
    return load_zone_file(path, read_text_file(path), origin);
}

LoadResult load_zone_file(const std::string& path, std::string_view text, std::string_view origin) {
    const std::string canonical = canonical_name(origin).value_or(".");
    Loader loader{canonical};
    loader.reserve_for_text(text.size());
    std::error_code ec;
    loader.chain_.push_back(std::filesystem::weakly_canonical(path, ec).string());
    loader.load_text(text, path, canonical, std::filesystem::path(path).parent_path().string());
    return loader.finish();
}

std::optional<std::string> implied_origin(std::string_view text, std::string_view path) {
    if (auto origin = origin_from_text(text)) {
        return origin;
    }
    return origin_from_file_name(path);
}

std::optional<std::string> origin_from_text(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::string_view line = line_at(text, pos);
        pos += line.size() + 1;
        auto tokens = tokenize(line);
        if (tokens.empty()) {
            continue;
        }
        if (iequals(tokens[0].text, "$ORIGIN")) {
            if (tokens.size() < 2) {
                return std::nullopt;
            }
            return canonical_name(tokens[1].text);
        }
        if (iequals(tokens[0].text, "$TTL")) {
            continue;
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::string> origin_from_file_name(std::string_view path) {
    std::string name = std::filesystem::path(path).filename().string();
    bool marked = false;
    for (std::string_view suffix : {".zone", ".db"}) {
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            name.resize(name.size() - suffix.size());
            marked = true;
            break;
        }
    }
    if (!marked && name.starts_with("db.") && name.size() > 3) {
        name.erase(0, 3);
        marked = true;
    }
    if (name.empty() || (!marked && name.find('.') == std::string::npos)) {
        return std::nullopt;
    }
    if (name.back() == '.') {
        name.pop_back();
    }
    name += '.';
    for (const auto& label : split_labels(name)) {
        if (label.empty() || label.size() > 63) {
            return std::nullopt;
        }
        for (const char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
                return std::nullopt;
            }
        }
    }
    return canonical_name(name);
}

} // namespace mxsteer::lint
