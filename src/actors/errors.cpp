#include <caf/actor_system_config.hpp>
#include <caf/message.hpp>

#include "dsdn/actors/actors.hpp"

namespace dsdn {

const char* to_string(ec code) {
  switch (code) {
    case ec::no_error:
      return "no_error";
    case ec::not_ready:
      return "not_ready";
    case ec::invalid_argument:
      return "invalid_argument";
    case ec::not_found:
      return "not_found";
    case ec::conflict:
      return "conflict";
    case ec::da_unavailable:
      return "da_unavailable";
    case ec::shutting_down:
      return "shutting_down";
    case ec::internal:
      return "internal";
  }
  return "unknown";
}

caf::error make_dsdn_error(ec code, std::string field, std::string message) {
  return caf::make_error(code, std::move(field), std::move(message));
}

caf::error make_rejection(const core::event_outcome& outcome) {
  ec code = ec::invalid_argument;
  switch (outcome.reason) {
    case core::reject_reason::invalid:
      code = ec::invalid_argument;
      break;
    case core::reject_reason::not_found:
      code = ec::not_found;
      break;
    case core::reject_reason::conflict:
      code = ec::conflict;
      break;
  }
  return make_dsdn_error(code, outcome.field, outcome.message);
}

std::pair<std::string, std::string> error_details(const caf::error& err) {
  if (err.category() != caf::atom("dsdn"))
    return {};
  const auto& ctx = err.context();
  if (ctx.size() == 2 && ctx.match_element<std::string>(0) && ctx.match_element<std::string>(1))
    return {ctx.get_as<std::string>(0), ctx.get_as<std::string>(1)};
  return {};
}

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::dsdn>();
  cfg.add_error_category(caf::atom("dsdn"), [](uint8_t code, caf::atom_value,
                                               const caf::message& ctx) {
    std::string out = to_string(static_cast<ec>(code));
    if (ctx.size() == 2 && ctx.match_element<std::string>(0) && ctx.match_element<std::string>(1)) {
      auto& field = ctx.get_as<std::string>(0);
      if (!field.empty())
        out += " [" + field + "]";
      out += ": " + ctx.get_as<std::string>(1);
    }
    return out;
  });
}

}  // namespace dsdn
