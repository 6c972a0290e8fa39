// Log lines as `level=info msg="zone loaded" zone=example.com. records=42` on stderr; journald
// adds the timestamps.
// SPDX-License-Identifier: MIT
#include "log.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>

namespace mxsteer::log {

namespace {

std::atomic<Level> threshold{Level::info};

std::string_view name(Level level) {
    switch (level) {
    case Level::debug:
        return "debug";
    case Level::info:
        return "info";
    case Level::warning:
        return "warning";
    case Level::error:
        return "error";
    }
    return "error";
}

// A value bare when it is one plain word, else quoted with escapes.
void append_value(std::string& out, std::string_view value) {
    const bool plain =
        !value.empty() && value.find_first_of(" \"=\\\n\t") == std::string_view::npos;
    if (plain) {
        out += value;
        return;
    }
    out += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    out += '"';
}

} // namespace

void set_level(Level level) {
    threshold.store(level);
}

std::optional<Level> parse_level(std::string_view text) {
    for (const Level level : {Level::debug, Level::info, Level::warning, Level::error}) {
        if (text == name(level)) {
            return level;
        }
    }
    return std::nullopt;
}

bool enabled(Level level) {
    return level >= threshold.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message, Fields fields) {
    if (!enabled(level)) {
        return;
    }
    std::string line = fmt::format("level={} msg=", name(level));
    append_value(line, message);
    for (const auto& [key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        append_value(line, value);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace mxsteer::log
