#include "dsdn/actors/coordinator.hpp"

#include <filesystem>

#include <caf/actor_system.hpp>
#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "dsdn/actors/logging.hpp"
#include "dsdn/da/memory_da.hpp"
#include "dsdn/da/sqlite_da.hpp"

namespace dsdn {

namespace {

failure<start_errc> failure_of(start_errc code, std::string message) {
  return failure<start_errc>{code, std::move(message)};
}

}  // namespace

result<std::unique_ptr<coordinator>, start_errc> coordinator::start(caf::actor_system& sys,
                                                                    coordinator_config cfg) {
  auto c = open(sys, std::move(cfg));
  if (!c)
    return c;
  auto ok = c.value()->rebuild_and_accept();
  if (!ok)
    return ok.error();
  return c;
}

result<std::unique_ptr<coordinator>, start_errc> coordinator::open(caf::actor_system& sys,
                                                                   coordinator_config cfg) {
  core::crypto_init();
  if (auto bad = check(cfg.health))
    return {start_errc::config, "health monitor: " + *bad};
  if (auto bad = check(cfg.reconcile))
    return {start_errc::config, "reconciliation: " + *bad};
  std::unique_ptr<coordinator> c(new coordinator);
  c->sys_ = &sys;

  auto dir = da::data_dir::open(cfg.data_dir);
  if (!dir)
    return {start_errc::data_dir, dir.error().message};
  c->dir_ = std::make_unique<da::data_dir>(std::move(dir).value());
  // A committee member publishes with the identity from its member file.
  result<core::identity_key, da::dir_errc> key =
      cfg.identity ? *cfg.identity : c->dir_->load_or_create_identity();
  if (!key)
    return {start_errc::data_dir, key.error().message};
  c->publisher_id_ = key.value().public_key_bytes();
  // The epoch advances durably at every start, before anything is published.
  auto epoch = c->dir_->next_epoch();
  if (!epoch)
    return {start_errc::data_dir, epoch.error().message};
  c->epoch_ = epoch.value();

  std::shared_ptr<da::da_backend> backend = cfg.backend;
  if (!backend && cfg.mock_da)
    backend = da::make_memory_da();
  if (!backend) {
    auto db = da::open_sqlite_da(c->dir_->file("da.sqlite"));
    if (!db)
      return {start_errc::da, db.error().message};
    backend = std::move(db).value();
  }
  c->da_kind_ = backend->kind();
  log().info("coordinator_starting data_dir={} da={} publisher={} epoch={}", c->dir_->path(),
             backend->kind(), core::to_hex(c->publisher_id_), c->epoch_);

  // The outbox: with a fallback layer, or when an earlier run left one (its blobs must still
  // reach the primary, and new blobs must queue behind them).
  auto outbox_path = cfg.outbox_path.empty() ? c->dir_->file("outbox.sqlite") : cfg.outbox_path;
  std::shared_ptr<da::outbox> outbox;
  std::error_code fs_err;
  if (cfg.secondary || cfg.emergency || std::filesystem::exists(outbox_path, fs_err)) {
    auto opened = da::outbox::open(outbox_path, cfg.outbox_limits);
    if (!opened)
      return {start_errc::da, opened.error().message};
    outbox = std::make_shared<da::outbox>(std::move(opened).value());
  }

  core::trusted_publishers trusted(cfg.trusted_publishers);
  trusted.add(c->publisher_id_);
  c->da_ = spawn_da(sys, backend);
  c->reads_ = cfg.read_backend ? spawn_da(sys, cfg.read_backend) : c->da_;
  c->layers_.primary = c->da_;
  c->layers_.primary_kind = backend->kind();
  if (cfg.secondary) {
    c->layers_.secondary = spawn_da(sys, cfg.secondary);
    c->layers_.secondary_kind = cfg.secondary->kind();
  }
  if (cfg.emergency) {
    c->layers_.emergency = spawn_da(sys, cfg.emergency);
    c->layers_.emergency_kind = cfg.emergency->kind();
  }
  c->probed_ = c->layers_;
  if (cfg.probe_backend)
    c->probed_.primary = spawn_da(sys, cfg.probe_backend);
  if (cfg.emergency && cfg.emergency_probe)
    c->probed_.emergency = spawn_da(sys, cfg.emergency_probe);
  log().info("da_layers primary={} secondary={} emergency={} outbox={} outbox_entries={}",
             c->layers_.primary_kind,
             c->layers_.secondary ? c->layers_.secondary_kind : std::string("none"),
             c->layers_.emergency ? c->layers_.emergency_kind : std::string("none"),
             outbox ? outbox->path() : std::string("none"), outbox ? outbox->size() : 0);
  c->sm_ = spawn_state_machine(sys, state_machine_config{trusted, c->publisher_id_});
  cfg.consumer.trusted = trusted;
  c->consumer_ = spawn_da_consumer(sys, cfg.consumer, c->reads_, c->sm_);
  c->monitor_ = spawn_health_monitor(sys, cfg.health, c->probed_);
  const bool with_outbox = static_cast<bool>(outbox);
  // The router's failover deadline counts from the probe interval (da_router_config).
  cfg.router.health_interval = cfg.health.interval;
  c->router_ = spawn_da_router(sys, cfg.router, c->layers_, c->monitor_, std::move(outbox));
  if (with_outbox)
    c->engine_ = spawn_reconciliation_engine(sys, cfg.reconcile, c->router_, c->da_, c->monitor_,
                                             c->consumer_);
  consistency_checker_config ccfg;
  ccfg.layers = c->layers_;
  ccfg.layers.primary = c->reads_;
  ccfg.sm = c->sm_;
  ccfg.consumer = c->consumer_;
  ccfg.router = c->router_;
  ccfg.engine = c->engine_;
  ccfg.trusted = trusted;
  c->checker_ = spawn_consistency_checker(sys, std::move(ccfg));
  cfg.publisher.key = std::move(key).value();
  c->publisher_ = spawn_event_publisher(sys, std::move(cfg.publisher), c->router_, c->consumer_);
  c->registry_ = spawn_registry(sys, c->sm_, c->publisher_, c->monitor_);
  state_rebuilder_config rebuild_cfg;
  rebuild_cfg.timeout = cfg.rebuild_timeout;
  c->rebuild_timeout_ = cfg.rebuild_timeout;
  c->rebuilder_ =
      spawn_state_rebuilder(sys, c->reads_, c->consumer_, c->sm_, c->publisher_id_, rebuild_cfg);
  return c;
}

result<bool, start_errc> coordinator::rebuild_and_accept() {
  auto* c = this;
  auto& sys = *sys_;
  // Replay DA; only then may the publisher write, in an epoch above anything DA has seen
  // from us (the epoch file could be older than DA, e.g. a restored backup).
  caf::scoped_actor self{sys};
  std::string failure;
  // The rebuilder fails by itself at its timeout; the margin lets its answer arrive first.
  self->request(c->rebuilder_, c->rebuild_timeout_ + std::chrono::seconds(5), atom::rebuild_v)
      .receive([&](rebuild_report& r) { c->rebuild_ = std::move(r); },
               [&](caf::error& err) { failure = sys.render(err); });
  caf::anon_send_exit(c->rebuilder_, caf::exit_reason::user_shutdown);
  if (!failure.empty()) {
    c->stop();
    return failure_of(start_errc::rebuild, "rebuild failed: " + failure);
  }
  if (c->rebuild_.own_cursor.epoch >= c->epoch_) {
    auto bumped = c->dir_->next_epoch(c->rebuild_.own_cursor.epoch + 1);
    if (!bumped) {
      c->stop();
      return failure_of(start_errc::data_dir, bumped.error().message);
    }
    log().warn("epoch_behind_da stored_epoch={} da_epoch={} new_epoch={}", c->epoch_,
               c->rebuild_.own_cursor.epoch, bumped.value());
    c->epoch_ = bumped.value();
  }
  self->send(c->publisher_, atom::start_v, c->epoch_);
  self->send(c->consumer_, atom::start_v, c->rebuild_.head_height + 1);
  log().info("coordinator_ready data_dir={} publisher={} epoch={} applied_height={} checksum={}",
             c->dir_->path(), core::to_hex(c->publisher_id_), c->epoch_,
             c->rebuild_.status.applied_height, c->rebuild_.status.checksum_hex);
  return true;
}

void coordinator::cancel_rebuild() {
  // An exit to a finished rebuilder (already exited) is dropped.
  caf::anon_send_exit(rebuilder_, caf::exit_reason::user_shutdown);
}

coordinator::~coordinator() {
  stop();
}

void coordinator::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  caf::scoped_actor self{*sys_};
  if (publisher_) {
    self->request(publisher_, defaults::shutdown_flush_timeout, atom::flush_v)
        .receive([&](uint64_t blobs) { log().info("publisher_flushed blobs_written={}", blobs); },
                 [&](caf::error& err) {
                   log().error("publisher_flush_failed error=\"{}\" (pending events not written)",
                               sys_->render(err));
                 });
  }
  // Let the consumer apply everything now on DA (our last blobs included), so the checksum
  // logged here is the one the next start rebuilds.
  if (reads_ && consumer_) {
    self->request(reads_, defaults::da_request_timeout, atom::head_v)
        .receive(
            [&](uint64_t head) {
              self->request(consumer_, defaults::shutdown_flush_timeout, atom::sync_v, head)
                  .receive([](uint64_t) {},
                           [&](caf::error& err) {
                             log().warn("final_sync_failed error=\"{}\"", sys_->render(err));
                           });
            },
            [&](caf::error& err) {
              log().warn("final_head_failed error=\"{}\"", sys_->render(err));
            });
  }
  if (sm_) {
    self->request(sm_, defaults::actor_request_timeout, atom::status_v)
        .receive(
            [&](const state_status& s) {
              log().info("coordinator_stopped applied_height={} checksum={}", s.applied_height,
                         s.checksum_hex);
            },
            [&](caf::error&) {});
  }
  for (auto hdl : {caf::actor_cast<caf::actor>(registry_), caf::actor_cast<caf::actor>(publisher_),
                   caf::actor_cast<caf::actor>(checker_), caf::actor_cast<caf::actor>(engine_),
                   caf::actor_cast<caf::actor>(consumer_), caf::actor_cast<caf::actor>(sm_),
                   caf::actor_cast<caf::actor>(rebuilder_), caf::actor_cast<caf::actor>(monitor_)})
    if (hdl)
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
  // The router owns the outbox's exclusive lock: wait (bounded) until it is gone, so the data
  // dir can be opened again at once. The layers go last, after everything that writes to them.
  if (router_) {
    self->monitor(router_);
    self->send_exit(router_, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {},
                  caf::after(defaults::shutdown_flush_timeout) >>
                      [] { log().warn("router_stop_timeout (the outbox may still be open)"); });
  }
  for (auto hdl :
       {layers_.secondary, layers_.emergency, da_, reads_, probed_.primary, probed_.emergency})
    if (hdl)
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
}

}  // namespace dsdn
