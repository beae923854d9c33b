// SPDX-License-Identifier: Apache-2.0
#include "top/view.hpp"

#include <ncurses.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace pktlens::top {

std::string human(double v) {
  static constexpr const char* kPrefix[] = {"", "k", "M", "G", "T", "P"};
  std::size_t i = 0;
  while (std::fabs(v) >= 999.5 && i + 1 < std::size(kPrefix)) {
    v /= 1000;
    ++i;
  }
  char buf[32];
  if (i == 0 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, std::fabs(v) < 9.995 ? "%.2f%s" : std::fabs(v) < 99.95 ? "%.1f%s" : "%.0f%s", v,
                  kPrefix[i]);
  }
  return buf;
}

namespace {

std::string seconds_text(const std::optional<double>& s) {
  if (!s) return "-";
  char buf[32];
  if (*s < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.0fus", *s * 1e6);
  } else if (*s < 1) {
    std::snprintf(buf, sizeof buf, "%.1fms", *s * 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", *s);
  }
  return buf;
}

std::string endpoint(const std::string& addr, const std::string& port) {
  const auto a = addr.find(':') != std::string::npos ? "[" + addr + "]" : addr;
  return port.empty() ? a : a + ":" + port;
}

class Screen {
 public:
  // false once the screen is full.
  bool line(const std::string& text, int attrs = A_NORMAL) {
    if (row_ >= LINES) return false;
    attron(attrs);
    mvaddnstr(row_++, 0, text.c_str(), COLS);
    attroff(attrs);
    return true;
  }
  template <class... Args>
  bool linef(int attrs, const char* fmt, Args... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return line(buf, attrs);
  }

 private:
  int row_ = 0;
};

}  // namespace

void draw(const Model& m, const ViewState& st) {
  erase();
  Screen s;
  char every[32];
  std::snprintf(every, sizeof every, "%gs", st.interval_seconds);
  s.linef(A_BOLD, "pktlensd top  %s  every %s  flows by %s   [b] bytes  [p] packets  [q] quit",
          st.url.c_str(), every, st.sort == SortBy::Bytes ? "bytes" : "packets");
  if (!st.error.empty()) s.line("scrape failed: " + st.error, A_REVERSE);
  if (!st.scraped) {
    s.line("waiting for the first scrape...");
    refresh();
    return;
  }
  if (!m.have_rates) s.line("rates after the second scrape...");
  s.line("");
  s.linef(A_BOLD, "%-16s %12s %12s %12s %12s", "INTERFACE", "IN bit/s", "IN pkt/s", "OUT bit/s",
          "OUT pkt/s");
  for (const auto& i : m.interfaces)
    s.linef(A_NORMAL, "%-16s %12s %12s %12s %12s", i.name.c_str(), human(i.in_bps).c_str(),
            human(i.in_pps).c_str(), human(i.out_bps).c_str(), human(i.out_pps).c_str());

  s.line("");
  s.linef(A_BOLD, "%10s %10s  %-6s %-12s %-7s %s", "bit/s", "pkt/s", "PROTO", "INTERFACE", "DIR",
          "SOURCE -> DESTINATION");
  std::size_t shown = 0;
  for (const auto& f : m.flows) {
    if (shown++ == st.max_flows) break;
    s.linef(A_NORMAL, "%10s %10s  %-6s %-12s %-7s %s -> %s", human(f.bps).c_str(),
            human(f.pps).c_str(), f.proto.c_str(), f.interface.c_str(), f.dir.c_str(),
            endpoint(f.src, f.sport).c_str(), endpoint(f.dst, f.dport).c_str());
  }
  if (m.have_rates && m.flows.empty()) s.line("(no flow in the top-K of both scrapes)");

  s.line("");
  s.linef(A_BOLD, "%-24s %10s %12s    %-24s %10s %12s", "ANOMALY", "/s", "total", "DROP REASON",
          "/s", "total");
  for (std::size_t i = 0; i < std::max(m.anomalies.size(), m.drops.size()); ++i) {
    std::string left, right;
    char buf[128];
    if (i < m.anomalies.size()) {
      const auto& a = m.anomalies[i];
      std::snprintf(buf, sizeof buf, "%-24s %10s %12s", a.what.c_str(),
                    human(a.per_second).c_str(), human(a.total).c_str());
      left = buf;
    }
    if (i < m.drops.size()) {
      const auto& d = m.drops[i];
      std::snprintf(buf, sizeof buf, "%-24s %10s %12s", d.what.c_str(),
                    human(d.per_second).c_str(), human(d.total).c_str());
      right = buf;
    }
    left.resize(48, ' ');
    if (!s.line(left + "    " + right)) break;
  }
  if (m.anomalies.empty() && m.drops.empty()) s.line("(none)");

  s.line("");
  s.linef(A_BOLD, "%-36s %10s %10s %10s %10s", "LATENCY (since start)", "samples", "p50", "p90",
          "p99");
  for (const auto& q : m.latency)
    s.linef(A_NORMAL, "%-36s %10s %10s %10s %10s", q.what.c_str(), human(q.count).c_str(),
            seconds_text(q.p50).c_str(), seconds_text(q.p90).c_str(), seconds_text(q.p99).c_str());
  refresh();
}

}  // namespace pktlens::top
