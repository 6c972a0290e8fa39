// JSON library benchmark for the pdns remote-backend hot path: decode captured lookup requests
// into protocol::Request, encode a 4-record lookup reply. Built and run by bench/json/run.sh.
// usage: json_bench [--rounds R] [--iterations N] REQUESTS_DIR REPLY_FILE
//        json_bench --hostile DECODER CASE    (one hostile input through one raw library parser)
// SPDX-License-Identifier: MIT
#include "protocol/reply.hpp"
#include "protocol/request.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mxsteer::protocol::Method;
using mxsteer::protocol::Request;
namespace fs = std::filesystem;

constexpr std::size_t max_bytes = mxsteer::protocol::max_request_bytes;
constexpr int max_depth = mxsteer::protocol::max_json_depth;

std::size_t sink = 0; // keeps results observable so the optimiser cannot drop the work

Method method_from(std::string_view name) {
    if (name == "lookup") {
        return Method::lookup;
    }
    if (name == "initialize") {
        return Method::initialize;
    }
    if (name == "list") {
        return Method::list;
    }
    if (name == "getAllDomains") {
        return Method::get_all_domains;
    }
    if (name == "getDomainInfo") {
        return Method::get_domain_info;
    }
    if (name == "getAllDomainMetadata") {
        return Method::get_all_domain_metadata;
    }
    return Method::other;
}

bool parse_int(std::string_view text, std::int64_t& out) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end && !text.empty();
}

// Nesting check for parsers without a depth limit of their own: count '{' and '[' with memchr
// first (a pdns request has 2), the exact string-aware scan only when there are more.
bool depth_within(std::string_view text, int limit) {
    const auto budget = static_cast<std::size_t>(limit);
    std::size_t opens = 0;
    for (const char open : {'{', '['}) {
        const char* at = text.data();
        const char* const end = text.data() + text.size();
        while (opens <= budget && at < end &&
               (at = static_cast<const char*>(
                    std::memchr(at, open, static_cast<std::size_t>(end - at)))) != nullptr) {
            ++opens;
            ++at;
        }
    }
    if (opens <= budget) {
        return true;
    }
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) {
                return false;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return true;
}

// Every decoder below does the same work: top-level object, "method" string, "parameters"
// object (keys in any order), lookup fields with type checks, strings copied into Request.

// ---- simdjson On Demand --------------------------------------------------------------------
struct OndemandDecoder {
    simdjson::ondemand::parser parser;
    std::vector<char> buffer = std::vector<char>(max_bytes + simdjson::SIMDJSON_PADDING);

    bool params(simdjson::ondemand::object object, Request& r) {
        for (auto field_result : object) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
                return false;
            }
            std::string* target = nullptr;
            if (key == "qname") {
                target = &r.qname;
            } else if (key == "qtype") {
                target = &r.qtype;
            } else if (key == "remote") {
                target = &r.remote;
            } else if (key == "local") {
                target = &r.local;
            } else if (key == "real-remote") {
                target = &r.real_remote;
            } else if (key == "zone-id") {
                simdjson::ondemand::json_type type;
                if (field.value().type().get(type)) {
                    return false;
                }
                if (type == simdjson::ondemand::json_type::number) {
                    if (field.value().get_int64().get(r.zone_id)) {
                        return false;
                    }
                } else {
                    std::string_view text;
                    if (field.value().get_string().get(text) || !parse_int(text, r.zone_id)) {
                        return false;
                    }
                }
                continue;
            } else {
                continue;
            }
            std::string_view text;
            if (field.value().get_string().get(text)) {
                return false;
            }
            target->assign(text);
        }
        return true;
    }

    bool decode(std::string_view line, Request& r, bool guarded = true) {
        if (guarded && (line.size() > max_bytes || !depth_within(line, max_depth))) {
            return false;
        }
        if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING) {
            buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
        }
        std::memcpy(buffer.data(), line.data(), line.size());
        simdjson::ondemand::document doc;
        simdjson::ondemand::object object;
        if (parser.iterate(buffer.data(), line.size(), buffer.size()).get(doc) ||
            doc.get_object().get(object)) {
            return false;
        }
        bool have_method = false;
        for (auto field_result : object) {
            simdjson::ondemand::field field;
            std::string_view key;
            if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
                return false;
            }
            if (key == "method") {
                std::string_view name;
                if (field.value().get_string().get(name)) {
                    return false;
                }
                r.method = method_from(name);
                r.method_name.assign(name);
                have_method = true;
            } else if (key == "parameters") {
                simdjson::ondemand::object p;
                if (field.value().get_object().get(p) || !params(p, r)) {
                    return false;
                }
            }
        }
        // All consumed: anything left (a second value, a stray '}') is trailing content.
        return have_method && doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
    }
};

// The same with a parser constructed per call: what a decoder without retained state pays.
bool ondemand_fresh(std::string_view line, Request& r) {
    OndemandDecoder decoder;
    return decoder.decode(line, r);
}

// ---- simdjson DOM ----------------------------------------------------------------------------
struct DomDecoder {
    simdjson::dom::parser parser{max_bytes};
    std::vector<char> buffer = std::vector<char>(max_bytes + simdjson::SIMDJSON_PADDING);

    DomDecoder() {
        // simdjson's max_depth is the number of levels it accepts, as in decode_request.
        if (parser.allocate(4096, max_depth) != simdjson::SUCCESS) {
            std::abort();
        }
    }

    bool decode(std::string_view line, Request& r, bool guarded = true) {
        if (guarded && line.size() > max_bytes) {
            return false;
        }
        if (buffer.size() < line.size() + simdjson::SIMDJSON_PADDING) {
            buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
        }
        std::memcpy(buffer.data(), line.data(), line.size());
        simdjson::dom::element root;
        simdjson::dom::object object;
        if (parser.parse(buffer.data(), line.size(), false).get(root) ||
            root.get_object().get(object)) {
            return false;
        }
        bool have_method = false;
        for (const auto [key, value] : object) {
            if (key == "method") {
                std::string_view name;
                if (value.get_string().get(name)) {
                    return false;
                }
                r.method = method_from(name);
                r.method_name.assign(name);
                have_method = true;
            } else if (key == "parameters") {
                simdjson::dom::object p;
                if (value.get_object().get(p)) {
                    return false;
                }
                for (const auto [pkey, pvalue] : p) {
                    std::string* target = nullptr;
                    if (pkey == "qname") {
                        target = &r.qname;
                    } else if (pkey == "qtype") {
                        target = &r.qtype;
                    } else if (pkey == "remote") {
                        target = &r.remote;
                    } else if (pkey == "local") {
                        target = &r.local;
                    } else if (pkey == "real-remote") {
                        target = &r.real_remote;
                    } else if (pkey == "zone-id") {
                        if (pvalue.is_int64()) {
                            r.zone_id = pvalue.get_int64().value_unsafe();
                        } else {
                            std::string_view text;
                            if (pvalue.get_string().get(text) || !parse_int(text, r.zone_id)) {
                                return false;
                            }
                        }
                        continue;
                    } else {
                        continue;
                    }
                    std::string_view text;
                    if (pvalue.get_string().get(text)) {
                        return false;
                    }
                    target->assign(text);
                }
            }
        }
        return have_method;
    }
};

// ---- RapidJSON --------------------------------------------------------------------------------
template <class Value>
bool rapid_extract(const Value& root, Request& r) {
    if (!root.IsObject()) {
        return false;
    }
    const auto method = root.FindMember("method");
    if (method == root.MemberEnd() || !method->value.IsString()) {
        return false;
    }
    const std::string_view name{method->value.GetString(), method->value.GetStringLength()};
    r.method = method_from(name);
    r.method_name.assign(name);
    const auto params = root.FindMember("parameters");
    if (params == root.MemberEnd()) {
        return true;
    }
    if (!params->value.IsObject()) {
        return false;
    }
    for (const auto& member : params->value.GetObject()) {
        const std::string_view key{member.name.GetString(), member.name.GetStringLength()};
        std::string* target = nullptr;
        if (key == "qname") {
            target = &r.qname;
        } else if (key == "qtype") {
            target = &r.qtype;
        } else if (key == "remote") {
            target = &r.remote;
        } else if (key == "local") {
            target = &r.local;
        } else if (key == "real-remote") {
            target = &r.real_remote;
        } else if (key == "zone-id") {
            if (member.value.IsInt64()) {
                r.zone_id = member.value.GetInt64();
            } else if (!member.value.IsString() ||
                       !parse_int({member.value.GetString(), member.value.GetStringLength()},
                                  r.zone_id)) {
                return false;
            }
            continue;
        } else {
            continue;
        }
        if (!member.value.IsString()) {
            return false;
        }
        target->assign(member.value.GetString(), member.value.GetStringLength());
    }
    return true;
}

// Regular (copying) parse. kParseIterativeFlag: the default parser recurses per nesting level.
bool rapid_regular(std::string_view line, Request& r, bool guarded = true) {
    if (guarded && (line.size() > max_bytes || !depth_within(line, max_depth))) {
        return false;
    }
    rapidjson::Document doc;
    if (guarded) {
        doc.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
    } else {
        doc.Parse(line.data(), line.size()); // the default, recursive parser
    }
    return !doc.HasParseError() && rapid_extract(doc, r);
}

struct RapidInsitu {
    std::vector<char> buffer = std::vector<char>(max_bytes + 1);
    bool decode(std::string_view line, Request& r) {
        if (line.size() > max_bytes || !depth_within(line, max_depth)) {
            return false;
        }
        std::memcpy(buffer.data(), line.data(), line.size());
        buffer[line.size()] = '\0'; // in-situ parsing stops at the first NUL
        rapidjson::Document doc;
        doc.ParseInsitu<rapidjson::kParseIterativeFlag>(buffer.data());
        return !doc.HasParseError() && rapid_extract(doc, r);
    }
};

// SAX straight into Request; the handler enforces the depth limit itself.
struct RapidSaxHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, RapidSaxHandler> {
    Request& r;
    int depth = 0;
    std::string key; // copied: the reader reuses its stack once the Key event returns
    bool have_method = false;
    explicit RapidSaxHandler(Request& request) : r(request) {}

    bool Default() { return depth != 2 || !is_string_field() || key == "zone-id"; }
    bool is_string_field() const {
        return key == "qname" || key == "qtype" || key == "remote" || key == "local" ||
               key == "real-remote";
    }
    bool integer(std::int64_t value) {
        if (depth == 2 && key == "zone-id") {
            r.zone_id = value;
            return true;
        }
        return depth != 2 || !is_string_field();
    }
    bool Int(int i) { return integer(i); }
    bool Uint(unsigned u) { return integer(u); }
    bool Int64(std::int64_t i) { return integer(i); }
    bool Uint64(std::uint64_t u) {
        return u <= static_cast<std::uint64_t>(INT64_MAX) ? integer(static_cast<std::int64_t>(u))
                                                          : Default();
    }
    bool Double(double) { return Default() && !(depth == 2 && key == "zone-id"); }
    bool String(const char* text, rapidjson::SizeType length, bool) {
        const std::string_view value{text, length};
        if (depth == 1 && key == "method") {
            r.method = method_from(value);
            r.method_name.assign(value);
            have_method = true;
        } else if (depth == 2 && key == "zone-id") {
            return parse_int(value, r.zone_id);
        } else if (depth == 2) {
            if (key == "qname") {
                r.qname.assign(value);
            } else if (key == "qtype") {
                r.qtype.assign(value);
            } else if (key == "remote") {
                r.remote.assign(value);
            } else if (key == "local") {
                r.local.assign(value);
            } else if (key == "real-remote") {
                r.real_remote.assign(value);
            }
        }
        return true;
    }
    bool Key(const char* text, rapidjson::SizeType length, bool) {
        key.assign(text, length);
        return true;
    }
    bool open(bool is_object) {
        if (depth == 1 && (key == "method" || (key == "parameters" && !is_object))) {
            return false;
        }
        return ++depth <= max_depth;
    }
    bool StartObject() { return open(true); }
    bool StartArray() { return open(false); }
    bool EndObject(rapidjson::SizeType) { return --depth, true; }
    bool EndArray(rapidjson::SizeType) { return --depth, true; }
};

struct RapidSax {
    rapidjson::Reader reader;
    bool decode(std::string_view line, Request& r) {
        if (line.size() > max_bytes) {
            return false;
        }
        RapidSaxHandler handler{r};
        rapidjson::MemoryStream stream{line.data(), line.size()};
        const auto ok = reader.Parse<rapidjson::kParseIterativeFlag>(stream, handler);
        return !ok.IsError() && handler.have_method;
    }
};

// ---- nlohmann-json ------------------------------------------------------------------------------
bool nlohmann_decode(std::string_view line, Request& r, bool guarded = true) {
    if (guarded && (line.size() > max_bytes || !depth_within(line, max_depth))) {
        return false;
    }
    const auto root = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
        return false;
    }
    const auto method = root.find("method");
    if (method == root.end() || !method->is_string()) {
        return false;
    }
    const auto& name = method->get_ref<const std::string&>();
    r.method = method_from(name);
    r.method_name = name;
    const auto params = root.find("parameters");
    if (params == root.end()) {
        return true;
    }
    if (!params->is_object()) {
        return false;
    }
    for (const auto& [key, value] : params->items()) {
        std::string* target = nullptr;
        if (key == "qname") {
            target = &r.qname;
        } else if (key == "qtype") {
            target = &r.qtype;
        } else if (key == "remote") {
            target = &r.remote;
        } else if (key == "local") {
            target = &r.local;
        } else if (key == "real-remote") {
            target = &r.real_remote;
        } else if (key == "zone-id") {
            if (value.is_number_integer()) {
                r.zone_id = value.get<std::int64_t>();
            } else if (!value.is_string() ||
                       !parse_int(value.get_ref<const std::string&>(), r.zone_id)) {
                return false;
            }
            continue;
        } else {
            continue;
        }
        if (!value.is_string()) {
            return false;
        }
        *target = value.get_ref<const std::string&>();
    }
    return true;
}

// ---- encoders -----------------------------------------------------------------------------------
struct Record {
    std::string qtype;
    std::string qname;
    std::string content;
    int ttl = 0;
};

std::string encode_hand(const std::vector<Record>& records) {
    using mxsteer::protocol::json_string;
    std::string array = "[";
    for (const Record& rec : records) {
        if (array.size() > 1) {
            array += ',';
        }
        array += "{\"qtype\":";
        array += json_string(rec.qtype);
        array += ",\"qname\":";
        array += json_string(rec.qname);
        array += ",\"content\":";
        array += json_string(rec.content);
        array += ",\"ttl\":";
        char digits[16];
        const auto end = std::to_chars(digits, digits + sizeof digits, rec.ttl).ptr;
        array.append(digits, end);
        array += '}';
    }
    array += ']';
    return mxsteer::protocol::reply_value(array);
}

// The same, appending every field in place: no temporary string per field.
std::string encode_hand_in_place(const std::vector<Record>& records) {
    using mxsteer::protocol::append_json_string;
    std::string out;
    out.reserve(512);
    out += "{\"result\":[";
    bool first = true;
    for (const Record& rec : records) {
        out += first ? "{\"qtype\":" : ",{\"qtype\":";
        first = false;
        append_json_string(out, rec.qtype);
        out += ",\"qname\":";
        append_json_string(out, rec.qname);
        out += ",\"content\":";
        append_json_string(out, rec.content);
        out += ",\"ttl\":";
        char digits[16];
        const auto end = std::to_chars(digits, digits + sizeof digits, rec.ttl).ptr;
        out.append(digits, end);
        out += '}';
    }
    out += "]}\n";
    return out;
}

struct RapidEncoder {
    rapidjson::StringBuffer buffer;
    std::string encode(const std::vector<Record>& records) {
        buffer.Clear();
        rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
        writer.StartObject();
        writer.Key("result");
        writer.StartArray();
        for (const Record& rec : records) {
            writer.StartObject();
            writer.Key("qtype");
            writer.String(rec.qtype.data(), static_cast<rapidjson::SizeType>(rec.qtype.size()));
            writer.Key("qname");
            writer.String(rec.qname.data(), static_cast<rapidjson::SizeType>(rec.qname.size()));
            writer.Key("content");
            writer.String(rec.content.data(), static_cast<rapidjson::SizeType>(rec.content.size()));
            writer.Key("ttl");
            writer.Int(rec.ttl);
            writer.EndObject();
        }
        writer.EndArray();
        writer.EndObject();
        std::string out{buffer.GetString(), buffer.GetSize()};
        out += '\n';
        return out;
    }
};

std::string encode_nlohmann(const std::vector<Record>& records) {
    // ordered_json keeps insertion order, so the output is byte-equal to the others.
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const Record& rec : records) {
        array.push_back({{"qtype", rec.qtype},
                         {"qname", rec.qname},
                         {"content", rec.content},
                         {"ttl", rec.ttl}});
    }
    nlohmann::ordered_json reply;
    reply["result"] = std::move(array);
    std::string out = reply.dump();
    out += '\n';
    return out;
}

// ---- harness ------------------------------------------------------------------------------------
std::string read_file(const fs::path& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        std::fprintf(stderr, "json_bench: cannot open '%s'\n", path.c_str());
        std::exit(2);
    }
    return {std::istreambuf_iterator<char>{in}, {}};
}

struct Variant {
    std::string name;
    std::function<std::size_t(std::size_t)> run; // one operation on input i; returns a checksum
    std::vector<double> ns_per_op;
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

void run_group(const char* title, std::vector<Variant>& variants, int rounds,
               std::size_t iterations) {
    for (int round = 0; round < rounds; ++round) {
        // Rotate the order each round so no variant always runs first (cold) or last.
        for (std::size_t k = 0; k < variants.size(); ++k) {
            Variant& v = variants[(k + static_cast<std::size_t>(round)) % variants.size()];
            const auto start = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < iterations; ++i) {
                sink += v.run(i);
            }
            const auto elapsed = std::chrono::steady_clock::now() - start;
            v.ns_per_op.push_back(
                static_cast<double>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
                static_cast<double>(iterations));
        }
    }
    std::printf("\n### %s\n\n| variant | median ns/op | min | max |\n|---|---:|---:|---:|\n",
                title);
    for (const Variant& v : variants) {
        std::printf("| %s | %.0f | %.0f | %.0f |\n", v.name.c_str(), median(v.ns_per_op),
                    *std::min_element(v.ns_per_op.begin(), v.ns_per_op.end()),
                    *std::max_element(v.ns_per_op.begin(), v.ns_per_op.end()));
    }
}

std::size_t checksum(const Request& r) {
    return r.qname.size() + r.qtype.size() + r.remote.size() + r.local.size() +
           r.real_remote.size() + static_cast<std::size_t>(r.zone_id + 2) +
           static_cast<std::size_t>(r.method);
}

bool same_lookup(const Request& a, const Request& b) {
    return a.method == b.method && a.method_name == b.method_name && a.qname == b.qname &&
           a.qtype == b.qtype && a.zone_id == b.zone_id && a.remote == b.remote &&
           a.local == b.local && a.real_remote == b.real_remote;
}

// ---- hostile inputs, one per process (run.sh runs them under ASan+UBSan) ------------------------
std::string hostile_input(std::string_view name) {
    // Balanced nesting inside an otherwise valid request, so parsers must descend into it.
    if (name == "deep-array-100k") {
        return R"({"method":"lookup","parameters":{"x":)" + std::string(100000, '[') +
               std::string(100000, ']') + "}}";
    }
    if (name == "deep-object-100k") {
        std::string s = R"({"method":"lookup","parameters":{"x":)";
        for (int i = 0; i < 100000; ++i) {
            s += "{\"a\":";
        }
        return s + "1" + std::string(100000, '}') + "}}";
    }
    if (name == "rapidjson-exponent") { // CVE-2024-38517: int overflow in ParseNumber
        return R"({"method":"lookup","parameters":{"zone-id":0.0000000001e-2147483639}})";
    }
    if (name == "huge-number") {
        return R"({"method":"lookup","parameters":{"zone-id":1e999999999}})";
    }
    if (name == "truncated") {
        return R"({"method": "lookup", "parameters": {"local": "127.0.0.1", "qname": "exa)";
    }
    if (name == "nul-byte") {
        return std::string(R"({"method":"look)") + '\0' + R"(up","parameters":{}})";
    }
    if (name == "invalid-utf8") {
        return "{\"method\":\"lookup\",\"parameters\":{\"qname\":\"\xff\xfe.example.\"}}";
    }
    if (name == "lone-surrogate") {
        return R"({"method":"lookup","parameters":{"qname":"\ud800"}})";
    }
    if (name == "random-bytes") {
        std::mt19937 engine{42};
        std::string s(64 * 1024, '\0');
        for (char& c : s) {
            c = static_cast<char>(engine() & 0xFFU);
        }
        return s;
    }
    if (name == "10MB-string") {
        return R"({"method":"lookup","parameters":{"qname":")" + std::string(10 << 20, 'a') +
               "\"}}";
    }
    std::fprintf(stderr, "json_bench: unknown hostile case '%.*s'\n", static_cast<int>(name.size()),
                 name.data());
    std::exit(2);
}

int run_hostile(std::string_view decoder, std::string_view input_name) {
    const std::string input = hostile_input(input_name);
    Request r;
    bool ok = false;
    // Raw library behaviour: no size cap, no depth pre-scan; only the limits a library has itself
    // (simdjson DOM: its parser's capacity and max_depth, set to 64 KiB and 16 as shipped).
    if (decoder == "decode_request") {
        ok = mxsteer::protocol::decode_request(input).request.has_value();
    } else if (decoder == "simdjson-ondemand") {
        OndemandDecoder d;
        ok = d.decode(input, r, false);
    } else if (decoder == "simdjson-dom") {
        DomDecoder d;
        ok = d.decode(input, r, false);
    } else if (decoder == "rapidjson") {
        ok = rapid_regular(input, r, false);
    } else if (decoder == "nlohmann") {
        ok = nlohmann_decode(input, r, false);
    } else {
        std::fprintf(stderr, "json_bench: unknown decoder\n");
        return 2;
    }
    std::printf("%s\n", ok ? "accepted" : "refused");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string_view{argv[1]} == "--hostile") {
        return run_hostile(argv[2], argv[3]);
    }
    int rounds = 9;
    std::size_t iterations = 200000;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::atoi(argv[++i]);
        } else if (arg == "--iterations" && i + 1 < argc) {
            iterations = static_cast<std::size_t>(std::atol(argv[++i]));
        } else {
            positional.emplace_back(arg);
        }
    }
    if (positional.size() != 2 || rounds < 1 || iterations < 1) {
        std::fprintf(stderr, "usage: json_bench [--rounds R] [--iterations N] REQUESTS_DIR "
                             "REPLY_FILE\n");
        return 2;
    }

    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator{positional[0]}) {
        const std::string file = entry.path().filename().string();
        if (file.starts_with("lookup_") && file.ends_with(".json")) {
            paths.push_back(entry.path());
        }
    }
    std::sort(paths.begin(), paths.end());
    std::vector<std::string> requests;
    for (const auto& path : paths) {
        requests.push_back(read_file(path)); // with the '\n' that frames it on the wire
    }
    if (requests.empty()) {
        std::fprintf(stderr, "json_bench: no lookup_*.json in '%s'\n", positional[0].c_str());
        return 2;
    }
    const std::string expected_reply = read_file(positional[1]);

    OndemandDecoder ondemand;
    DomDecoder dom;
    RapidInsitu insitu;
    RapidSax sax;
    RapidEncoder rapid_encoder;

    // Correctness first: every decoder must agree with the shipped decode_request.
    using Decoder = std::function<bool(std::string_view, Request&)>;
    const std::vector<std::pair<std::string, Decoder>> decoders = {
        {"simdjson On Demand",
         [&](std::string_view s, Request& r) { return ondemand.decode(s, r); }},
        {"simdjson On Demand, parser per call", ondemand_fresh},
        {"simdjson On Demand, no depth limit (unsafe, reference)",
         [&](std::string_view s, Request& r) { return ondemand.decode(s, r, false); }},
        {"simdjson DOM", [&](std::string_view s, Request& r) { return dom.decode(s, r); }},
        {"RapidJSON DOM", [](std::string_view s, Request& r) { return rapid_regular(s, r); }},
        {"RapidJSON DOM in-situ",
         [&](std::string_view s, Request& r) { return insitu.decode(s, r); }},
        {"RapidJSON SAX", [&](std::string_view s, Request& r) { return sax.decode(s, r); }},
        {"nlohmann-json DOM", [](std::string_view s, Request& r) { return nlohmann_decode(s, r); }},
    };
    for (const std::string& line : requests) {
        const auto shipped = mxsteer::protocol::decode_request(line);
        if (!shipped.request) {
            std::fprintf(stderr, "json_bench: decode_request refused a fixture: %s\n",
                         shipped.error.c_str());
            return 1;
        }
        for (const auto& [name, decode] : decoders) {
            Request r;
            if (!decode(line, r) || !same_lookup(r, *shipped.request)) {
                std::fprintf(stderr, "json_bench: %s disagrees on %s", name.c_str(), line.c_str());
                return 1;
            }
        }
    }

    const std::vector<Record> records = {
        {"SOA", "example.com.",
         "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300", 3600},
        {"NS", "example.com.", "ns1.example.com.", 3600},
        {"MX", "example.com.", "10 mx1.example.com.", 300},
        {"MX", "example.com.", "20 mx2.example.com.", 300},
    };
    // The shipped hot path: records rendered once at load, a reply is one concatenation.
    std::string prerendered = encode_hand(records);
    prerendered = prerendered.substr(10, prerendered.size() - 12); // the array alone
    const std::vector<std::pair<std::string, std::function<std::string()>>> encoders = {
        {"hand-written, json_string() per field + reply_value",
         [&] { return encode_hand(records); }},
        {"hand-written, append_json_string in place",
         [&] { return encode_hand_in_place(records); }},
        {"hand-written, records pre-rendered (reply_value)",
         [&] { return mxsteer::protocol::reply_value(prerendered); }},
        {"RapidJSON Writer", [&] { return rapid_encoder.encode(records); }},
        {"nlohmann-json ordered_json dump", [&] { return encode_nlohmann(records); }},
    };
    for (const auto& [name, encode] : encoders) {
        if (encode() != expected_reply) {
            std::fprintf(stderr, "json_bench: %s differs from the captured reply:\n%s",
                         name.c_str(), encode().c_str());
            return 1;
        }
    }

    std::printf("%zu lookup requests (%s .. %s), %d rounds x %zu operations per variant\n",
                requests.size(), paths.front().filename().c_str(), paths.back().filename().c_str(),
                rounds, iterations);
    // DOM runs the kernel picked at run time inside libsimdjson; On Demand is inline code built
    // for the kernel this compilation targets (x86-64 without -march: the scalar fallback).
    std::printf("simdjson kernels: DOM %s (run time), On Demand %s (compile time)\n",
                simdjson::get_active_implementation()->name().c_str(),
                SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));

    std::vector<Variant> decode_variants;
    decode_variants.push_back({"decode_request (shipped)",
                               [&](std::size_t i) {
                                   const auto d = mxsteer::protocol::decode_request(
                                       requests[i % requests.size()]);
                                   return checksum(*d.request);
                               },
                               {}});
    for (const auto& [name, decode] : decoders) {
        decode_variants.push_back({name,
                                   [&, &fn = decode](std::size_t i) {
                                       Request r;
                                       fn(requests[i % requests.size()], r);
                                       return checksum(r);
                                   },
                                   {}});
    }
    decode_variants.push_back({"depth pre-scan alone",
                               [&](std::size_t i) {
                                   return static_cast<std::size_t>(
                                       depth_within(requests[i % requests.size()], max_depth));
                               },
                               {}});
    run_group("decode: one captured lookup request -> Request", decode_variants, rounds,
              iterations);

    std::vector<Variant> encode_variants;
    for (const auto& [name, encode] : encoders) {
        encode_variants.push_back({name, [&fn = encode](std::size_t) { return fn().size(); }, {}});
    }
    run_group("encode: 4-record lookup reply (replies/lookup_apex_any.json) -> std::string",
              encode_variants, rounds, iterations);
    std::printf("\n(checksum %zu)\n", sink);
    return 0;
}
