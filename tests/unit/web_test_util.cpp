// SPDX-License-Identifier: Apache-2.0
#include "web_test_util.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace pktlens::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/pktlens_web_XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream out(file(name), std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string* input) {
  int out[2];
  int in[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(in[0]);
  if (rc != 0) {
    close(out[0]);
    close(in[1]);
    FAIL("cannot run " << argv[0] << ": " << std::strerror(rc));
  }
  if (input) (void)!write(in[1], input->data(), input->size());
  close(in[1]);
  CommandResult r;
  char buf[4096];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;)
    r.output.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_command(argv);
  INFO(r.output);
  REQUIRE(r.status == 0);
}

// An EC P-256 key and a certificate signed by ca (self-signed when ca is empty).
void issue(const TempDir& dir, const std::string& name, const std::string& cn,
           const std::string& san, const std::string& ca) {
  const std::string key = dir.file(name + ".key");
  const std::string pem = dir.file(name + ".pem");
  if (ca.empty()) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", pem, "-days", "2", "-subj", "/CN=" + cn});
    return;
  }
  const std::string csr = dir.file(name + ".csr");
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
           "-out", csr, "-subj", "/CN=" + cn});
  dir.write(name + ".ext", "subjectAltName=" + san + "\n");
  openssl({"x509", "-req", "-in", csr, "-CA", dir.file(ca + ".pem"), "-CAkey",
           dir.file(ca + ".key"), "-CAcreateserial", "-out", pem, "-days", "2", "-extfile",
           dir.file(name + ".ext")});
}

}  // namespace

Pki::Pki(const TempDir& dir) : dir_(dir) {
  issue(dir, "ca", "pktlens test CA", "", "");
  issue(dir, "server", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", "ca");
  issue(dir, "client", "prometheus", "DNS:prometheus.example", "ca");
  issue(dir, "otherca", "another CA", "", "");
  issue(dir, "stranger", "stranger", "DNS:prometheus.example", "otherca");
  ca = dir.file("ca.pem");
  server_cert = dir.file("server.pem");
  server_key = dir.file("server.key");
  client_cert = dir.file("client.pem");
  client_key = dir.file("client.key");
  stranger_cert = dir.file("stranger.pem");
  stranger_key = dir.file("stranger.key");
}

void Pki::issue_server(const std::string& name, const std::string& cn) const {
  issue(dir_, name, cn, "DNS:localhost,IP:127.0.0.1,IP:::1", "ca");
}

bool HttpResponse::has_header(const std::string& line) const {
  for (const auto& h : headers)
    if (h == line) return true;
  return false;
}

int connect_to(const std::string& host, std::uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.find(':') != std::string::npos) {
    auto& a = reinterpret_cast<sockaddr_in6&>(ss);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    REQUIRE(inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) == 1);
    len = sizeof a;
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(ss);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1);
    len = sizeof a;
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  const timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    close(fd);
    FAIL("connect to " << host << ":" << port << ": " << std::strerror(err));
  }
  return fd;
}

HttpResponse http_request(const std::string& host, std::uint16_t port, const std::string& raw) {
  const int fd = connect_to(host, port);
  REQUIRE(send(fd, raw.data(), raw.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(raw.size()));
  std::string text;
  char buf[8192];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fd);
  HttpResponse r;
  const auto end = text.find("\r\n\r\n");
  INFO(text);
  REQUIRE(end != std::string::npos);
  std::istringstream head(text.substr(0, end));
  std::getline(head, r.status_line);
  if (!r.status_line.empty() && r.status_line.back() == '\r') r.status_line.pop_back();
  for (std::string l; std::getline(head, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    r.headers.push_back(l);
  }
  r.body = text.substr(end + 4);
  return r;
}

HttpResponse http_get(const std::string& host, std::uint16_t port, const std::string& path) {
  return http_request(host, port,
                      "GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
}

}  // namespace pktlens::test
