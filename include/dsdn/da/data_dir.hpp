#pragma once
// The coordinator's data directory: an exclusive lock (one process per directory), the
// identity key (Ed25519, mode 0600, created at first start, refused if readable by others)
// and the durable epoch counter (incremented at each start).

#include <cstdint>
#include <string>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"

namespace dsdn::da {

enum class dir_errc : uint8_t {
  io_error = 1,
  locked,                // another process holds the directory
  insecure_permissions,  // key file readable or writable by group/others
  corrupt,               // a file exists but does not parse
};
const char* to_string(dir_errc e);

/// An open, locked data directory. Move-only; the lock is released on destruction.
class data_dir {
 public:
  /// Creates `path` (mode 0700) if missing and takes an exclusive, non-blocking lock on
  /// `path/LOCK`. Fails with `locked` (message names the holder's pid) when another process
  /// has it.
  static result<data_dir, dir_errc> open(const std::string& path);

  data_dir(data_dir&&) noexcept;
  data_dir& operator=(data_dir&&) noexcept;
  data_dir(const data_dir&) = delete;
  data_dir& operator=(const data_dir&) = delete;
  ~data_dir();

  const std::string& path() const { return path_; }
  /// `path/name`
  std::string file(const std::string& name) const;

  /// Loads `identity.key` or creates it (0600) at first start.
  result<core::identity_key, dir_errc> load_or_create_identity();

  /// Reads `epoch` (0 when absent), writes max(stored, at_least - 1) + 1 durably (temp file,
  /// fsync, rename, fsync dir) and returns it.
  result<uint64_t, dir_errc> next_epoch(uint64_t at_least = 1);
  /// The stored epoch without changing it (0 when absent).
  result<uint64_t, dir_errc> current_epoch() const;

 private:
  data_dir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_ = -1;
};

}  // namespace dsdn::da
