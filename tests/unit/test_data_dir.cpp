// The data directory: one process per directory (checked across real processes with fork),
// the identity key file and its permissions, and the durable epoch counter.

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "dsdn/da/data_dir.hpp"
#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

data_dir open_ok(const std::string& path) {
  auto r = data_dir::open(path);
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

// Exit codes of the child in the fork tests.
constexpr int child_locked = 10;
constexpr int child_opened = 11;
constexpr int child_other = 12;

void write_all_fd(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) {
      return;
    }
    done += static_cast<size_t>(n);
  }
}

std::string read_all_fd(int fd) {
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
  }
  return out;
}

struct child_report {
  int exit_code = -1;
  std::string message;
};

// Forks a child that tries data_dir::open(path) and reports the outcome (exit code, and the
// error message over a pipe). The child never returns into the test runner.
child_report open_in_child(const std::string& path) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::alarm(20);  // never outlive a wedged test
    auto r = data_dir::open(path);
    int code = child_opened;
    if (!r.ok()) {
      write_all_fd(fds[1], r.error().message);
      code = r.error().code == dir_errc::locked ? child_locked : child_other;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  child_report report;
  report.message = read_all_fd(fds[0]);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  report.exit_code = WEXITSTATUS(status);
  return report;
}

TEST_CASE("data_dir creates the directory 0700 and records our pid in LOCK") {
  test::temp_dir tmp;
  const std::string path = tmp.path + "/a/b/data";
  auto dir = open_ok(path + "/");
  CHECK(dir.path() == path);
  CHECK(dir.file("x") == path + "/x");
  CHECK(mode_of(tmp.path + "/a") == 0700);
  CHECK(mode_of(path) == 0700);
  CHECK(mode_of(path + "/LOCK") == 0600);
  CHECK(read_file(path + "/LOCK") == std::to_string(::getpid()) + "\n");
}

TEST_CASE("data_dir refuses a path that is a file") {
  test::temp_dir tmp;
  write_file(tmp.path + "/file", "x");
  auto r = data_dir::open(tmp.path + "/file");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == dir_errc::io_error);
}

TEST_CASE("data_dir: a second process cannot open a directory this process holds") {
  test::temp_dir tmp;
  const std::string path = tmp.path + "/data";
  {
    auto dir = open_ok(path);
    const auto report = open_in_child(path);
    INFO(report.message);
    CHECK(report.exit_code == child_locked);
    CHECK(report.message == "data dir " + path + " is in use by another process (pid " +
                                std::to_string(::getpid()) + ")");

    // A second open in this process is refused too (the lock is per open file).
    auto again = data_dir::open(path);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == dir_errc::locked);
  }
  // Released: another process can take it now, and so can we after it exits.
  const auto report = open_in_child(path);
  INFO(report.message);
  CHECK(report.exit_code == child_opened);
  auto dir = open_ok(path);
  CHECK(read_file(path + "/LOCK") == std::to_string(::getpid()) + "\n");
}

TEST_CASE("data_dir: this process cannot open a directory another process holds") {
  test::temp_dir tmp;
  const std::string path = tmp.path + "/data";
  int ready[2];
  int release[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(release) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    ::alarm(20);
    auto r = data_dir::open(path);
    write_all_fd(ready[1], r.ok() ? "1" : "0");
    ::close(ready[1]);
    char c;
    while (::read(release[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(r.ok() ? 0 : 1);
  }
  ::close(ready[1]);
  ::close(release[0]);
  CHECK(read_all_fd(ready[0]) == "1");
  ::close(ready[0]);

  auto held = data_dir::open(path);
  REQUIRE_FALSE(held.ok());
  CHECK(held.error().code == dir_errc::locked);
  CHECK(held.error().message.find("(pid " + std::to_string(pid) + ")") != std::string::npos);

  ::close(release[1]);  // the child exits, and its lock goes with it
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto dir = open_ok(path);
  CHECK(read_file(path + "/LOCK") == std::to_string(::getpid()) + "\n");
}

TEST_CASE("data_dir is move-only and the moved-to object keeps the lock") {
  test::temp_dir tmp;
  const std::string path = tmp.path + "/data";
  auto a = open_ok(path);
  data_dir b = std::move(a);
  CHECK(data_dir::open(path).error().code == dir_errc::locked);
  test::temp_dir other;
  auto c = open_ok(other.path);
  c = std::move(b);  // releases other.path's lock, keeps path's
  CHECK(data_dir::open(path).error().code == dir_errc::locked);
  CHECK(data_dir::open(other.path).ok());
}

TEST_CASE("data_dir identity key: created 0600, reloaded equal") {
  test::temp_dir tmp;
  auto dir = open_ok(tmp.path);
  auto created = dir.load_or_create_identity();
  REQUIRE(created.ok());
  const std::string key_path = dir.file("identity.key");
  CHECK(mode_of(key_path) == 0600);
  const std::string text = read_file(key_path);
  REQUIRE(text.size() == 129);
  CHECK(text.back() == '\n');
  CHECK(text.substr(0, 128) == core::to_hex(created.value().secret_bytes()));

  auto loaded = dir.load_or_create_identity();
  REQUIRE(loaded.ok());
  CHECK(loaded.value().public_key_bytes() == created.value().public_key_bytes());
  CHECK(loaded.value().secret_bytes() == created.value().secret_bytes());

  // The reloaded key signs like the original.
  const uint8_t msg[] = {1, 2, 3};
  const auto sig = loaded.value().sign(msg, sizeof msg);
  CHECK(core::verify_signature(created.value().public_key_bytes(), msg, sizeof msg, sig));
}

TEST_CASE("data_dir identity key: group or other access is refused") {
  test::temp_dir tmp;
  auto dir = open_ok(tmp.path);
  REQUIRE(dir.load_or_create_identity().ok());
  const std::string key_path = dir.file("identity.key");
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    CAPTURE(mode);
    REQUIRE(::chmod(key_path.c_str(), mode) == 0);
    auto r = dir.load_or_create_identity();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == dir_errc::insecure_permissions);
    INFO(r.error().message);
    CHECK(r.error().message.find("chmod 600 " + key_path) != std::string::npos);
  }
  REQUIRE(::chmod(key_path.c_str(), 0400) == 0);
  CHECK(dir.load_or_create_identity().ok());
}

TEST_CASE("data_dir identity key: garbage, inconsistent halves and non-files are corrupt") {
  test::temp_dir tmp;
  auto dir = open_ok(tmp.path);
  const std::string key_path = dir.file("identity.key");
  auto expect_corrupt = [&](const std::string& content) {
    ::unlink(key_path.c_str());
    write_file(key_path, content);
    REQUIRE(::chmod(key_path.c_str(), 0600) == 0);
    auto r = dir.load_or_create_identity();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == dir_errc::corrupt);
    CHECK(r.error().message.find(key_path) != std::string::npos);
  };
  expect_corrupt("not a key\n");
  expect_corrupt("");
  expect_corrupt(std::string(128, 'g') + "\n");
  expect_corrupt(std::string(126, 'a') + "\n");
  expect_corrupt(std::string(4096, 'a'));

  // Valid hex, but the public half does not belong to the seed.
  const auto key = core::identity_key::from_seed({});
  std::string hex = core::to_hex(key.secret_bytes());
  hex[127] = hex[127] == '0' ? '1' : '0';
  expect_corrupt(hex + "\n");
  // The genuine text loads.
  ::unlink(key_path.c_str());
  write_file(key_path, core::to_hex(key.secret_bytes()) + "\n");
  REQUIRE(::chmod(key_path.c_str(), 0600) == 0);
  auto good = dir.load_or_create_identity();
  REQUIRE(good.ok());
  CHECK(good.value().public_key_bytes() == key.public_key_bytes());

  ::unlink(key_path.c_str());
  REQUIRE(::mkdir(key_path.c_str(), 0700) == 0);
  auto not_file = dir.load_or_create_identity();
  REQUIRE_FALSE(not_file.ok());
  CHECK(not_file.error().code == dir_errc::corrupt);
}

TEST_CASE("data_dir epoch: increments durably across reopen and honours at_least") {
  test::temp_dir tmp;
  const std::string path = tmp.path + "/data";
  {
    auto dir = open_ok(path);
    CHECK(dir.current_epoch().value() == 0);
    CHECK(dir.next_epoch().value() == 1);
    CHECK(dir.next_epoch().value() == 2);
    CHECK(dir.current_epoch().value() == 2);
  }
  {
    auto dir = open_ok(path);
    CHECK(dir.current_epoch().value() == 2);
    CHECK(dir.next_epoch().value() == 3);
    CHECK(dir.next_epoch(10).value() == 10);
    CHECK(dir.next_epoch(5).value() == 11);
    CHECK(dir.next_epoch(0).value() == 12);
    CHECK(dir.next_epoch(13).value() == 13);
  }
  auto dir = open_ok(path);
  CHECK(dir.current_epoch().value() == 13);
  CHECK(read_file(dir.file("epoch")) == "13\n");
  CHECK(::access(dir.file("epoch.tmp").c_str(), F_OK) != 0);
}

TEST_CASE("data_dir epoch: a file that is not a decimal number is corrupt") {
  test::temp_dir tmp;
  auto dir = open_ok(tmp.path);
  for (const char* bad : {"", "abc\n", "-1\n", "12x\n", "99999999999999999999999\n"}) {
    CAPTURE(bad);
    write_file(dir.file("epoch"), bad);
    auto current = dir.current_epoch();
    REQUIRE_FALSE(current.ok());
    CHECK(current.error().code == dir_errc::corrupt);
    auto next = dir.next_epoch();
    REQUIRE_FALSE(next.ok());
    CHECK(next.error().code == dir_errc::corrupt);
  }
  write_file(dir.file("epoch"), "18446744073709551615\n");
  CHECK(dir.current_epoch().value() == UINT64_MAX);
  CHECK_FALSE(dir.next_epoch().ok());
}

}  // namespace
}  // namespace dsdn::da
