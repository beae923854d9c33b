// SPDX-License-Identifier: Apache-2.0
// The server around the sessions (http_session.cpp): listeners, the list
// of open connections and its limit, the render and auth threads, and the
// heartbeat that tells the watchdog the threads still make progress.
//
// Teardown order matters: the I/O thread is stopped and joined first, then
// the worker threads, so nothing runs while members are destroyed; the
// io_context goes after everything its pending handlers reference (they
// hold sessions, which hold scrape slots counted in this object).
#include "exporter/http_server.hpp"

#include <prometheus/text_serializer.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <future>
#include <list>
#include <thread>

#include "exporter/gzip.hpp"
#include "exporter/http_session.hpp"
#include "exporter/listen_socket.hpp"
#include "exporter/scrape_stats.hpp"

namespace pktlens::exporter {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr auto kReloadWait = std::chrono::seconds(5);

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace

class HttpServer::Impl final : public SessionHost {
 public:
  Impl(const std::vector<config::ListenAddress>& addresses,
       std::shared_ptr<prometheus::Collectable> metrics, WebSettings web, ServeOptions options)
      : opts_(std::move(options)), metrics_(std::move(metrics)), settings_(std::move(web)) {
    // Bind everything before a thread starts: a taken port fails here.
    std::vector<ListenSocket> sockets;
    for (const auto& a : addresses) sockets.emplace_back(a);
    for (auto& s : sockets) {
      ports_.push_back(s.port());
      fallbacks_.push_back(s.ipv4_fallback());
      const tcp protocol = s.family() == AF_INET6 ? tcp::v6() : tcp::v4();
      acceptors_.emplace_back(ioc_).assign(protocol, s.release());
      accept_failing_.push_back(false);
    }
    // Each thread names itself and runs thread_start before its first
    // task; the pools run tasks in order, so these come first.
    std::vector<std::future<void>> started;
    started.push_back(start_thread(render_pool_, "pktlens-render"));
    started.push_back(start_thread(auth_pool_, "pktlens-auth"));
    const auto now = now_ns();
    io_beat_ = render_beat_ = auth_beat_ = now;
    for (std::size_t i = 0; i < acceptors_.size(); ++i) accept(i);
    beat();
    auto io_started = std::make_shared<std::promise<void>>();
    started.push_back(io_started->get_future());
    io_thread_ = std::thread([this, io_started] {
      if (!init_thread("pktlens-http", *io_started)) return;
      run();
    });
    try {
      for (auto& f : started) f.get();
    } catch (...) {
      stop_threads();
      throw;
    }
  }

  ~Impl() { stop_threads(); }

  std::vector<std::uint16_t> ports() const { return ports_; }
  std::vector<bool> fallbacks() const { return fallbacks_; }

  void reload(WebSettings web) {
    // Waits for the I/O thread, but not forever: a stuck one must not
    // hold the main loop (the watchdog then sees it, via stalled()).
    auto done = std::make_shared<std::promise<void>>();
    auto applied = done->get_future();
    net::post(ioc_, [this, done, web = std::move(web)]() mutable {
      settings_ = std::move(web);
      done->set_value();
    });
    applied.wait_for(kReloadWait);
  }

  std::optional<std::string> stalled() const {
    const auto now = now_ns();
    const auto limit =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opts_.limits.stall_after).count();
    const auto seconds = [now](std::int64_t since) {
      return std::to_string((now - since) / 1'000'000'000) + " s";
    };
    if (now - io_beat_ > limit) return "the HTTP I/O thread has not run for " + seconds(io_beat_);
    if (now - render_beat_ > limit)
      return "the HTTP render thread has been busy with one scrape for " + seconds(render_beat_);
    if (now - auth_beat_ > limit)
      return "the HTTP auth thread has been busy with one bcrypt check for " + seconds(auth_beat_);
    return std::nullopt;
  }

  // SessionHost, on the I/O thread.
  const HttpLimits& limits() const override { return opts_.limits; }
  std::string_view telemetry_path() const override { return opts_.telemetry_path; }
  std::string_view version() const override { return opts_.version; }
  const WebSettings& settings() const override { return settings_; }

  bool verify(std::shared_ptr<BasicAuth> auth, Credentials credentials,
              std::function<void(bool)> done) override {
    if (pending_auth_ >= opts_.limits.max_pending_auth) return false;
    ++pending_auth_;
    net::post(auth_pool_, [this, auth = std::move(auth), c = std::move(credentials),
                           done = std::move(done)]() mutable {
      const bool ok = auth->verify(c);
      net::post(ioc_, [this, ok, done = std::move(done)] {
        --pending_auth_;
        done(ok);
      });
    });
    return true;
  }

  bool render(bool gzip, std::function<void(Rendered)> done) override {
    if (scrapes_in_flight_ >= opts_.limits.max_scrapes_in_flight) return false;
    ++scrapes_in_flight_;
    // Released wherever the last holder lets go: after the write, or with
    // a session that closed first.
    std::shared_ptr<void> slot(nullptr, [this](void*) { --scrapes_in_flight_; });
    net::post(render_pool_, [this, gzip, slot = std::move(slot), done = std::move(done)]() mutable {
      Rendered r;
      r.slot = std::move(slot);
      try {
        r.body = render_text();
        if (gzip) {
          r.body = gzip_compress(r.body);
          r.gzip = true;
        }
      } catch (const std::exception& e) {
        r = Rendered{e.what(), false, false, std::move(r.slot)};
      }
      net::post(ioc_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
    });
    return true;
  }

  void scraped(std::size_t bytes, Clock::duration took) override { stats_.observe(bytes, took); }

  void closed(Session& session) override { sessions_.erase(session.slot); }

 private:
  void stop_threads() {
    ioc_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    render_pool_.stop();
    render_pool_.join();
    auth_pool_.stop();
    auth_pool_.join();
  }

  // Names the calling thread (top, /proc/PID/task/*/comm) and runs
  // thread_start; `started` gets its outcome. False when it failed.
  bool init_thread(const char* name, std::promise<void>& started) {
    pthread_setname_np(pthread_self(), name);
    try {
      if (opts_.thread_start) opts_.thread_start();
      started.set_value();
      return true;
    } catch (...) {
      started.set_exception(std::current_exception());
      return false;
    }
  }

  std::future<void> start_thread(net::thread_pool& pool, const char* name) {
    auto started = std::make_shared<std::promise<void>>();
    auto f = started->get_future();
    net::post(pool, [this, name, started] { init_thread(name, *started); });
    return f;
  }

  void run() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // A bug in a handler; the other connections go on.
        spdlog::error("http: {}", e.what());
      }
    }
  }

  // exposer_* first, then the metrics, as prometheus-cpp's Exposer did.
  std::string render_text() {
    auto families = stats_.collectable()->Collect();
    auto metrics = metrics_->Collect();
    families.insert(families.end(), std::make_move_iterator(metrics.begin()),
                    std::make_move_iterator(metrics.end()));
    return prometheus::TextSerializer().Serialize(families);
  }

  void accept(std::size_t i) {
    acceptors_[i].async_accept(ioc_, [this, i](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors, typically: said once, retried shortly.
        if (!accept_failing_[i])
          spdlog::warn("http: accepting a connection failed: {}", ec.message());
        accept_failing_[i] = true;
        auto retry = std::make_shared<net::steady_timer>(ioc_, kAcceptRetry);
        retry->async_wait([this, i, retry](boost::system::error_code e) {
          if (!e) accept(i);
        });
        return;
      }
      accept_failing_[i] = false;
      admit(std::move(socket));
      accept(i);
    });
  }

  void admit(tcp::socket socket) {
    if (sessions_.size() >= opts_.limits.max_connections) evict_one();
    if (sessions_.size() >= opts_.limits.max_connections) return;  // all answering: refused
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = make_session(std::move(socket), *this, settings_.tls);
    sessions_.push_back(session);
    session->slot = std::prev(sessions_.end());
    session->start();
  }

  // The oldest connection that never completed a request (idle or
  // half-sent), else the oldest kept-alive one waiting for its next.
  void evict_one() {
    for (const bool served : {false, true}) {
      for (const auto& weak : sessions_) {
        const auto s = weak.lock();
        if (s && s->waiting() && s->served() == served) {
          s->close();  // erases its own entry: leave the loop now
          return;
        }
      }
    }
  }

  void beat() {
    io_beat_ = now_ns();
    if (!render_probe_.exchange(true)) {
      net::post(render_pool_, [this] {
        render_beat_ = now_ns();
        render_probe_ = false;
      });
    }
    if (!auth_probe_.exchange(true)) {
      net::post(auth_pool_, [this] {
        auth_beat_ = now_ns();
        auth_probe_ = false;
      });
    }
    heartbeat_.expires_after(opts_.limits.heartbeat);
    heartbeat_.async_wait([this](boost::system::error_code ec) {
      if (!ec) beat();
    });
  }

  const ServeOptions opts_;
  const std::shared_ptr<prometheus::Collectable> metrics_;
  ScrapeStats stats_;
  WebSettings settings_;  // the I/O thread's after construction
  std::atomic<std::size_t> scrapes_in_flight_{0};
  std::size_t pending_auth_ = 0;  // I/O thread only
  std::atomic<std::int64_t> io_beat_{0};
  std::atomic<std::int64_t> render_beat_{0};
  std::atomic<std::int64_t> auth_beat_{0};
  std::atomic<bool> render_probe_{false};
  std::atomic<bool> auth_probe_{false};
  std::vector<std::uint16_t> ports_;
  std::vector<bool> fallbacks_;

  net::io_context ioc_{1};
  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  std::vector<tcp::acceptor> acceptors_;
  std::vector<bool> accept_failing_;
  std::list<std::weak_ptr<Session>> sessions_;
  net::steady_timer heartbeat_{ioc_};
  net::thread_pool render_pool_{1};
  net::thread_pool auth_pool_{1};
  std::thread io_thread_;
};

HttpServer::HttpServer(const std::vector<config::ListenAddress>& addresses,
                       std::shared_ptr<prometheus::Collectable> metrics, WebSettings web,
                       ServeOptions options)
    : impl_(std::make_unique<Impl>(addresses, std::move(metrics), std::move(web),
                                   std::move(options))) {}

HttpServer::~HttpServer() = default;

std::vector<std::uint16_t> HttpServer::bound_ports() const { return impl_->ports(); }
std::vector<bool> HttpServer::ipv4_fallbacks() const { return impl_->fallbacks(); }
void HttpServer::reload(WebSettings web) { impl_->reload(std::move(web)); }
std::optional<std::string> HttpServer::stalled() const { return impl_->stalled(); }

}  // namespace pktlens::exporter
