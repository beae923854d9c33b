// SPDX-License-Identifier: Apache-2.0
// Boost.Beast for HTTP/1.1 parsing and writing: its parser takes header and
// body limits, and its tcp_stream a deadline per operation, which are the
// two things a server facing slow clients needs. One class template serves
// both plain TCP and TLS streams.
#include "exporter/http_session.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>
#include <utility>

#include "exporter/gzip.hpp"
#include "exporter/http_routes.hpp"
#include "exporter/landing_page.hpp"

namespace pktlens::exporter {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kTlsShutdownTimeout = std::chrono::seconds(2);

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }
beast::string_view view(std::string_view s) { return {s.data(), s.size()}; }

std::string peer_of(const tcp::socket& s) {
  boost::system::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(ep.port());
}

// Texts as Go's net/http writes them, which is what users of
// node_exporter see.
std::string status_text(http::status s) {
  switch (s) {
    case http::status::not_found:
      return "404 page not found\n";
    default:
      return std::string(http::obsolete_reason(s)) + "\n";
  }
}

template <typename Stream>
class SessionOf final : public Session {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  SessionOf(tcp::socket socket, SessionHost& host, std::shared_ptr<net::ssl::context> tls)
      : peer_(peer_of(socket)),
        stream_(make_stream(std::move(socket), tls.get())),
        idle_timer_(beast::get_lowest_layer(stream_).get_executor()),
        host_(host),
        tls_(std::move(tls)) {}

  void start() override {
    lowest().expires_after(host_.limits().header_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(net::ssl::stream_base::server, [self = self()](beast::error_code ec) {
        if (ec) return self->fail("TLS handshake", ec);
        self->read_request();
      });
    } else {
      read_request();
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    idle_timer_.cancel();
    lowest().close();
    host_.closed(*this);
  }

 private:
  static Stream make_stream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<SessionOf> self() {
    return std::static_pointer_cast<SessionOf>(shared_from_this());
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Bytes of the next request already here (pipelined, or decrypted by
  // OpenSSL), so there is nothing to wait for.
  bool request_pending() {
    if (buffer_.size() > 0) return true;
    if constexpr (kTls) return SSL_pending(stream_.native_handle()) > 0;
    return false;
  }

  void read_request() {
    if (closed_) return;
    waiting_ = true;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(host_.limits().max_header_bytes));
    parser_->body_limit(host_.limits().max_body_bytes);
    if (!served_ || request_pending()) {
      // The first request's deadline runs from accept (set in start()).
      if (served_) lowest().expires_after(host_.limits().header_timeout);
      return read_head();
    }
    // Kept alive: wait for the first byte of the next request up to the
    // idle timeout, then give the request the header timeout.
    lowest().expires_never();
    idle_ = true;
    idle_timer_.expires_after(host_.limits().idle_timeout);
    idle_timer_.async_wait([self = self()](beast::error_code ec) {
      // Both may complete at once: a request that arrived wins.
      if (!ec && self->idle_) self->close();
    });
    lowest().socket().async_wait(tcp::socket::wait_read, [self = self()](beast::error_code ec) {
      self->idle_ = false;
      self->idle_timer_.cancel();
      if (ec || self->closed_) return self->close();
      self->lowest().expires_after(self->host_.limits().header_timeout);
      self->read_head();
    });
  }

  void read_head() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = self()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    waiting_ = false;
    started_ = Clock::now();
    if (ec == http::error::end_of_stream || ec == net::ssl::error::stream_truncated ||
        ec == net::error::eof)
      return close();  // the client closed between requests
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      // Unreadable: answer, then close, since what follows cannot be trusted.
      keep_alive_ = false;
      head_ = false;
      if (ec == http::error::header_limit)
        return answer_error(http::status::request_header_fields_too_large);
      if (ec == http::error::body_limit) return answer_error(http::status::payload_too_large);
      if (ec == http::error::bad_version)
        return answer_error(http::status::http_version_not_supported);
      return answer_error(http::status::bad_request);
    }
    if (ec) return fail("reading a request", ec);
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    head_ = request_.method() == http::verb::head;
    if (request_.version() != 10 && request_.version() != 11) {
      keep_alive_ = false;
      return answer_error(http::status::http_version_not_supported);
    }
    if (request_.version() >= 11 && request_.find(http::field::host) == request_.end())
      return answer_error(http::status::bad_request);
    authenticate();
  }

  void authenticate() {
    const auto auth = host_.settings().auth;
    if (!auth) return dispatch();
    const auto credentials = parse_basic_authorization(view(request_[http::field::authorization]));
    if (!credentials) return unauthorized();
    if (const auto verdict = auth->cached(*credentials))
      return *verdict ? dispatch() : unauthorized();
    const bool queued = host_.verify(auth, *credentials, [self = self()](bool ok) {
      if (self->closed_) return;
      ok ? self->dispatch() : self->unauthorized();
    });
    if (!queued) answer_error(http::status::service_unavailable, "Retry-After", "1");
  }

  void dispatch() {
    switch (
        route(view(request_.method_string()), view(request_.target()), host_.telemetry_path())) {
      case Route::metrics:
        return scrape();
      case Route::landing_page: {
        Response res = make_response(http::status::ok, "text/html; charset=utf-8",
                                     landing_page(host_.telemetry_path(), host_.version()));
        return send(std::move(res));
      }
      case Route::not_found:
        return answer_error(http::status::not_found);
      case Route::method_not_allowed:
        return answer_error(http::status::method_not_allowed, "Allow", "GET, HEAD");
    }
  }

  void scrape() {
    const bool gzip = accepts_gzip(view(request_[http::field::accept_encoding]));
    const bool queued = host_.render(gzip, [self = self()](Rendered r) {
      if (self->closed_) return;
      if (!r.ok) {
        spdlog::error("http: rendering the metrics failed: {}", r.body);
        return self->answer_error(http::status::internal_server_error);
      }
      Response res =
          self->make_response(http::status::ok, "text/plain; charset=utf-8", std::move(r.body));
      if (r.gzip) res.set(http::field::content_encoding, "gzip");
      res.set(http::field::vary, "Accept-Encoding");
      self->scrape_slot_ = std::move(r.slot);
      self->send(std::move(res), !self->head_);
    });
    if (!queued) answer_error(http::status::service_unavailable, "Retry-After", "1");
  }

  void unauthorized() { answer_error(http::status::unauthorized, "WWW-Authenticate", "Basic"); }

  // An error status with Go's text body: 4xx for what the client got
  // wrong, 5xx for what the server cannot do now.
  void answer_error(http::status status, std::string_view header = {},
                    std::string_view value = {}) {
    Response res = make_response(status, "text/plain; charset=utf-8", status_text(status));
    res.set("X-Content-Type-Options", "nosniff");
    if (!header.empty()) res.set(view(header), view(value));
    send(std::move(res));
  }

  Response make_response(http::status status, std::string_view type, std::string body) {
    Response res{status, request_.version() == 10 ? 10u : 11u};
    for (const auto& [name, value] : host_.settings().headers) res.set(name, value);
    res.set(http::field::content_type, view(type));
    res.body() = std::move(body);
    return res;
  }

  // `counted`: a GET of the metrics, which the exposer_* metrics count.
  void send(Response res, bool counted = false) {
    res.keep_alive(keep_alive_);
    res.prepare_payload();
    if (head_) res.body().clear();  // Content-Length stays that of the GET
    response_ = std::move(res);
    lowest().expires_after(host_.limits().write_timeout);
    http::async_write(stream_, response_,
                      [self = self(), counted](beast::error_code ec, std::size_t) {
                        self->on_write(ec, counted);
                      });
  }

  void on_write(beast::error_code ec, bool counted) {
    if (counted && !ec) host_.scraped(response_.body().size(), Clock::now() - started_);
    scrape_slot_.reset();
    response_ = {};
    if (closed_) return;
    if (ec) return fail("writing a response", ec);
    served_ = true;
    if (keep_alive_) return read_request();
    shutdown();
  }

  void shutdown() {
    if constexpr (kTls) {
      lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = self()](beast::error_code) { self->close(); });
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      close();
    }
  }

  // Client-side failures are routine on an exposed port (scanners, TLS
  // probes, timeouts): debug only.
  void fail(std::string_view what, beast::error_code ec) {
    if (!closed_ && ec != net::error::operation_aborted)
      spdlog::debug("http: {}: {}: {}", peer_, what, ec.message());
    close();
  }

  const std::string peer_;
  Stream stream_;
  net::steady_timer idle_timer_;
  SessionHost& host_;
  std::shared_ptr<net::ssl::context> tls_;  // the context this connection shook hands with
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Response response_;
  std::shared_ptr<void> scrape_slot_;
  Clock::time_point started_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool idle_ = false;  // between requests, waiting for the next one's first byte
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<Session> make_session(tcp::socket socket, SessionHost& host,
                                      std::shared_ptr<net::ssl::context> tls) {
  if (tls) return std::make_shared<SessionOf<TlsStream>>(std::move(socket), host, std::move(tls));
  return std::make_shared<SessionOf<PlainStream>>(std::move(socket), host, nullptr);
}

}  // namespace pktlens::exporter
