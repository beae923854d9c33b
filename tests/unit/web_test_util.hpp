// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the /metrics server tests: a temporary directory, a
// command runner (curl, openssl), a small PKI made with the openssl tool,
// and a raw HTTP/1.x client over the socket API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pktlens::test {

// A directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

struct CommandResult {
  int status = -1;     // exit status, -1 when killed
  std::string output;  // stdout and stderr
};

// Runs argv (no shell) with stdin from /dev/null, or `input` when given.
CommandResult run_command(const std::vector<std::string>& argv, const std::string* input = nullptr);

// A CA, a server certificate for localhost, 127.0.0.1 and ::1, and client
// certificates: one of the CA (SAN DNS:prometheus.example), one of another
// CA nobody trusts. `serial` tells server certificates apart.
struct Pki {
  explicit Pki(const TempDir& dir);
  // A new server certificate (key and cert) of the same CA into
  // server2.{key,pem}, with `cn` as its subject CN.
  void issue_server(const std::string& name, const std::string& cn) const;

  std::string ca, server_cert, server_key, client_cert, client_key, stranger_cert, stranger_key;

 private:
  const TempDir& dir_;
};

struct HttpResponse {
  std::string status_line;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool has_header(const std::string& line) const;
};

// One request on a new connection; `raw` is sent as is (request line,
// headers, blank line). The response is read to EOF (the request says
// Connection: close) within 5 s.
HttpResponse http_request(const std::string& host, std::uint16_t port, const std::string& raw);
HttpResponse http_get(const std::string& host, std::uint16_t port, const std::string& path);

// A connected TCP socket to host:port (owned by the caller; close it).
int connect_to(const std::string& host, std::uint16_t port);

}  // namespace pktlens::test
