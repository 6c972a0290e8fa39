// Master-file loader (RFC 1035 §5) on libzscanner: the only unit that includes the scanner.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/diagnostic.hpp"
#include "core/lint.hpp"
#include "core/zone.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxsteer::lint {

struct LoadResult {
    Zone zone;
    // parse-error findings, and mx-target-is-ip for IPv6 literals the scanner rejects.
    std::vector<Diagnostic> diagnostics;
    // `; mxlint: disable=...` comments found in the files.
    std::vector<Suppression> suppressions;
};

// Loads a zone file and its $INCLUDEs. `origin` must be absolute. Errors inside the files
// (syntax, missing or looping includes) become parse-error findings and loading goes on with
// the next record. Throws std::system_error when the top-level file cannot be read.
[[nodiscard]] LoadResult load_zone_file(const std::string& path, std::string_view origin);
// The same for a file whose text the caller has already read.
[[nodiscard]] LoadResult load_zone_file(const std::string& path, std::string_view text,
                                        std::string_view origin);

// Reads a whole file; throws std::system_error("cannot read 'PATH'") on failure, also for a
// directory.
[[nodiscard]] std::string read_text_file(const std::string& path);

// Loads master-file text held in memory, shown as `display_name` in findings; relative
// $INCLUDE paths resolve against `base_dir`.
[[nodiscard]] LoadResult load_zone_text(std::string_view text, const std::string& display_name,
                                        std::string_view origin, const std::string& base_dir = ".");

// The origin of a zone file when none is given: its leading $ORIGIN, else the one its file name
// implies; nullopt when neither says.
[[nodiscard]] std::optional<std::string> implied_origin(std::string_view text,
                                                        std::string_view path);

// The origin a file names for itself: a leading $ORIGIN directive (before any record).
[[nodiscard]] std::optional<std::string> origin_from_text(std::string_view text);
// The origin implied by a file name: "example.com.zone", "example.com.db", "db.example.com",
// "example.com"; nullopt when the name does not look like a domain.
[[nodiscard]] std::optional<std::string> origin_from_file_name(std::string_view path);

} // namespace mxsteer::lint
