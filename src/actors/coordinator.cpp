#include "dsdn/actors/coordinator.hpp"

#include <caf/actor_system.hpp>
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
  if (!c) return c;
  auto ok = c.value()->rebuild_and_accept();
  if (!ok) return ok.error();
  return c;
}

result<std::unique_ptr<coordinator>, start_errc> coordinator::open(caf::actor_system& sys,
                                                                   coordinator_config cfg) {
  core::crypto_init();
  std::unique_ptr<coordinator> c(new coordinator);
  c->sys_ = &sys;

  auto dir = da::data_dir::open(cfg.data_dir);
  if (!dir)
    return {start_errc::data_dir, dir.error().message};
  c->dir_ = std::make_unique<da::data_dir>(std::move(dir).value());
  auto key = c->dir_->load_or_create_identity();
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

  core::trusted_publishers trusted(cfg.trusted_publishers);
  trusted.add(c->publisher_id_);
  c->da_ = spawn_da(sys, backend);
  c->sm_ = spawn_state_machine(sys, state_machine_config{trusted, c->publisher_id_});
  cfg.consumer.trusted = trusted;
  c->consumer_ = spawn_da_consumer(sys, cfg.consumer, c->da_, c->sm_);
  cfg.publisher.key = std::move(key).value();
  c->publisher_ = spawn_event_publisher(sys, std::move(cfg.publisher), c->da_, c->consumer_);
  c->registry_ = spawn_registry(sys, c->sm_, c->publisher_);
  c->rebuilder_ = spawn_state_rebuilder(sys, c->da_, c->consumer_, c->sm_, c->publisher_id_);
  return c;
}

result<bool, start_errc> coordinator::rebuild_and_accept() {
  auto* c = this;
  auto& sys = *sys_;
  // Replay DA; only then may the publisher write, in an epoch above anything DA has seen
  // from us (the epoch file could be older than DA, e.g. a restored backup).
  caf::scoped_actor self{sys};
  std::string failure;
  self->request(c->rebuilder_, defaults::rebuild_timeout, atom::rebuild_v)
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
  if (da_ && consumer_) {
    self->request(da_, defaults::da_request_timeout, atom::head_v)
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
                   caf::actor_cast<caf::actor>(consumer_), caf::actor_cast<caf::actor>(sm_),
                   caf::actor_cast<caf::actor>(rebuilder_), caf::actor_cast<caf::actor>(da_)})
    if (hdl)
      self->send_exit(hdl, caf::exit_reason::user_shutdown);
}

}  // namespace dsdn
