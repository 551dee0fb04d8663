// The HTTP client over TLS against a local TLS server with a certificate made here: trusted
// (via SSL_CERT_FILE, which OpenSSL's default verify paths honour), untrusted, wrong name, SNI,
// and a handshake that never happens.

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "cli/fake_server.hpp"
#include "dsdn/http/client.hpp"

using namespace dsdn;
using namespace std::chrono_literals;
namespace ssl = boost::asio::ssl;

namespace {

struct test_cert {
  std::string cert_pem;
  std::string key_pem;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

/// A self-signed P-256 certificate for `san` (an OpenSSL subjectAltName value).
test_cert make_cert(const std::string& common_name, const std::string& san) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 24 * 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);
  test_cert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cert_bio.get(), x.get());
  out.cert_pem = bio_text(cert_bio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(key_bio.get());
  return out;
}

/// Serves TLS connections one at a time: handshake, read one request, answer `{"tls":true}`.
class tls_server {
 public:
  explicit tls_server(const test_cert& cert) : ctx_(ssl::context::tls_server), acceptor_(io_) {
    ctx_.use_certificate_chain(boost::asio::buffer(cert.cert_pem));
    ctx_.use_private_key(boost::asio::buffer(cert.key_pem), ssl::context::pem);
    clitest::tcp::endpoint at(clitest::net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }
  ~tls_server() {
    stopping_ = true;
    boost::system::error_code ec;
    clitest::net::io_context io;
    clitest::tcp::socket s(io);
    s.connect(clitest::tcp::endpoint(clitest::net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::string last_sni() {
    std::lock_guard<std::mutex> lock(mutex_);
    return sni_;
  }

 private:
  void loop() {
    namespace bhttp = clitest::bhttp;
    while (!stopping_) {
      boost::system::error_code ec;
      clitest::beast::ssl_stream<clitest::tcp::socket> stream(io_, ctx_);
      acceptor_.accept(stream.next_layer(), ec);
      if (ec || stopping_)
        continue;
      stream.handshake(ssl::stream_base::server, ec);
      if (ec)
        continue;  // the client refused our certificate
      if (const char* name =
              SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
        std::lock_guard<std::mutex> lock(mutex_);
        sni_ = name;
      }
      clitest::beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(stream, buffer, req, ec);
      if (ec)
        continue;
      bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
      res.set(bhttp::field::content_type, "application/json");
      res.body() = R"({"tls":true})";
      res.prepare_payload();
      bhttp::write(stream, res, ec);
    }
  }

  clitest::net::io_context io_;
  ssl::context ctx_;
  clitest::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::string sni_;
  std::thread thread_;
};

/// Points OpenSSL's default CA file at `pem` for the lifetime of the object.
class trusted_ca {
 public:
  explicit trusted_ca(const std::string& pem) {
    char tmpl[] = "/tmp/dsdn-clitest-ca-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << pem;
    setenv("SSL_CERT_FILE", path_.c_str(), 1);
  }
  ~trusted_ca() {
    unsetenv("SSL_CERT_FILE");
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
};

http::url tls_url(const std::string& host, uint16_t port) {
  http::url u;
  u.tls = true;
  u.host = host;
  u.port = port;
  return u;
}

http::request_options quick() {
  http::request_options o;
  o.timeout = 5s;
  return o;
}

}  // namespace

TEST_CASE("TLS: a trusted certificate for the host name works, with SNI") {
  auto cert = make_cert("localhost", "DNS:localhost,IP:127.0.0.1");
  tls_server server(cert);
  trusted_ca ca(cert.cert_pem);
  auto res = http::send(tls_url("localhost", server.port()), "GET", "/health", "", quick());
  REQUIRE_MESSAGE(res.ok(), res.error().message);
  CHECK(res->status == 200);
  CHECK(res->body == R"({"tls":true})");
  CHECK(server.last_sni() == "localhost");

  // An IP literal is checked against the certificate's IP addresses.
  auto by_ip = http::send(tls_url("127.0.0.1", server.port()), "GET", "/health", "", quick());
  REQUIRE_MESSAGE(by_ip.ok(), by_ip.error().message);
  CHECK(by_ip->status == 200);
}

TEST_CASE("TLS: a certificate the system CAs do not vouch for is refused") {
  auto cert = make_cert("localhost", "DNS:localhost");
  tls_server server(cert);
  unsetenv("SSL_CERT_FILE");
  auto res = http::send(tls_url("localhost", server.port()), "GET", "/health", "", quick());
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == http::client_errc::tls);
  CHECK(res.error().message.find("certificate") != std::string::npos);
}

TEST_CASE("TLS: a trusted certificate for another name is refused") {
  auto cert = make_cert("other.example", "DNS:other.example");
  tls_server server(cert);
  trusted_ca ca(cert.cert_pem);
  auto res = http::send(tls_url("localhost", server.port()), "GET", "/health", "", quick());
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == http::client_errc::tls);
}

TEST_CASE("TLS: a server that never completes the handshake hits the deadline") {
  clitest::stalling_server s;
  http::request_options o;
  o.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto res = http::send(tls_url("127.0.0.1", s.port()), "GET", "/", "", o);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == http::client_errc::timeout);
  CHECK(took < 2s);
}
