// Renders a loaded zone into the records mxsteerd serves: rdata in presentation form via ldns.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"
#include "core/zone.hpp"

namespace mxsteer::io {

// Every record of `zone` with its rdata as presentation text (ldns prints every type with its
// escaping and quoting), plus an "ENT" marker for each empty non-terminal. Throws
// std::runtime_error when ldns cannot read a record's rdata.
[[nodiscard]] core::ServedZone render_zone(const lint::Zone& zone);

} // namespace mxsteer::io
