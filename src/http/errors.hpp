#pragma once
// Actor errors to HTTP: one total mapping (BEAST.md section 3, specs/README.md item 2).

#include <caf/fwd.hpp>

#include "call.hpp"
#include "json_io.hpp"

namespace dsdn::http {

/// dsdn::ec not_ready/da_unavailable/shutting_down -> 503, invalid_argument 400, not_found 404,
/// conflict 409; sec::request_timeout 504, sec::request_receiver_down 503; anything else 500.
unsigned status_for(const caf::error& err);

/// Answers `err` with its status and {"error": message, "field": field} plus the keys of
/// `extra`; 503 answers carry Retry-After.
void send_error(const call& c, const caf::error& err, const json& extra = json::object());

}  // namespace dsdn::http
