// The /fallback/* endpoints with real data: the status from the health monitor (corrected by a
// live probe, da_view.hpp), the outbox from the da_router, one reconciliation round on demand
// from the reconciliation_engine, and the read-only consistency check.

#include "da_view.hpp"
#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

json report_json(const reconcile_report& r) {
  return json{{"success", r.success},
              {"blobs_processed", r.blobs_processed},
              {"blobs_reconciled", r.blobs_reconciled},
              {"blobs_failed", r.blobs_failed},
              {"duration_ms", r.duration_ms},
              {"errors", r.errors},
              {"publishers", r.publishers},
              {"remaining", r.remaining}};
}

json optional_json(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}

}  // namespace

void get_fallback_status(const call& c) {
  with_da_view(c, [c](const da_view& v) {
    std::optional<std::string> reason = v.snapshot.fallback_reason;
    if (!reason && v.current_status != "primary_healthy")
      reason = v.have_snapshot ? "the " + v.routing_state + " DA failed a live health check"
                               : std::string("the health monitor did not answer");
    json out{
        {"current_status", v.current_status},
        {"fallback_active", v.fallback_active},
        {"fallback_reason", optional_json(reason)},
        {"pending_reconcile_count", v.pending_reconcile},
        {"last_fallback_at",
         v.snapshot.last_fallback_at_ms ? json(*v.snapshot.last_fallback_at_ms) : json(nullptr)}};
    // Extra fields only once something happened, so a healthy answer keeps the original shape.
    if (!v.snapshot.transitions.empty()) {
      out["da_status"] = v.da_health;
      out["transitions"] = transitions_json(v.snapshot);
    }
    send_json(c, 200, out);
  });
}

void get_fallback_pending(const call& c) {
  ask<outbox_info_list>(
      c, c.ctx->router,
      [c](outbox_info_list entries) {
        json out = json::array();
        for (auto& e : entries)
          out.push_back(json{{"blob_id", core::to_hex(e.commitment)},
                             {"source_da", da::to_string(e.layer)},
                             {"target_da", "primary"},
                             {"stored_at", e.stored_at_ms},
                             {"retry_count", e.retry_count},
                             {"last_error", optional_json(e.last_error)},
                             {"id", e.id},
                             {"publisher", core::to_hex(e.publisher)},
                             {"epoch", e.epoch},
                             {"sequence", e.sequence},
                             {"size", e.blob_size},
                             {"source_height", e.layer_height}});
        send_json(c, 200, out);
      },
      atom::pending_v, defaults::pending_list_limit);
}

void post_fallback_reconcile(const call& c) {
  if (!c.ctx->reconciler) {
    send_json(c, 200,
              json{{"success", true},
                   {"blobs_processed", 0},
                   {"blobs_reconciled", 0},
                   {"blobs_failed", 0},
                   {"duration_ms", 0},
                   {"errors", json::array()},
                   {"message",
                    "single DA layer: no fallback layer and no outbox, so nothing to "
                    "reconcile"}});
    return;
  }
  ask<reconcile_report>(
      c, c.ctx->reconciler,
      [c](reconcile_report r) {
        if (r.primary_unhealthy) {
          // The original's only 500: nothing was attempted because the primary is down.
          send_json(c, 500,
                    json{{"error", "reconciliation_failed"},
                         {"message", r.errors.empty() ? std::string() : r.errors.front()},
                         {"report", report_json(r)}});
          return;
        }
        send_json(c, 200, report_json(r));
      },
      atom::reconcile_v);
}

void get_fallback_consistency(const call& c) {
  ask_or<consistency_report>(
      c, c.ctx->cfg.request_timeout, c.ctx->checker,
      [c](consistency_report r) {
        json out{{"is_consistent", r.is_consistent},
                 {"items_verified", r.items_verified},
                 {"inconsistencies_found", r.details.size()},
                 {"details", r.details},
                 {"verified_at", r.verified_at_ms},
                 {"unverified", r.unverified},
                 {"applied_height", r.applied_height},
                 {"gap_count", r.gap_count},
                 {"blobs_rejected", r.blobs_rejected},
                 {"consumer_next_height", r.consumer_next_height},
                 {"state_checksum", r.live_checksum},
                 {"rebuilt_checksum",
                  r.rebuilt_checksum.empty() ? json(nullptr) : json(r.rebuilt_checksum)},
                 {"pending_checked", r.pending_checked},
                 {"reconciled_checked", r.reconciled_checked}};
        if (r.have_head)
          out["da_head"] = r.da_head;
        send_json(c, 200, out);
      },
      [c](const caf::error& err) { send_error(c, err); }, atom::verify_v);
}

}  // namespace dsdn::http
