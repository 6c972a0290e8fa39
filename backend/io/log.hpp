// mxsteer::log: the one logging facade. A constant message plus fields, one line to stderr.
// SPDX-License-Identifier: MIT
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mxsteer::log {

enum class Level { debug, info, warning, error };

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void set_level(Level level);
[[nodiscard]] std::optional<Level> parse_level(std::string_view text);
[[nodiscard]] bool enabled(Level level);
void write(Level level, std::string_view message, Fields fields);

inline void debug(std::string_view message, Fields fields = {}) {
    if (enabled(Level::debug)) {
        write(Level::debug, message, fields);
    }
}
inline void info(std::string_view message, Fields fields = {}) {
    write(Level::info, message, fields);
}
inline void warning(std::string_view message, Fields fields = {}) {
    write(Level::warning, message, fields);
}
inline void error(std::string_view message, Fields fields = {}) {
    write(Level::error, message, fields);
}

} // namespace mxsteer::log
