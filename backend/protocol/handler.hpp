// The request handler: one pdns request in (a line or an HTTP request), one reply out, answered
// from a store.
// SPDX-License-Identifier: MIT
#pragma once

#include "core/answer_store.hpp"
#include "protocol/http_request.hpp"
#include "protocol/request.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mxsteer::protocol {

// Answers one decoded request: {"result":...}\n. Never throws for a request: an unknown method
// or an unknown zone is {"result":false,"log":["..."]}, which pdns logs and treats as "nothing".
// `health` is the prober's newest snapshot (null: no health checks, every exchange up) and
// `now_s` the wall clock in seconds, for steered names.
[[nodiscard]] std::string handle(const Request& request, const core::AnswerStore& store,
                                 const core::HealthSnapshot* health = nullptr,
                                 std::int64_t now_s = 0);

// Decodes one request line (unix and pipe connectors) and answers it; a malformed line is
// {"result":false,"log":["cannot decode request: ..."]}.
[[nodiscard]] std::string handle_request(std::string_view line, const core::AnswerStore& store,
                                         const core::HealthSnapshot* health = nullptr,
                                         std::int64_t now_s = 0);

// Decodes one HTTP request (http connector) and answers it: status 200 with handle()'s reply,
// or the decoder's status (400, 404, 405, 415) with {"result":false,"log":["..."]} and, for
// 405, an Allow header. pdns takes a 404 with a JSON body as an answer and any other error
// status as a failed call.
[[nodiscard]] HttpReply handle_http_request(const HttpRequest& request,
                                            const core::AnswerStore& store,
                                            const core::HealthSnapshot* health = nullptr,
                                            std::int64_t now_s = 0);

} // namespace mxsteer::protocol
