// SPDX-License-Identifier: Apache-2.0
#include "top/scrape_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <sstream>

namespace pktlens::top {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Url parse_url(std::string_view url) {
  Url u;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    throw std::invalid_argument("URL must start with http:// or https://: " + std::string(url));
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    throw std::invalid_argument("credentials in the URL: use --username and --password-file");
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unclosed [ in URL");
    u.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw std::invalid_argument("bad URL: " + std::string(url));
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw std::invalid_argument("no host in URL: " + std::string(url));
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos)
    throw std::invalid_argument("bad port in URL: " + std::string(url));
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  return u;
}

namespace {

std::string read_secret(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScrapeError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

template <class Stream>
std::string exchange(Stream& stream, const Url& url, const std::string& authorization) {
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host.find(':') != std::string::npos
                                 ? "[" + url.host + "]:" + url.port
                                 : url.host + ":" + url.port);
  req.set(http::field::user_agent, "pktlensd-top");
  req.set(http::field::accept, "text/plain");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(stream, buffer, parser);
  auto res = parser.release();
  if (res.result() != http::status::ok)
    throw ScrapeError("GET " + url.target + ": HTTP " + std::to_string(res.result_int()) + " " +
                      std::string(res.reason()));
  return std::move(res.body());
}

}  // namespace

ScrapeClient::ScrapeClient(ScrapeOptions options) : options_(std::move(options)) {
  try {
    url_ = parse_url(options_.url);
  } catch (const std::invalid_argument& e) {
    throw ScrapeError(e.what());
  }
  if (!options_.password_file.empty() && options_.username.empty())
    throw ScrapeError("--password-file needs --username");
  if (!options_.username.empty()) {
    const auto password = options_.password_file.empty() ? "" : read_secret(options_.password_file);
    const auto plain = options_.username + ":" + password;
    std::string encoded(beast::detail::base64::encoded_size(plain.size()), '\0');
    encoded.resize(beast::detail::base64::encode(encoded.data(), plain.data(), plain.size()));
    authorization_ = "Basic " + encoded;
  }
  if (options_.cert_file.empty() != options_.key_file.empty())
    throw ScrapeError("--cert-file and --key-file go together");
  if (!url_.tls && (!options_.ca_file.empty() || !options_.cert_file.empty()))
    throw ScrapeError("--ca-file, --cert-file and --key-file need an https:// URL");
}

std::string ScrapeClient::fetch() const {
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(url_.host, url_.port);
    if (!url_.tls) {
      beast::tcp_stream stream(io);
      stream.expires_after(options_.timeout);
      stream.connect(endpoints);
      auto body = exchange(stream, url_, authorization_);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      return body;
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (options_.ca_file.empty()) {
      ctx.set_default_verify_paths();
    } else {
      ctx.load_verify_file(options_.ca_file);
    }
    if (!options_.cert_file.empty()) {
      ctx.use_certificate_chain_file(options_.cert_file);
      ctx.use_private_key_file(options_.key_file, asio::ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    boost::system::error_code not_ip;
    asio::ip::make_address(url_.host, not_ip);
    // SNI names hosts, never addresses (RFC 6066).
    if (not_ip && !SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str()))
      throw ScrapeError("cannot set SNI " + url_.host);
    stream.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    beast::get_lowest_layer(stream).expires_after(options_.timeout);
    beast::get_lowest_layer(stream).connect(endpoints);
    stream.handshake(asio::ssl::stream_base::client);
    auto body = exchange(stream, url_, authorization_);
    beast::error_code ec;
    stream.shutdown(ec);  // servers often close without close_notify
    return body;
  } catch (const ScrapeError&) {
    throw;
  } catch (const std::exception& e) {
    throw ScrapeError(options_.url + ": " + e.what());
  }
}

}  // namespace pktlens::top
