#pragma once
// One coordinator: the data dir, the DA layers and every actor, started in order (open,
// rebuild from DA, then accept writes) and stopped in order (flush pending events, then exit).
// Used by `serve`, the system tests and the benchmarks.
//
// DA layers: the primary (the canonical order) and optional secondary and emergency layers.
// Every write goes through the da_router; the health_monitor always runs (it is the source of
// /health's five-state status). With a fallback layer configured, or an outbox left by an
// earlier run, the router owns the durable outbox (<data dir>/outbox.sqlite) and the
// reconciliation_engine replays it to the primary; without, a failed primary write is an error
// and the publisher retries it in order.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/da/data_dir.hpp"

namespace dsdn {

/// What a coordinator needs to start.
struct coordinator_config {
  std::string data_dir = "./data";
  /// In-memory DA instead of the embedded SQLite DA (state is lost at exit).
  bool mock_da = false;
  /// Publishers besides ourselves whose blobs we apply.
  std::vector<core::public_key> trusted_publishers;
  /// The publisher identity to use instead of the data dir's key (a committee member's key
  /// from its member file).
  std::optional<core::identity_key> identity;
  event_publisher_config publisher;  // `key` is filled from the data dir
  da_consumer_config consumer;       // `trusted` is filled from the above
  /// When set, used as the DA backend instead of mock/sqlite (tests, benchmarks).
  std::shared_ptr<da::da_backend> backend;
  /// Optional further clients of the same primary (a networked one): reads (consumer,
  /// rebuild, consistency check) and health probes each get their own actor, so a submit
  /// stuck in its client's retries delays neither, and neither delays a submit. Unset: the
  /// `backend` actor serves them too (in-process backends answer at once).
  std::shared_ptr<da::da_backend> read_backend;
  std::shared_ptr<da::da_backend> probe_backend;
  /// The same for the emergency layer's probes.
  std::shared_ptr<da::da_backend> emergency_probe;
  /// Fallback layers (any da_backend: QuorumDA, a Celestia-protocol DA node, memory in tests).
  std::shared_ptr<da::da_backend> secondary;
  std::shared_ptr<da::da_backend> emergency;
  /// The durable outbox; empty = <data_dir>/outbox.sqlite.
  std::string outbox_path;
  /// The outbox cap: past it, writes are refused (HTTP 503).
  da::outbox_limits outbox_limits{defaults::outbox_max_entries, defaults::outbox_max_bytes};
  /// Probe interval, probe timeout, failure/recovery thresholds, warning latency.
  health_monitor_config health;
  /// Timeout of one write to one layer through the router.
  da_router_config router;
  /// Batch size, retries, retry delay, parallel publishers.
  reconciliation_config reconcile;
  /// The startup replay, including waiting for an unreachable primary, ends within this.
  caf::timespan rebuild_timeout = defaults::rebuild_timeout;
};

/// Why a coordinator could not start (`config`: a tunable out of range).
enum class start_errc : uint8_t { data_dir = 1, da, rebuild, config };

class coordinator {
 public:
  /// Opens the data dir and the DA and spawns every actor; writes are refused (not_ready)
  /// until rebuild_and_accept() completes, reads already work. Call from a non-actor thread.
  static result<std::unique_ptr<coordinator>, start_errc> open(caf::actor_system& sys,
                                                               coordinator_config cfg);

  /// Replays DA into the state machine, then lets the publisher accept writes in an epoch
  /// above anything DA holds from us. Blocks; call once, from a non-actor thread.
  result<bool, start_errc> rebuild_and_accept();

  /// Makes a running rebuild_and_accept() fail at once (a shutdown while the primary is
  /// unreachable). Any thread; does nothing once the rebuild is over.
  void cancel_rebuild();

  /// open() + rebuild_and_accept().
  static result<std::unique_ptr<coordinator>, start_errc> start(caf::actor_system& sys,
                                                                coordinator_config cfg);
  ~coordinator();

  /// Flushes pending events (bounded wait), then stops every actor. Idempotent.
  void stop();

  registry_actor registry() const { return registry_; }
  state_machine_actor state_machine() const { return sm_; }
  event_publisher_actor publisher() const { return publisher_; }
  da_consumer_actor consumer() const { return consumer_; }
  /// The primary DA layer (the actor writes go through).
  da_actor da() const { return da_; }
  /// Every DA layer (null handles for unconfigured fallback layers) and their kinds.
  const da_layer_set& layers() const { return layers_; }
  /// Routes every write (primary, or outbox + fallback layer).
  da_router_actor router() const { return router_; }
  /// The five-state DA status.
  health_monitor_actor health_monitor() const { return monitor_; }
  /// Replays the outbox to the primary; null when there is no outbox.
  reconciliation_engine_actor reconciler() const { return engine_; }
  /// The /fallback/consistency check.
  consistency_checker_actor consistency_checker() const { return checker_; }
  /// True when the router has an outbox (a fallback layer, or a backlog from an earlier run).
  bool fallback_enabled() const { return static_cast<bool>(engine_); }

  const core::public_key& publisher_id() const { return publisher_id_; }
  uint64_t epoch() const { return epoch_; }
  const rebuild_report& rebuild() const { return rebuild_; }
  const std::string& data_dir_path() const { return dir_->path(); }
  /// "memory", "sqlite", ...
  const std::string& da_kind() const { return da_kind_; }

 private:
  coordinator() = default;
  caf::actor_system* sys_ = nullptr;
  std::unique_ptr<da::data_dir> dir_;
  core::public_key publisher_id_{};
  uint64_t epoch_ = 0;
  rebuild_report rebuild_;
  std::string da_kind_;
  da_actor da_;
  da_actor reads_;  // the primary for reads (da_ unless read_backend is set)
  da_layer_set layers_;
  da_layer_set probed_;  // the layers as the health monitor probes them
  health_monitor_actor monitor_;
  da_router_actor router_;
  reconciliation_engine_actor engine_;
  consistency_checker_actor checker_;
  state_machine_actor sm_;
  da_consumer_actor consumer_;
  event_publisher_actor publisher_;
  registry_actor registry_;
  state_rebuilder_actor rebuilder_;
  caf::timespan rebuild_timeout_ = defaults::rebuild_timeout;
  bool stopped_ = false;
};

}  // namespace dsdn
