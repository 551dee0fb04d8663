// The DA endpoints: /da/post through the da_router (the primary while healthy, else the outbox
// and a fallback layer), /da/metrics with per-layer figures, /da/routing from the health
// monitor corrected by a live probe (da_view.hpp). The /fallback/* endpoints are in
// handlers_fallback.cpp.

#include <cstdio>

#include "da_view.hpp"
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

json layer_json(const layer_metrics& m) {
  json out{{"kind", m.kind},
           {"configured", m.configured},
           {"post_count", m.post_count},
           {"error_count", m.error_count},
           {"blobs_posted", m.blobs_posted},
           {"bytes_posted", m.bytes_posted},
           {"avg_post_latency_us", m.avg_post_latency_us},
           {"last_post_latency_us", m.last_post_latency_us}};
  out["last_error"] = m.last_error.empty() ? json(nullptr) : json(m.last_error);
  return out;
}

/// The router's figures: per-layer writes, routed write counts and the outbox.
void add_router_figures(json& out, const router_status& r) {
  json layers = json::object();
  for (auto& m : r.layers)
    layers[m.layer] = layer_json(m);
  out["layers"] = std::move(layers);
  out["writes"] = json{{"direct", r.writes_direct},
                       {"pending_primary", r.writes_pending},
                       {"refused", r.writes_refused},
                       {"failed", r.writes_failed}};
  out["outbox"] = json{{"enabled", r.fallback_enabled},
                       {"entries", r.outbox_entries},
                       {"bytes", r.outbox_bytes},
                       {"max_entries", r.outbox_max_entries},
                       {"max_bytes", r.outbox_max_bytes}};
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
  ask_or<routed_receipt>(
      c, c.ctx->cfg.request_timeout, c.ctx->router,
      [c](routed_receipt r) {
        // "layer" is the storing layer's backend kind, as before the fallback; a blob held for
        // the primary also says which role holds it.
        json out{{"success", true}, {"height", r.receipt.height}, {"layer", r.kind}};
        if (!r.receipt.commitments.empty())
          out["commitment"] = core::to_hex(r.receipt.commitments.front());
        if (r.pending_primary) {
          out["role"] = r.layer;
          out["pending_primary"] = true;
        }
        send_json(c, 200, out);
      },
      [c, failed](const caf::error& err) {
        // A DA failure is the original's 500; a full outbox is 503 (retry later); timeouts and
        // a dead actor keep their mapping.
        auto [field, message] = error_details(err);
        unsigned status = status_for(err);
        if (err.category() == caf::atom("dsdn"))
          status = field == "outbox" ? 503 : 500;
        if (message.empty())
          message = c.ctx->sys.render(err);
        send_failure(c, status, message, "", failed);
      },
      atom::submit_v, std::move(blobs));
}

void get_da_metrics(const call& c) {
  auto with_router = [c](json out) {
    ask_or<router_status>(
        c, c.ctx->cfg.health_timeout, c.ctx->router,
        [c, out](router_status r) mutable {
          add_router_figures(out, r);
          send_json(c, 200, out);
        },
        [c, out](const caf::error&) { send_json(c, 200, out); }, atom::status_v);
  };
  ask_or<da_metrics>(
      c, c.ctx->cfg.health_timeout, c.ctx->da,
      [with_router](da_metrics m) {
        with_router(json{{"available", true},
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
      [c, with_router](const caf::error& err) {
        with_router(json{{"available", false},
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
  with_da_view(c, [c](const da_view& v) {
    send_json(c, 200,
              json{{"current_state", v.routing_state},
                   {"primary_healthy", v.primary_healthy},
                   {"secondary_healthy", v.secondary_healthy},
                   {"emergency_healthy", v.emergency_healthy},
                   {"fallback_active", v.fallback_active},
                   {"pending_reconcile", v.pending_reconcile}});
  });
}

}  // namespace dsdn::http
