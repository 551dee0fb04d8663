#pragma once
// One coordinator: the data dir, the DA backend and every actor, started in order (open,
// rebuild from DA, then accept writes) and stopped in order (flush pending events, then exit).
// Used by `serve`, the system tests and the benchmarks.

#include <memory>
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
  event_publisher_config publisher;  // `key` is filled from the data dir
  da_consumer_config consumer;       // `trusted` is filled from the above
  /// When set, used as the DA backend instead of mock/sqlite (tests, benchmarks).
  std::shared_ptr<da::da_backend> backend;
};

/// Why a coordinator could not start.
enum class start_errc : uint8_t { data_dir = 1, da, rebuild };

class coordinator {
 public:
  /// Opens the data dir and the DA and spawns every actor; writes are refused (not_ready)
  /// until rebuild_and_accept() completes, reads already work. Call from a non-actor thread.
  static result<std::unique_ptr<coordinator>, start_errc> open(caf::actor_system& sys,
                                                               coordinator_config cfg);

  /// Replays DA into the state machine, then lets the publisher accept writes in an epoch
  /// above anything DA holds from us. Blocks; call once, from a non-actor thread.
  result<bool, start_errc> rebuild_and_accept();

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
  da_actor da() const { return da_; }

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
  state_machine_actor sm_;
  da_consumer_actor consumer_;
  event_publisher_actor publisher_;
  registry_actor registry_;
  state_rebuilder_actor rebuilder_;
  bool stopped_ = false;
};

}  // namespace dsdn
