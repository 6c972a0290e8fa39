// Decodes pdns remote-backend request lines with the simdjson DOM parser.
// SPDX-License-Identifier: MIT
//
// Why simdjson DOM (bench/json/RESULTS.md): it was the fastest decoder measured, it validates
// the whole line (UTF-8, escapes, structure, trailing content) and it enforces a nesting limit
// itself without recursion, so hostile input costs one linear pass over at most
// max_request_bytes. Its kernels are chosen at run time, so a portable build still gets SIMD,
// which the header-only On Demand front end of simdjson 3.0.1 does not.
#include "protocol/request.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::protocol {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The parameters decode_request reads, whatever the method; the rest are ignored.
enum class Param : std::uint8_t {
    qname,
    qtype,
    zone_id,
    remote,
    local,
    real_remote,
    zonename,
    name,
    domain_id,
    kind,
    include_disabled,
};
constexpr std::array<std::string_view, 11> param_keys = {
    "qname", "qtype",     "zone-id", "remote",           "local", "real-remote", "zonename",
    "name",  "domain_id", "kind",    "include_disabled",
};

// The parameters found in a request, by Param. A bit mask rather than a std::optional per slot:
// clearing eleven optionals (a `rep stos`) stood out in the decode's profile.
struct ParamValues {
    std::array<element, param_keys.size()> values;
    std::uint32_t present = 0;
};

// Parser buffers are kept per thread and reused: building a parser costs allocations that
// would cost more than the parse itself (bench/json/RESULTS.md, "parser per call").
struct Scratch {
    simdjson::dom::parser parser{max_request_bytes};
    std::vector<char> padded; // the line plus SIMDJSON_PADDING readable bytes
    bool allocated = false;
};

std::string_view type_name(element_type type) {
    switch (type) {
    case element_type::ARRAY:
        return "array";
    case element_type::OBJECT:
        return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
        return "number";
    case element_type::STRING:
        return "string";
    case element_type::BOOL:
        return "boolean";
    case element_type::NULL_VALUE:
        return "null";
    }
    return "unknown value";
}

std::string parse_error_text(simdjson::error_code code) {
    switch (code) {
    case simdjson::DEPTH_ERROR:
        return fmt::format("JSON nesting is deeper than {} levels", max_json_depth);
    case simdjson::EMPTY:
        return "empty line";
    case simdjson::CAPACITY:
        return fmt::format("the request is larger than {} bytes", max_request_bytes);
    case simdjson::MEMALLOC:
        return "out of memory";
    case simdjson::UTF8_ERROR:
        return "invalid JSON: the text is not valid UTF-8";
    case simdjson::UNESCAPED_CHARS:
        return "invalid JSON: a string holds an unescaped control character";
    case simdjson::UNCLOSED_STRING:
        return "invalid JSON: a string is not closed";
    case simdjson::STRING_ERROR:
        return "invalid JSON: a string holds a bad escape sequence";
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
        return "invalid JSON: a number is malformed or out of range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
        return "invalid JSON: a bad literal (expected true, false or null)";
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
        return "invalid JSON: broken structure (truncated text, unbalanced brackets, a missing "
               "comma or colon, or trailing content)";
    default:
        return fmt::format("invalid JSON: {}", simdjson::error_message(code));
    }
}

// Shows a user value in a message: quoted, and cut short so a message stays one short line.
std::string quoted_excerpt(std::string_view text) {
    constexpr std::size_t limit = 40;
    if (text.size() <= limit) {
        return fmt::format("'{}'", text);
    }
    return fmt::format("'{}...'", text.substr(0, limit));
}

// Reads typed parameters; the first problem is kept and every later read returns a default,
// so a method's decoder reads its fields in a row and checks failed() once.
class ParamReader {
public:
    explicit ParamReader(const ParamValues& params) : params_(params) {}

    [[nodiscard]] bool failed() const { return !error_.empty(); }
    [[nodiscard]] const std::string& error() const { return error_; }

    std::string string(Param param, bool required) {
        const auto* value = find(param, required, "a string");
        if (value == nullptr) {
            return {};
        }
        std::string_view text;
        if (value->get_string().get(text) != simdjson::SUCCESS) {
            wrong_type(param, "a string", *value);
            return {};
        }
        return std::string{text};
    }

    // An integer, also accepted as a numeric string; `fallback` when missing.
    std::int64_t integer(Param param, std::int64_t fallback) {
        const auto* value = find(param, false, "an integer");
        if (value == nullptr) {
            return fallback;
        }
        switch (value->type()) {
        case element_type::INT64:
            return value->get_int64().value_unsafe();
        case element_type::UINT64:
            fail(param, "an integer",
                 fmt::format("number {} (out of range)", value->get_uint64().value_unsafe()));
            return fallback;
        case element_type::DOUBLE:
            fail(param, "an integer", fmt::format("number {}", value->get_double().value_unsafe()));
            return fallback;
        case element_type::STRING: {
            const std::string_view text = value->get_string().value_unsafe();
            std::int64_t number = 0;
            const char* end = text.data() + text.size();
            const auto [ptr, ec] = std::from_chars(text.data(), end, number);
            if (text.empty() || ec != std::errc{} || ptr != end) {
                fail(param, "an integer", fmt::format("string {}", quoted_excerpt(text)));
                return fallback;
            }
            return number;
        }
        default:
            wrong_type(param, "an integer", *value);
            return fallback;
        }
    }

    bool boolean(Param param, bool fallback) {
        const auto* value = find(param, false, "a boolean");
        if (value == nullptr) {
            return fallback;
        }
        bool result = fallback;
        if (value->get_bool().get(result) != simdjson::SUCCESS) {
            wrong_type(param, "a boolean", *value);
            return fallback;
        }
        return result;
    }

private:
    const element* find(Param param, bool required, std::string_view expected) {
        if (failed()) {
            return nullptr;
        }
        const auto index = static_cast<std::size_t>(param);
        if ((params_.present & (1U << index)) == 0) {
            if (required) {
                error_ = fmt::format("parameters.{} must be {}, but it is missing",
                                     param_keys[index], expected);
            }
            return nullptr;
        }
        return &params_.values[index];
    }

    void wrong_type(Param param, std::string_view expected, const element& value) {
        fail(param, expected, type_name(value.type()));
    }

    void fail(Param param, std::string_view expected, std::string_view seen) {
        error_ = fmt::format("parameters.{} must be {}, got {}",
                             param_keys[static_cast<std::size_t>(param)], expected, seen);
    }

    const ParamValues& params_;
    std::string error_;
};

Method method_from_name(std::string_view name) {
    struct Entry {
        std::string_view name;
        Method method;
    };
    static constexpr std::array<Entry, 8> table = {{
        {"lookup", Method::lookup},
        {"initialize", Method::initialize},
        {"list", Method::list},
        {"getAllDomains", Method::get_all_domains},
        {"getDomainInfo", Method::get_domain_info},
        {"getAllDomainMetadata", Method::get_all_domain_metadata},
        {"getDomainMetadata", Method::get_domain_metadata},
        {"getDomainKeys", Method::get_domain_keys},
    }};
    for (const Entry& entry : table) {
        if (entry.name == name) {
            return entry.method;
        }
    }
    return Method::other;
}

// Drops the request and keeps only the message; noexcept because it runs in catch handlers.
void set_failure(Decoded& decoded, std::string_view message) noexcept {
    decoded.request.reset();
    try {
        decoded.error = fmt::format("cannot decode request: {}", message);
    } catch (...) {
        decoded.error.clear(); // out of memory even for the message: no request and no text
    }
}

// Fills `request` in place and returns what is wrong, or nothing. An output parameter against
// STYLE.md on purpose: a Request is nine strings, and returning it by value through Decoded
// moved all of them twice. With ParamValues' bit mask: 12% fewer instructions per decode.
std::string decode_into(std::string_view line, Request& request) {
    if (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    // Checked before any copy or parse, so an oversized line costs nothing.
    if (line.size() > max_request_bytes) {
        return fmt::format("the request is {} bytes, more than the limit of {}", line.size(),
                           max_request_bytes);
    }

    thread_local Scratch scratch;
    if (!scratch.allocated) {
        // simdjson's max_depth is the number of levels it accepts (tests check 16 pass and 17
        // fail). Capacity starts small and grows on demand up to max_request_bytes.
        constexpr std::size_t initial_capacity = 4096;
        const auto depth_limit = static_cast<std::size_t>(max_json_depth);
        if (scratch.parser.allocate(initial_capacity, depth_limit) != simdjson::SUCCESS) {
            return "out of memory";
        }
        scratch.allocated = true;
    }
    scratch.padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
    if (!line.empty()) {
        std::memcpy(scratch.padded.data(), line.data(), line.size());
    }
    std::memset(scratch.padded.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);

    element root;
    if (const auto code = scratch.parser.parse(scratch.padded.data(), line.size(), false).get(root);
        code != simdjson::SUCCESS) {
        return parse_error_text(code);
    }
    simdjson::dom::object top;
    if (root.get_object().get(top) != simdjson::SUCCESS) {
        return fmt::format("expected a JSON object, got {}", type_name(root.type()));
    }

    std::optional<element> method_value;
    std::optional<element> params_value;
    for (const auto field : top) {
        if (field.key == "method") {
            method_value = field.value;
        } else if (field.key == "parameters") {
            params_value = field.value;
        }
    }
    std::string_view method_name;
    if (!method_value) {
        return "method must be a string, but it is missing";
    }
    if (method_value->get_string().get(method_name) != simdjson::SUCCESS) {
        return fmt::format("method must be a string, got {}", type_name(method_value->type()));
    }

    // pdns always sends "parameters"; without it a method is decoded as if it were {}, so
    // methods that need a parameter still fail and name the missing one.
    ParamValues found;
    if (params_value) {
        simdjson::dom::object params;
        if (params_value->get_object().get(params) != simdjson::SUCCESS) {
            return fmt::format("parameters must be an object, got {}",
                               type_name(params_value->type()));
        }
        for (const auto field : params) {
            for (std::size_t i = 0; i < param_keys.size(); ++i) {
                if (field.key == param_keys[i]) {
                    found.values[i] = field.value;
                    found.present |= 1U << i;
                    break;
                }
            }
        }
    }

    request.method = method_from_name(method_name);
    request.method_name = std::string{method_name};
    ParamReader read{found};
    switch (request.method) {
    case Method::lookup:
        request.qname = read.string(Param::qname, true);
        request.qtype = read.string(Param::qtype, true);
        request.zone_id = read.integer(Param::zone_id, -1);
        request.remote = read.string(Param::remote, false);
        request.local = read.string(Param::local, false);
        request.real_remote = read.string(Param::real_remote, false);
        break;
    case Method::list:
        request.name = read.string(Param::zonename, true);
        request.domain_id = read.integer(Param::domain_id, -1);
        request.include_disabled = read.boolean(Param::include_disabled, false);
        break;
    case Method::get_all_domains:
        request.include_disabled = read.boolean(Param::include_disabled, false);
        break;
    case Method::get_domain_info:
    case Method::get_all_domain_metadata:
    case Method::get_domain_keys:
        request.name = read.string(Param::name, true);
        break;
    case Method::get_domain_metadata:
        request.name = read.string(Param::name, true);
        request.kind = read.string(Param::kind, true);
        break;
    case Method::initialize: // connection-string options: nothing mxsteerd needs
    case Method::other:
        break;
    }
    return read.error();
}

} // namespace

Decoded decode_request(std::string_view line) {
    // One Decoded, returned from every path, so the compiler builds it in the caller (NRVO).
    Decoded decoded;
    // simdjson reports errors as codes; only allocation (std::bad_alloc) or a library bug can
    // throw, and a request that cannot be decoded must never take the connection down.
    try {
        decoded.error = decode_into(line, decoded.request.emplace());
        if (!decoded.error.empty()) {
            set_failure(decoded, decoded.error);
        }
    } catch (const std::bad_alloc&) {
        set_failure(decoded, "out of memory");
    } catch (const std::exception& e) {
        set_failure(decoded, e.what());
    } catch (...) {
        set_failure(decoded, "unexpected error");
    }
    return decoded;
}

} // namespace mxsteer::protocol
