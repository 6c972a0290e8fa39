// Guards for TOML input before toml++ parses it.
// SPDX-License-Identifier: MIT
#include "toml_guard.hpp"

namespace mxsteer::lint {

// Every key and table header is on one line, so the dots outside strings and comments on a
// line bound how deep one line can nest.

std::optional<TomlPosition> toml_too_deep(std::string_view text) {
    enum class State : std::uint8_t { normal, basic, literal, ml_basic, ml_literal, comment };
    State state = State::normal;
    std::uint32_t line = 1;
    std::size_t line_start = 0;
    std::size_t dots = 0;
    // Length of the run of `quote` characters at i.
    auto run = [&text](std::size_t i, char quote) {
        std::size_t n = 0;
        while (i + n < text.size() && text[i + n] == quote) {
            ++n;
        }
        return n;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            line_start = i + 1;
            dots = 0;
            // Single-line strings and comments end here (an unterminated string is toml++'s
            // error to report); multi-line strings go on.
            if (state != State::ml_basic && state != State::ml_literal) {
                state = State::normal;
            }
            continue;
        }
        switch (state) {
        case State::normal:
            if (c == '"' || c == '\'') {
                const std::size_t quotes = run(i, c);
                if (quotes >= 3) {
                    state = c == '"' ? State::ml_basic : State::ml_literal;
                    i += 2;
                } else if (quotes == 2) {
                    ++i; // an empty string
                } else {
                    state = c == '"' ? State::basic : State::literal;
                }
            } else if (c == '#') {
                state = State::comment;
            } else if (c == '.' && ++dots > max_toml_dots_per_line) {
                return TomlPosition{line, static_cast<std::uint32_t>(i - line_start + 1)};
            }
            break;
        case State::basic:
        case State::ml_basic:
            if (c == '\\') {
                // The escaped character never ends the string; an escaped newline is still
                // counted as a line by the loop.
                if (i + 1 < text.size() && text[i + 1] != '\n') {
                    ++i;
                }
            } else if (c == '"') {
                if (state == State::basic) {
                    state = State::normal;
                } else if (const std::size_t quotes = run(i, c); quotes >= 3) {
                    // """" and """"" end the string with one or two quotes inside it.
                    state = State::normal;
                    i += quotes - 1;
                }
            }
            break;
        case State::literal:
            if (c == '\'') {
                state = State::normal;
            }
            break;
        case State::ml_literal:
            if (const std::size_t quotes = c == '\'' ? run(i, c) : 0; quotes >= 3) {
                state = State::normal;
                i += quotes - 1;
            }
            break;
        case State::comment:
            break;
        }
    }
    return std::nullopt;
}

} // namespace mxsteer::lint
