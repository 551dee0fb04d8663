#include "dsdn/da/data_dir.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "dsdn/io/posix_file.hpp"

namespace dsdn::da {
namespace {

constexpr const char* identity_file = "identity.key";
constexpr const char* epoch_file = "epoch";
constexpr const char* epoch_temp_file = "epoch.tmp";
constexpr const char* lock_file = "LOCK";

failure<dir_errc> io_fail(const std::string& what, int err) {
  return failure<dir_errc>{dir_errc::io_error, io::errno_message(what, err)};
}

failure<dir_errc> io_fail(const io::file_error& e) {
  return failure<dir_errc>{dir_errc::io_error, e.message};
}

void trim_right(std::string& s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.pop_back();
  }
}

// mkdir -p: creates each missing component with mode 0700; existing ones are left as they are.
std::optional<failure<dir_errc>> make_dirs(const std::string& path) {
  if (auto e = io::make_dirs(path)) {
    if (e->refusal == io::file_refusal::not_directory) {
      return failure<dir_errc>{dir_errc::io_error, "data dir " + path + " is not a directory"};
    }
    return io_fail(*e);
  }
  return std::nullopt;
}

std::optional<failure<dir_errc>> fsync_dir(const std::string& path) {
  if (auto e = io::fsync_dir(path)) {
    return io_fail(*e);
  }
  return std::nullopt;
}

std::string holder_pid(int fd) {
  std::string text;
  bool too_big = false;
  if (io::read_at_most(fd, 32, text, too_big) != 0 || too_big) {
    return "unknown";
  }
  trim_right(text);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return "unknown";
  }
  return text;
}

// Generates an identity key and stores it durably at `path` in directory `dir` (mode 0600,
// never replacing an existing file).
result<core::identity_key, dir_errc> create_identity(const std::string& path,
                                                     const std::string& dir) {
  const core::identity_key key = core::identity_key::generate();
  std::string text = core::to_hex(key.secret_bytes()) + "\n";
  auto written = io::write_synced_file(path, text, O_EXCL, 0600, io::umask_policy::apply,
                                       "identity key " + path);
  sodium_memzero(text.data(), text.size());
  if (written) {
    return io_fail(*written);
  }
  if (auto synced = fsync_dir(dir)) {
    return *synced;
  }
  return key;
}

}  // namespace

const char* to_string(dir_errc e) {
  switch (e) {
    case dir_errc::io_error:
      return "io_error";
    case dir_errc::locked:
      return "locked";
    case dir_errc::insecure_permissions:
      return "insecure_permissions";
    case dir_errc::corrupt:
      return "corrupt";
  }
  return "unknown";
}

result<data_dir, dir_errc> data_dir::open(const std::string& path_in) {
  std::string path = path_in;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (path.empty()) {
    return failure<dir_errc>{dir_errc::io_error, "data dir path is empty"};
  }
  if (auto err = make_dirs(path)) {
    return *err;
  }
  const std::string lock_path = path + "/" + lock_file;
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return io_fail("cannot open lock file " + lock_path, errno);
  }
  io::fd_guard guard(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return failure<dir_errc>{
          dir_errc::locked,
          "data dir " + path + " is in use by another process (pid " + holder_pid(fd) + ")"};
    }
    return io_fail("cannot lock " + lock_path, err);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return io_fail("cannot write our pid into " + lock_path, errno);
  }
  return data_dir(std::move(path), guard.release());
}

data_dir::data_dir(data_dir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

data_dir& data_dir::operator=(data_dir&& other) noexcept {
  if (this != &other) {
    if (lock_fd_ >= 0) {
      ::close(lock_fd_);
    }
    path_ = std::move(other.path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
  }
  return *this;
}

data_dir::~data_dir() {
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
  }
}

std::string data_dir::file(const std::string& name) const {
  return path_ + "/" + name;
}

result<core::identity_key, dir_errc> data_dir::load_or_create_identity() {
  core::crypto_init();
  const std::string path = file(identity_file);
  const failure<dir_errc> malformed{
      dir_errc::corrupt,
      "identity key " + path + " does not hold a 64-byte secret key as 128 hex characters"};
  std::string text;
  if (auto e = io::read_mode_checked(path, {"identity key", 077, "access", "600", 256}, text)) {
    switch (e->refusal) {
      case io::file_refusal::not_regular:
        return failure<dir_errc>{dir_errc::corrupt,
                                 "identity key " + path + " is not a regular file"};
      case io::file_refusal::insecure_mode:
        return failure<dir_errc>{dir_errc::insecure_permissions, e->message};
      case io::file_refusal::too_big:
        return malformed;
      case io::file_refusal::none:
      case io::file_refusal::not_directory:
        break;
    }
    if (e->err == ENOENT) {
      return create_identity(path, path_);
    }
    return io_fail(*e);
  }
  trim_right(text);
  uint8_t secret[64];
  const bool parsed = text.size() == 128 && core::from_hex(text, secret, 64);
  sodium_memzero(text.data(), text.size());
  if (!parsed) {
    sodium_memzero(secret, sizeof secret);
    return malformed;
  }
  core::identity_key key;
  const bool consistent = core::identity_key::from_secret(secret, key);
  sodium_memzero(secret, sizeof secret);
  if (!consistent) {
    return failure<dir_errc>{
        dir_errc::corrupt,
        "identity key " + path + " is inconsistent: its public half does not match its seed"};
  }
  return key;
}

result<uint64_t, dir_errc> data_dir::current_epoch() const {
  const std::string path = file(epoch_file);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) {
      return uint64_t{0};
    }
    return io_fail("cannot open epoch file " + path, errno);
  }
  io::fd_guard guard(fd);
  std::string text;
  bool too_big = false;
  if (const int err = io::read_at_most(fd, 64, text, too_big); err != 0) {
    return io_fail("cannot read epoch file " + path, err);
  }
  trim_right(text);
  const failure<dir_errc> bad{dir_errc::corrupt,
                              "epoch file " + path + " does not hold a decimal number"};
  if (too_big || text.empty() || text.size() > 20) {
    return bad;
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return bad;
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return bad;
    }
    value = value * 10 + digit;
  }
  return value;
}

result<uint64_t, dir_errc> data_dir::next_epoch(uint64_t at_least) {
  auto stored = current_epoch();
  if (!stored) {
    return stored.error();
  }
  const uint64_t base = std::max(stored.value(), at_least == 0 ? 0 : at_least - 1);
  if (base == UINT64_MAX) {
    return failure<dir_errc>{dir_errc::corrupt, "epoch counter in " + file(epoch_file) +
                                                    " cannot be incremented past its maximum"};
  }
  const uint64_t next = base + 1;
  const std::string temp = file(epoch_temp_file);
  const std::string text = std::to_string(next) + "\n";
  if (auto e = io::write_synced_file(temp, text, O_TRUNC, 0600, io::umask_policy::apply, temp)) {
    return io_fail(*e);
  }
  if (::rename(temp.c_str(), file(epoch_file).c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot rename " + temp + " to " + file(epoch_file), err);
  }
  if (auto err = fsync_dir(path_)) {
    return *err;
  }
  return next;
}

}  // namespace dsdn::da
