#include "dsdn/multi/committee_files.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "dsdn/core/validation.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {
namespace {

using json = nlohmann::json;
using fail_t = failure<committee_errc>;

constexpr const char* committee_format = "dsdn-committee/v1";
constexpr const char* member_format = "dsdn-committee-member/v1";
constexpr size_t max_file_size = size_t{1} << 20;

fail_t fail(committee_errc c, std::string m) {
  return fail_t{c, std::move(m)};
}

fail_t io_fail(const std::string& what, int err) {
  return fail(committee_errc::io_error, what + ": " + std::generic_category().message(err));
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
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

// Wipes a string that held secrets (hex of a share or key, a member file's text).
void wipe(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

std::string octal_mode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Reads a regular file of at most max_file_size bytes; refuses it when its mode has any bit of
// `forbidden` (e.g. 077 for a key file), saying who can `access_text` it.
committee_result<std::string> read_file(const std::string& path, const char* what, mode_t forbidden,
                                        const char* access_text, const char* fix_mode) {
  // O_NONBLOCK so a FIFO planted in place of the file cannot hang the start.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return io_fail(std::string("cannot open ") + what + " " + path, errno);
  }
  fd_guard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return io_fail(std::string("cannot stat ") + what + " " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(committee_errc::io_error, std::string(what) + " " + path + " is not a file");
  }
  if ((st.st_mode & forbidden) != 0) {
    return fail(committee_errc::insecure_permissions,
                std::string(what) + " " + path + " has mode " + octal_mode(st.st_mode) +
                    ", so group or others can " + access_text + " it; fix it with `chmod " +
                    fix_mode + " " + path + "`");
  }
  std::string text(max_file_size + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int err = errno;
      wipe(text);
      return io_fail(std::string("cannot read ") + what + " " + path, err);
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got > max_file_size) {
    wipe(text);
    return fail(committee_errc::malformed, std::string(what) + " " + path + " is over 1 MiB");
  }
  text.resize(got);
  return text;
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// mkdir -p with mode 0700 for each created component.
std::optional<fail_t> make_dirs(const std::string& path) {
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
    return fail(committee_errc::io_error, path + " is not a directory");
  }
  return std::nullopt;
}

std::optional<fail_t> fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return io_fail("cannot open directory " + dir + " to sync it", errno);
  }
  fd_guard guard(fd);
  if (::fsync(fd) != 0) {
    return io_fail("cannot sync directory " + dir, errno);
  }
  return std::nullopt;
}

// Writes `text` to dir/name with `mode`: a temp file (fsync'd) linked to the final name, which
// fails rather than replace an existing file; the directory is synced by the caller.
std::optional<fail_t> write_new_file(const std::string& dir, std::string_view name,
                                     const std::string& text, mode_t mode) {
  const std::string path = dir + "/" + std::string(name);
  const std::string temp = dir + "/." + std::string(name) + ".tmp";
  ::unlink(temp.c_str());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return io_fail("cannot create " + temp, errno);
  }
  fd_guard guard(fd);
  if (::fchmod(fd, mode) != 0 || !write_all(fd, text) || ::fsync(fd) != 0 || guard.close() != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return io_fail("cannot write " + temp, err);
  }
  const int linked = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    return err == EEXIST ? fail(committee_errc::already_exists,
                                path + " already exists; refusing to overwrite key material")
                         : io_fail("cannot create " + path, err);
  }
  return std::nullopt;
}

// Parses JSON, refusing syntax errors and objects with a repeated key (nlohmann would keep the
// last one silently).
committee_result<json> parse_json(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto cb = [&](int, json::parse_event_t ev, json& value) {
    if (ev == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (ev == json::parse_event_t::object_end && !keys.empty()) {
      keys.pop_back();
    } else if (ev == json::parse_event_t::key && !keys.empty() &&
               !keys.back().insert(value.get<std::string>()).second && duplicate.empty()) {
      duplicate = value.get<std::string>();
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), cb, false);
  if (doc.is_discarded()) {
    return fail(committee_errc::malformed, source + " is not valid JSON");
  }
  if (!duplicate.empty()) {
    return fail(committee_errc::malformed, source + " repeats the key \"" + duplicate + "\"");
  }
  if (!doc.is_object()) {
    return fail(committee_errc::malformed, source + " is not a JSON object");
  }
  return doc;
}

// Reads the fields of one JSON object; the first problem is kept and later reads return
// defaults, so a parser reads everything and checks `error` once.
class fields {
 public:
  fields(const json& obj, std::string where, std::optional<fail_t>& error)
      : obj_(obj), where_(std::move(where)), error_(error) {
    if (!obj_.is_object()) {
      set(committee_errc::malformed, where_ + " is not a JSON object");
    }
  }
  // Refuses any key outside `allowed`.
  void only(std::initializer_list<const char*> allowed) {
    if (!obj_.is_object()) {
      return;
    }
    for (const auto& item : obj_.items()) {
      bool known = false;
      for (const char* k : allowed) {
        known = known || item.key() == k;
      }
      if (!known) {
        set(committee_errc::malformed, where_ + " has an unknown field \"" + item.key() + "\"");
      }
    }
  }
  const json* get(const char* key, bool (json::*is_type)() const, const char* type) {
    if (error_ || !obj_.is_object()) {
      return nullptr;
    }
    const auto it = obj_.find(key);
    if (it == obj_.end() || !((*it).*is_type)()) {
      set(committee_errc::malformed,
          where_ + (it == obj_.end() ? " lacks \"" : " has a non-" + std::string(type) + " \"") +
              key + "\"");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const char* key) {
    const json* v = get(key, &json::is_string, "string");
    return v ? v->get<std::string>() : std::string();
  }
  uint64_t number(const char* key) {
    const json* v = get(key, &json::is_number_unsigned, "unsigned integer");
    return v ? v->get<uint64_t>() : 0;
  }
  template <size_t N>
  std::array<uint8_t, N> hex(const char* key) {
    std::array<uint8_t, N> out{};
    const json* v = get(key, &json::is_string, "string");
    if (v != nullptr) {
      hex_of(v->get_ref<const std::string&>(), key, out.data(), N);
    }
    return out;
  }
  void hex_of(const std::string& text, const std::string& what, uint8_t* out, size_t n) {
    if (!error_ && !core::from_hex(text, out, n)) {
      set(committee_errc::malformed,
          where_ + " field \"" + what + "\" must be " + std::to_string(2 * n) + " hex characters");
    }
  }
  const std::string& where() const { return where_; }
  void set(committee_errc c, std::string m) {
    if (!error_) {
      error_ = fail(c, std::move(m));
    }
  }
  bool failed() const { return error_.has_value(); }

 private:
  const json& obj_;
  std::string where_;
  std::optional<fail_t>& error_;
};

// A point from 32 bytes, or a recorded invalid_key error naming `what`.
element point(fields& f, const element::bytes_type& b, const std::string& what) {
  if (f.failed()) {
    return element();
  }
  auto e = element::from_bytes(b);
  if (!e) {
    f.set(committee_errc::invalid_key,
          f.where() + " " + what + " is invalid: " + e.error().message);
    return element();
  }
  return e.value();
}

identifier frost_identifier(fields& f, const scalar::bytes_type& b) {
  auto id = identifier::from_bytes(b.data());
  if (!id) {
    f.set(committee_errc::invalid_key, f.where() + " identifier is invalid: " + id.error().message);
    return identifier::from_u64(1).value();
  }
  return id.value();
}

// Every committee-wide rule; `source` names the committee in messages.
std::optional<fail_t> validate(const committee& c, const std::string& source) {
  const size_t n = c.members.size();
  if (n < 2 || n > UINT16_MAX || c.threshold < 2 || c.threshold > n) {
    return fail(committee_errc::invalid_argument,
                source + ": threshold must be in 2..n (the number of members), got threshold " +
                    std::to_string(c.threshold) + " for " + std::to_string(n) + " members");
  }
  if (c.commitment.size() != c.threshold) {
    return fail(committee_errc::invalid_key,
                source + ": the VSS commitment has " + std::to_string(c.commitment.size()) +
                    " entries, the threshold needs " + std::to_string(c.threshold));
  }
  if (c.commitment[0] != c.group_public_key) {
    return fail(committee_errc::invalid_key,
                source + ": the group public key is not the VSS commitment's first entry");
  }
  std::set<std::string> ids, addresses, identity_keys;
  std::vector<identifier> frost_ids;
  for (const committee_member& m : c.members) {
    const std::string who = source + ": member \"" + m.id + "\"";
    if (auto e = core::check_node_id(m.id, "member id")) {
      return fail(committee_errc::invalid_argument, source + ": " + e->message);
    }
    if (auto e = core::check_addr(m.address, "address")) {
      return fail(committee_errc::invalid_argument, who + ": " + e->message);
    }
    if (!ids.insert(m.id).second) {
      return fail(committee_errc::invalid_argument, who + " appears twice");
    }
    if (!addresses.insert(m.address).second) {
      return fail(committee_errc::invalid_argument,
                  who + " has the address " + m.address + " of another member");
    }
    for (const identifier& other : frost_ids) {
      if (other == m.frost_id) {
        return fail(
            committee_errc::invalid_argument,
            who + " has the FROST identifier " + m.frost_id.to_string() + " of another member");
      }
    }
    frost_ids.push_back(m.frost_id);
    if (!identity_keys.insert(core::to_hex(m.identity_public_key)).second) {
      return fail(committee_errc::invalid_argument,
                  who + " has the identity public key of another member");
    }
    if (!element::from_bytes(m.identity_public_key.data())) {
      return fail(committee_errc::invalid_key, who + " has an invalid identity public key");
    }
    if (vss_evaluate(c.commitment, m.frost_id) != m.verifying_share) {
      return fail(committee_errc::invalid_key,
                  who + "'s verifying share does not match the VSS commitment");
    }
  }
  return std::nullopt;
}

scalar random_scalar(const random_source& rng) {
  if (!rng) {
    return scalar::random();
  }
  for (;;) {
    uint8_t wide[64];
    rng(wide, sizeof wide);
    const scalar s = scalar::reduce_wide(wide);
    sodium_memzero(wide, sizeof wide);
    if (!s.is_zero()) {
      return s;
    }
  }
}

core::identity_key random_identity(const random_source& rng) {
  if (!rng) {
    return core::identity_key::generate();
  }
  std::array<uint8_t, 32> seed{};
  rng(seed.data(), seed.size());
  core::identity_key key = core::identity_key::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

}  // namespace

const char* to_string(committee_errc e) {
  switch (e) {
    case committee_errc::invalid_argument:
      return "invalid_argument";
    case committee_errc::io_error:
      return "io_error";
    case committee_errc::insecure_permissions:
      return "insecure_permissions";
    case committee_errc::malformed:
      return "malformed";
    case committee_errc::invalid_key:
      return "invalid_key";
    case committee_errc::mismatch:
      return "mismatch";
    case committee_errc::already_exists:
      return "already_exists";
  }
  return "unknown";
}

const committee_member* committee::find(std::string_view id) const {
  for (const auto& m : members) {
    if (m.id == id) {
      return &m;
    }
  }
  return nullptr;
}

const committee_member* committee::find(const identifier& id) const {
  for (const auto& m : members) {
    if (m.frost_id == id) {
      return &m;
    }
  }
  return nullptr;
}

public_key_package committee::public_keys() const {
  public_key_package pkg;
  pkg.group_key = group_public_key;
  pkg.min_signers = threshold;
  for (const auto& m : members) {
    pkg.verifying_shares.emplace_back(m.frost_id, m.verifying_share);
  }
  return pkg;
}

std::string member_file_name(std::string_view id) {
  return "member-" + std::string(id) + ".json";
}

committee_result<committee_bundle> make_committee(uint16_t threshold,
                                                  const std::vector<member_spec>& members,
                                                  const random_source& rng) {
  if (threshold < 2 || threshold > members.size() || members.size() > UINT16_MAX) {
    return fail(committee_errc::invalid_argument,
                "threshold must be in 2..n (the number of members), got threshold " +
                    std::to_string(threshold) + " for " + std::to_string(members.size()) +
                    " members");
  }
  const scalar secret = random_scalar(rng);
  std::vector<scalar> coefficients;
  for (uint16_t k = 1; k < threshold; ++k) {
    coefficients.push_back(random_scalar(rng));
  }
  std::vector<identifier> ids;
  for (size_t i = 1; i <= members.size(); ++i) {
    ids.push_back(identifier::from_u64(i).value());
  }
  auto dealt = secret_share_shard(secret, coefficients, ids);
  if (!dealt) {
    return fail(committee_errc::invalid_argument, dealt.error().message);
  }
  committee_bundle out;
  out.pub.threshold = threshold;
  out.pub.group_public_key = dealt->public_keys.group_key;
  out.pub.commitment = dealt->shares[0].commitment;
  for (size_t i = 0; i < members.size(); ++i) {
    auto key = key_package::from_secret_share(dealt->shares[i]);
    if (!key) {
      return fail(committee_errc::invalid_key, key.error().message);
    }
    core::identity_key identity = random_identity(rng);
    out.pub.members.push_back(committee_member{members[i].id, members[i].address, ids[i],
                                               identity.public_key_bytes(), key->verifying_share});
    out.members.push_back(
        member_secret{members[i].id, members[i].address, std::move(key.value()), identity});
  }
  if (auto e = validate(out.pub, "committee")) {
    return *e;
  }
  return out;
}

std::string committee_to_json(const committee& c) {
  json doc = {{"format", committee_format},
              {"threshold", c.threshold},
              {"group_public_key", core::to_hex(c.group_public_key.bytes())},
              {"vss_commitment", json::array()},
              {"members", json::array()}};
  for (const element& e : c.commitment) {
    doc["vss_commitment"].push_back(core::to_hex(e.bytes()));
  }
  for (const committee_member& m : c.members) {
    doc["members"].push_back({{"id", m.id},
                              {"address", m.address},
                              {"identifier", core::to_hex(m.frost_id.bytes())},
                              {"identity_public_key", core::to_hex(m.identity_public_key)},
                              {"verifying_share", core::to_hex(m.verifying_share.bytes())}});
  }
  return doc.dump(2) + "\n";
}

std::string member_to_json(const member_secret& m) {
  json doc = {{"format", member_format},
              {"id", m.id},
              {"address", m.address},
              {"identifier", core::to_hex(m.key.id.bytes())},
              {"signing_share", core::to_hex(m.key.signing_share.bytes())},
              {"verifying_share", core::to_hex(m.key.verifying_share.bytes())},
              {"group_public_key", core::to_hex(m.key.group_key.bytes())},
              {"min_signers", m.key.min_signers},
              {"identity_secret_key", core::to_hex(m.identity.secret_bytes())}};
  std::string text = doc.dump(2) + "\n";
  wipe(doc["signing_share"].get_ref<std::string&>());
  wipe(doc["identity_secret_key"].get_ref<std::string&>());
  return text;
}

committee_result<committee_paths> write_committee(const std::string& dir,
                                                  const committee_bundle& bundle) {
  if (auto e = validate(bundle.pub, "committee")) {
    return *e;
  }
  committee_paths paths{dir + "/" + std::string(committee_file_name), {}};
  for (const member_secret& m : bundle.members) {
    paths.member_files.push_back(dir + "/" + member_file_name(m.id));
  }
  for (const std::string& p : paths.member_files) {
    if (exists(p)) {
      return fail(committee_errc::already_exists,
                  p + " already exists; refusing to overwrite key material");
    }
  }
  if (exists(paths.committee_file)) {
    return fail(committee_errc::already_exists,
                paths.committee_file + " already exists; refusing to overwrite it");
  }
  if (auto e = make_dirs(dir)) {
    return *e;
  }
  for (const member_secret& m : bundle.members) {
    std::string text = member_to_json(m);
    auto e = write_new_file(dir, member_file_name(m.id), text, 0600);
    wipe(text);
    if (e) {
      return *e;
    }
  }
  if (auto e = write_new_file(dir, committee_file_name, committee_to_json(bundle.pub), 0644)) {
    return *e;
  }
  if (auto e = fsync_dir(dir)) {
    return *e;
  }
  return paths;
}

committee_result<committee> parse_committee(std::string_view text, const std::string& source) {
  auto doc = parse_json(text, source);
  if (!doc) {
    return doc.error();
  }
  std::optional<fail_t> error;
  fields f(doc.value(), source, error);
  f.only({"format", "threshold", "group_public_key", "vss_commitment", "members"});
  if (f.str("format") != committee_format && !error) {
    return fail(committee_errc::malformed,
                source + " is not a committee file (format is not \"dsdn-committee/v1\")");
  }
  committee c;
  const uint64_t threshold = f.number("threshold");
  if (threshold > UINT16_MAX) {
    f.set(committee_errc::invalid_argument,
          source + ": threshold " + std::to_string(threshold) + " is out of range");
  }
  c.threshold = static_cast<uint16_t>(threshold);
  c.group_public_key = point(f, f.hex<32>("group_public_key"), "group_public_key");
  if (const json* list = f.get("vss_commitment", &json::is_array, "array")) {
    for (size_t k = 0; k < list->size() && !error; ++k) {
      const std::string what = "vss_commitment[" + std::to_string(k) + "]";
      element::bytes_type b{};
      if (!(*list)[k].is_string()) {
        f.set(committee_errc::malformed, source + " field \"" + what + "\" is not a string");
      } else {
        f.hex_of((*list)[k].get<std::string>(), what, b.data(), b.size());
      }
      c.commitment.push_back(point(f, b, what));
    }
  }
  if (const json* list = f.get("members", &json::is_array, "array")) {
    for (size_t i = 0; i < list->size() && !error; ++i) {
      fields m((*list)[i], source + " members[" + std::to_string(i) + "]", error);
      m.only({"id", "address", "identifier", "identity_public_key", "verifying_share"});
      committee_member entry{m.str("id"), m.str("address"),
                             frost_identifier(m, m.hex<32>("identifier")),
                             m.hex<32>("identity_public_key"), element()};
      entry.verifying_share = point(m, m.hex<32>("verifying_share"), "verifying_share");
      c.members.push_back(std::move(entry));
    }
  }
  if (error) {
    return *error;
  }
  if (auto e = validate(c, source)) {
    return *e;
  }
  return c;
}

committee_result<committee> load_committee(const std::string& path) {
  auto text = read_file(path, "committee file", 022, "write", "644");
  if (!text) {
    return text.error();
  }
  return parse_committee(text.value(), "committee file " + path);
}

committee_result<member_secret> parse_member(std::string_view text, const std::string& source,
                                             const committee& c) {
  auto doc = parse_json(text, source);
  if (!doc) {
    return doc.error();
  }
  struct wipe_secrets {  // the parsed document holds the secrets' hex until it dies
    json& doc;
    ~wipe_secrets() {
      for (const char* key : {"signing_share", "identity_secret_key"}) {
        const auto it = doc.find(key);
        if (it != doc.end() && it->is_string()) {
          wipe(it->get_ref<std::string&>());
        }
      }
    }
  } wiper{doc.value()};
  std::optional<fail_t> error;
  fields f(doc.value(), source, error);
  f.only({"format", "id", "address", "identifier", "signing_share", "verifying_share",
          "group_public_key", "min_signers", "identity_secret_key"});
  if (f.str("format") != member_format && !error) {
    return fail(committee_errc::malformed,
                source + " is not a member file (format is not \"dsdn-committee-member/v1\")");
  }
  const std::string id = f.str("id");
  const std::string address = f.str("address");
  const identifier frost_id = frost_identifier(f, f.hex<32>("identifier"));
  auto share_bytes = f.hex<32>("signing_share");
  const element verifying = point(f, f.hex<32>("verifying_share"), "verifying_share");
  const element group = point(f, f.hex<32>("group_public_key"), "group_public_key");
  const uint64_t min_signers = f.number("min_signers");
  auto secret = f.hex<64>("identity_secret_key");
  auto share = scalar::from_bytes(share_bytes);
  sodium_memzero(share_bytes.data(), share_bytes.size());
  core::identity_key identity;
  const bool identity_ok = core::identity_key::from_secret(secret.data(), identity);
  sodium_memzero(secret.data(), secret.size());
  if (error) {
    return *error;
  }
  const committee_member* entry = c.find(id);
  const std::string who = source + " (member \"" + id + "\")";
  if (entry == nullptr) {
    return fail(committee_errc::mismatch, who + ": the committee has no member \"" + id + "\"");
  }
  if (entry->address != address) {
    return fail(committee_errc::mismatch,
                who + ": address " + address + " differs from the committee's " + entry->address);
  }
  if (entry->frost_id != frost_id) {
    return fail(committee_errc::mismatch, who + ": FROST identifier " + frost_id.to_string() +
                                              " differs from the committee's " +
                                              entry->frost_id.to_string());
  }
  if (group != c.group_public_key) {
    return fail(committee_errc::mismatch, who + ": group public key differs from the committee's");
  }
  if (min_signers != c.threshold) {
    return fail(committee_errc::mismatch, who + ": min_signers " + std::to_string(min_signers) +
                                              " differs from the committee's threshold " +
                                              std::to_string(c.threshold));
  }
  if (!share) {
    return fail(committee_errc::invalid_key, who + ": signing_share is not a canonical scalar");
  }
  auto key = key_package::from_secret_share(secret_share{frost_id, share.value(), c.commitment});
  if (!key) {
    return fail(committee_errc::invalid_key,
                who + ": signing share does not match the committee's VSS commitment");
  }
  if (key->verifying_share != verifying || entry->verifying_share != verifying) {
    return fail(committee_errc::mismatch,
                who + ": verifying_share does not match the signing share and the committee");
  }
  if (!identity_ok) {
    return fail(committee_errc::invalid_key,
                who + ": identity_secret_key is inconsistent (public half does not match seed)");
  }
  if (identity.public_key_bytes() != entry->identity_public_key) {
    return fail(committee_errc::mismatch,
                who + ": identity key differs from the committee's identity_public_key");
  }
  return member_secret{id, address, std::move(key.value()), identity};
}

committee_result<member_secret> load_member(const std::string& path, const committee& c) {
  auto text = read_file(path, "member key file", 077, "access", "600");
  if (!text) {
    return text.error();
  }
  auto m = parse_member(text.value(), "member key file " + path, c);
  wipe(text.value());
  return m;
}

}  // namespace dsdn::multi
