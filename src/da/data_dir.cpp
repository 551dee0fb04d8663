#include "dsdn/da/data_dir.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace dsdn::da {
namespace {

constexpr const char* identity_file = "identity.key";
constexpr const char* epoch_file = "epoch";
constexpr const char* epoch_temp_file = "epoch.tmp";
constexpr const char* lock_file = "LOCK";

failure<dir_errc> io_fail(const std::string& what, int err) {
  return failure<dir_errc>{dir_errc::io_error, what + ": " + std::generic_category().message(err)};
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  // Closes now and reports close()'s error (it can carry a deferred write error).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads the whole file from offset 0, at most `limit` bytes; false with errno on error, and
// `too_big` when the file holds more than `limit`.
bool read_small(int fd, size_t limit, std::string& out, bool& too_big) {
  out.assign(limit + 1, '\0');
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  too_big = got > limit;
  out.resize(std::min(got, limit));
  return true;
}

void trim_right(std::string& s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.pop_back();
  }
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// mkdir -p: creates each missing component with mode 0700; existing ones are left as they are.
std::optional<failure<dir_errc>> make_dirs(const std::string& path) {
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    const std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix.back() != '/' && ::mkdir(prefix.c_str(), 0700) != 0) {
      const int err = errno;
      // Some file systems report EACCES/EROFS for a component that already exists.
      if (err != EEXIST && !is_directory(prefix)) {
        return io_fail("cannot create directory " + prefix, err);
      }
    }
    if (pos == std::string::npos) {
      break;
    }
  }
  if (!is_directory(path)) {
    return failure<dir_errc>{dir_errc::io_error, "data dir " + path + " is not a directory"};
  }
  return std::nullopt;
}

std::optional<failure<dir_errc>> fsync_dir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_fail("cannot open directory " + path + " to sync it", errno);
  }
  fd_guard guard(fd);
  if (::fsync(fd) != 0) {
    return io_fail("cannot sync directory " + path, errno);
  }
  return std::nullopt;
}

std::string holder_pid(int fd) {
  std::string text;
  bool too_big = false;
  if (!read_small(fd, 32, text, too_big) || too_big) {
    return "unknown";
  }
  trim_right(text);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return "unknown";
  }
  return text;
}

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
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
  fd_guard guard(fd);
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
  // O_NONBLOCK so a FIFO planted in place of the key cannot hang the start.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) {
      return io_fail("cannot open identity key " + path, errno);
    }
    const core::identity_key key = core::identity_key::generate();
    std::string text = core::to_hex(key.secret_bytes()) + "\n";
    const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
      const int err = errno;
      sodium_memzero(text.data(), text.size());
      return io_fail("cannot create identity key " + path, err);
    }
    fd_guard out_guard(out);
    const bool written =
        write_all(out, text.data(), text.size()) && ::fsync(out) == 0 && out_guard.close() == 0;
    const int err = errno;
    sodium_memzero(text.data(), text.size());
    if (!written) {
      ::unlink(path.c_str());
      return io_fail("cannot write identity key " + path, err);
    }
    if (auto e = fsync_dir(path_)) {
      return *e;
    }
    return key;
  }
  fd_guard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return io_fail("cannot stat identity key " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return failure<dir_errc>{dir_errc::corrupt, "identity key " + path + " is not a regular file"};
  }
  if ((st.st_mode & 077) != 0) {
    return failure<dir_errc>{dir_errc::insecure_permissions,
                             "identity key " + path + " has mode " + octal_mode(st.st_mode) +
                                 ", so group or others can access it; fix it with `chmod 600 " +
                                 path + "`"};
  }
  std::string text;
  bool too_big = false;
  if (!read_small(fd, 256, text, too_big)) {
    return io_fail("cannot read identity key " + path, errno);
  }
  trim_right(text);
  uint8_t secret[64];
  const bool parsed = !too_big && text.size() == 128 && core::from_hex(text, secret, 64);
  sodium_memzero(text.data(), text.size());
  if (!parsed) {
    sodium_memzero(secret, sizeof secret);
    return failure<dir_errc>{
        dir_errc::corrupt,
        "identity key " + path + " does not hold a 64-byte secret key as 128 hex characters"};
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
  fd_guard guard(fd);
  std::string text;
  bool too_big = false;
  if (!read_small(fd, 64, text, too_big)) {
    return io_fail("cannot read epoch file " + path, errno);
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
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return io_fail("cannot create " + temp, errno);
  }
  fd_guard guard(fd);
  if (!write_all(fd, text.data(), text.size()) || ::fsync(fd) != 0 || guard.close() != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot write " + temp, err);
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
