// DA and fallback endpoints for the single-DA setup: they report the one DA layer truthfully
// (there is no secondary, emergency layer or outbox yet, so those parts are constant).

#include <chrono>
#include <cstdio>

#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

/// Decodes plain hex (either case, no 0x); the error texts are the original's (Rust `hex`).
bool decode_hex(const std::string& text, da::blob_bytes& out, std::string& error) {
  if (text.size() % 2 != 0) {
    error = "Odd number of digits";
    return false;
  }
  auto nibble = [](char ch) -> int {
    if (ch >= '0' && ch <= '9')
      return ch - '0';
    if (ch >= 'a' && ch <= 'f')
      return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
      return ch - 'A' + 10;
    return -1;
  };
  out.resize(text.size() / 2);
  for (size_t i = 0; i < text.size(); ++i) {
    int v = nibble(text[i]);
    if (v < 0) {
      auto ch = static_cast<unsigned char>(text[i]);
      char shown[16];
      if (ch >= 0x20 && ch < 0x7f)
        std::snprintf(shown, sizeof(shown), "'%c'", ch);
      else
        std::snprintf(shown, sizeof(shown), "'\\x%02x'", ch);
      error = std::string("Invalid character ") + shown + " at position " + std::to_string(i);
      return false;
    }
    auto& byte = out[i / 2];
    byte = static_cast<uint8_t>(i % 2 == 0 ? v << 4 : byte | v);
  }
  return true;
}

uint64_t unix_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

/// What /fallback/consistency collects across its three actor round trips.
struct consistency {
  json details = json::array();
  json figures = json::object();
  bool have_head = false;
  uint64_t head = 0;
};

void finish_consistency(const call& c, const std::shared_ptr<consistency>& r) {
  const size_t found = r->details.size();
  json out{{"is_consistent", found == 0},
           {"items_verified", 3},
           {"inconsistencies_found", found},
           {"details", r->details},
           {"verified_at", unix_ms()}};
  for (auto it = r->figures.begin(); it != r->figures.end(); ++it)
    out[it.key()] = it.value();
  send_json(c, 200, out);
}

}  // namespace

void post_da_post(const call& c) {
  const json failed{{"success", false}};
  json_body body(c.in->body);
  std::string hex;
  if (!body.read_string("data_hex", hex))
    return send_input_error(c, *body.error(), failed);
  da::blob_bytes data;
  std::string why;
  if (!decode_hex(hex, data, why))
    return send_failure(c, 400, "invalid hex data: " + why, "data_hex", failed);
  blob_list blobs{std::move(data)};
  // The DA layer refuses empty and oversized blobs; say so as a 400 before asking it.
  if (auto refused = da::check_submit(blobs))
    return send_failure(c, 400, "invalid blob: " + refused->message, "data_hex", failed);
  ask_or<da::submit_receipt>(
      c, c.ctx->cfg.request_timeout, c.ctx->da,
      [c](da::submit_receipt receipt) {
        json out{{"success", true}, {"height", receipt.height}, {"layer", c.ctx->da_layer}};
        if (!receipt.commitments.empty())
          out["commitment"] = core::to_hex(receipt.commitments.front());
        send_json(c, 200, out);
      },
      [c, failed](const caf::error& err) {
        // A DA failure is the original's 500; timeouts and a dead actor keep their mapping.
        unsigned status = status_for(err);
        if (err.category() == caf::atom("dsdn"))
          status = 500;
        auto [field, message] = error_details(err);
        if (message.empty())
          message = c.ctx->sys.render(err);
        send_failure(c, status, message, "", failed);
      },
      atom::submit_v, std::move(blobs));
}

void get_da_metrics(const call& c) {
  ask_or<da_metrics>(
      c, c.ctx->cfg.health_timeout, c.ctx->da,
      [c](da_metrics m) {
        send_json(c, 200,
                  json{{"available", true},
                       {"post_count", m.post_count},
                       {"get_count", m.get_count},
                       {"error_count", m.error_count},
                       {"health_check_count", m.health_check_count},
                       {"retry_count", m.retry_count},
                       {"avg_post_latency_us", m.avg_post_latency_us},
                       {"avg_get_latency_us", m.avg_get_latency_us},
                       {"bytes_posted", m.bytes_posted},
                       {"layer", m.layer}});
      },
      [c](const caf::error& err) {
        send_json(c, 200,
                  json{{"available", false},
                       {"post_count", 0},
                       {"get_count", 0},
                       {"error_count", 0},
                       {"health_check_count", 0},
                       {"retry_count", 0},
                       {"avg_post_latency_us", 0},
                       {"avg_get_latency_us", 0},
                       {"reason", c.ctx->sys.render(err)}});
      },
      atom::status_v);
}

void get_da_routing(const call& c) {
  probe_da(c, [c](bool healthy) {
    send_json(c, 200,
              json{{"current_state", "primary"},
                   {"primary_healthy", healthy},
                   {"secondary_healthy", false},
                   {"emergency_healthy", false},
                   {"fallback_active", false},
                   {"pending_reconcile", 0}});
  });
}

void get_fallback_status(const call& c) {
  probe_da(c, [c](bool healthy) {
    send_json(c, 200,
              json{{"current_status", healthy ? "primary_healthy" : "unavailable"},
                   {"fallback_active", false},
                   {"fallback_reason", nullptr},
                   {"pending_reconcile_count", 0},
                   {"last_fallback_at", nullptr}});
  });
}

void get_fallback_pending(const call& c) {
  // No fallback layer, so no outbox: nothing can be pending.
  send_json(c, 200, json::array());
}

void post_fallback_reconcile(const call& c) {
  send_json(c, 200,
            json{{"success", true},
                 {"blobs_processed", 0},
                 {"blobs_reconciled", 0},
                 {"blobs_failed", 0},
                 {"duration_ms", 0},
                 {"errors", json::array()},
                 {"message",
                  "single DA layer: there is no fallback outbox yet, so nothing to "
                  "reconcile"}});
}

void get_fallback_consistency(const call& c) {
  auto r = std::make_shared<consistency>();
  auto timeout = c.ctx->cfg.request_timeout;
  auto on_state = [c, r](state_status s) {
    r->figures["applied_height"] = s.applied_height;
    r->figures["gap_count"] = s.gap_count;
    r->figures["blobs_rejected"] = s.counters.blobs_rejected;
    if (s.gap_count > 0)
      r->details.push_back(std::to_string(s.gap_count) +
                           " publisher(s) have a gap: later blobs are held until the missing "
                           "ones arrive on DA");
    if (s.counters.blobs_rejected > 0)
      r->details.push_back(std::to_string(s.counters.blobs_rejected) +
                           " blob(s) on DA were rejected (undecodable, untrusted or dropped "
                           "from a full gap buffer)");
    finish_consistency(c, r);
  };
  auto on_state_err = [c, r](const caf::error& err) {
    r->details.push_back("could not read the state machine status: " + c.ctx->sys.render(err));
    finish_consistency(c, r);
  };
  auto ask_state = [c, timeout, on_state, on_state_err] {
    ask_or<state_status>(c, timeout, c.ctx->sm, on_state, on_state_err, atom::status_v);
  };
  auto on_consumer = [r, ask_state](consumer_status s) {
    r->figures["consumer_next_height"] = s.next_height;
    if (r->have_head && s.next_height <= r->head)
      r->details.push_back("the DA consumer is behind the DA head: next height " +
                           std::to_string(s.next_height) + ", head " + std::to_string(r->head) +
                           " (" + std::to_string(r->head - s.next_height + 1) +
                           " height(s) not applied yet)");
    ask_state();
  };
  auto on_consumer_err = [c, r, ask_state](const caf::error& err) {
    r->details.push_back("could not read the DA consumer status: " + c.ctx->sys.render(err));
    ask_state();
  };
  ask_or<uint64_t>(
      c, timeout, c.ctx->da,
      [c, r, timeout, on_consumer, on_consumer_err](uint64_t head) {
        r->have_head = true;
        r->head = head;
        r->figures["da_head"] = head;
        ask_or<consumer_status>(c, timeout, c.ctx->consumer, on_consumer, on_consumer_err,
                                atom::status_v);
      },
      [c, r, timeout, on_consumer, on_consumer_err](const caf::error& err) {
        r->details.push_back("could not read the DA head: " + c.ctx->sys.render(err));
        ask_or<consumer_status>(c, timeout, c.ctx->consumer, on_consumer, on_consumer_err,
                                atom::status_v);
      },
      atom::head_v);
}

}  // namespace dsdn::http
