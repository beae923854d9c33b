// SPDX-License-Identifier: Apache-2.0
#include "export/ipfix_session.hpp"

#include <arpa/inet.h>
#include <fixbuf/public.h>

#include <array>
#include <cstring>
#include <string>
#include <utility>

namespace pktlens::flowexport {
namespace {

// The in-memory record (IpfixRecord, field for field, every length given:
// libfixbuf refuses an internal template with defaulted lengths). A template built
// with flags F holds the fields whose flags are all in F: kV4 and kV6 pick
// the addresses of the IPv4 and IPv6 templates on the wire, 0 is in both,
// the padding in neither (only the internal template, built with all bits).
constexpr uint32_t kInternalOnly = 1;
constexpr uint32_t kV4 = 2;
constexpr uint32_t kV6 = 4;

fbInfoElementSpec_t kFlowSpec[] = {
    {const_cast<char*>("flowStartMilliseconds"), 8, 0},
    {const_cast<char*>("flowEndMilliseconds"), 8, 0},
    {const_cast<char*>("octetDeltaCount"), 8, 0},
    {const_cast<char*>("packetDeltaCount"), 8, 0},
    {const_cast<char*>("sourceIPv6Address"), 16, kV6},
    {const_cast<char*>("destinationIPv6Address"), 16, kV6},
    {const_cast<char*>("sourceIPv4Address"), 4, kV4},
    {const_cast<char*>("destinationIPv4Address"), 4, kV4},
    {const_cast<char*>("ingressInterface"), 4, 0},
    {const_cast<char*>("egressInterface"), 4, 0},
    {const_cast<char*>("sourceTransportPort"), 2, 0},
    {const_cast<char*>("destinationTransportPort"), 2, 0},
    {const_cast<char*>("vlanId"), 2, 0},
    {const_cast<char*>("dot1qCustomerVlanId"), 2, 0},
    {const_cast<char*>("tcpControlBits"), 2, 0},
    {const_cast<char*>("protocolIdentifier"), 1, 0},
    {const_cast<char*>("ipClassOfService"), 1, 0},
    {const_cast<char*>("flowDirection"), 1, 0},
    {const_cast<char*>("flowEndReason"), 1, 0},
    {const_cast<char*>("ipVersion"), 1, 0},
    {const_cast<char*>("paddingOctets"), 1, kInternalOnly},
    FB_IESPEC_NULL,
};

// IpfixExporterTotals, scoped by its first field.
fbInfoElementSpec_t kTotalsSpec[] = {
    {const_cast<char*>("observationDomainId"), 4, 0},
    {const_cast<char*>("exportedMessageTotalCount"), 8, 0},
    {const_cast<char*>("exportedFlowRecordTotalCount"), 8, 0},
    {const_cast<char*>("notSentFlowTotalCount"), 8, 0},
    FB_IESPEC_NULL,
};

// A GError as an exception, the GError freed.
[[noreturn]] void fail(const std::string& what, GError* err, SendProgress done = {}) {
  std::string msg = what + ": " + (err ? err->message : "unknown error");
  g_clear_error(&err);
  throw IpfixError(msg, done);
}

fbTemplate_t* make_template(fbInfoModel_t* model, fbInfoElementSpec_t* spec, uint32_t flags,
                            uint16_t scope = 0) {
  fbTemplate_t* t = fbTemplateAlloc(model);
  GError* err = nullptr;
  if (!fbTemplateAppendSpecArray(t, spec, flags, &err)) {
    fbTemplateFreeUnused(t);
    fail("building the IPFIX template", err);
  }
  if (scope) fbTemplateSetOptionsScope(t, scope);
  return t;
}

bool is_eom(const GError* err) {
  return err && g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM);
}

// The message sizes of libfixbuf's network exporter (fbExporterAllocNet).
constexpr uint16_t kUdpMessage = 1420;
constexpr uint16_t kTcpMessage = 8192;
constexpr uint16_t kIpfixVersion = 10;

}  // namespace

struct IpfixSession::Impl {
  MessageSink sink;
  // libfixbuf writes each message here (fbExporterAllocBuffer), from the start.
  std::array<uint8_t, kTcpMessage> message{};
  fbInfoModel_t* model = nullptr;
  fBuf_t* buf = nullptr;  // owns the session and the exporter
  uint16_t internal = 0;
  uint16_t v4 = 0;
  uint16_t v6 = 0;
  uint16_t totals_internal = 0;
  uint16_t totals = 0;
  uint16_t current = 0;  // the export template set on buf

  ~Impl() {
    if (buf) fBufFree(buf);
    if (model) fbInfoModelFree(model);
  }

  uint16_t add(fbSession_t* s, bool internal_tmpl, fbTemplate_t* t) {
    GError* err = nullptr;
    const uint16_t tid = fbSessionAddTemplate(s, internal_tmpl, FB_TID_AUTO, t, &err);
    if (tid == 0) fail("adding the IPFIX template", err);
    return tid;
  }

  void use_template(uint16_t tid) {
    if (tid == current) return;
    GError* err = nullptr;
    if (!fBufSetExportTemplate(buf, tid, &err)) fail("choosing the IPFIX template", err);
    current = tid;
  }

  // Ends the message and hands it to the sink (with the flow records in
  // it); nothing when the message was empty.
  void emit(uint64_t records, const std::string& what, SendProgress done) {
    message[0] = message[1] = 0;  // a message written starts with version 10
    GError* err = nullptr;
    if (!fBufEmit(buf, &err)) fail(what, err, done);
    uint16_t version = 0;
    uint16_t length = 0;
    std::memcpy(&version, message.data(), 2);
    std::memcpy(&length, message.data() + 2, 2);
    if (ntohs(version) != kIpfixVersion) return;
    try {
      sink(std::span<const uint8_t>(message.data(), ntohs(length)), records);
    } catch (const IpfixError& e) {
      throw IpfixError(e.what(), done);
    }
  }

  bool append(const IpfixRecord& r, GError** err) {
    return fBufAppend(buf, reinterpret_cast<uint8_t*>(const_cast<IpfixRecord*>(&r)), sizeof r, err);
  }
};

IpfixSession::IpfixSession(Transport transport, uint32_t observation_domain, MessageSink sink)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.sink = std::move(sink);
  m.model = fbInfoModelAlloc();
  fbSession_t* session = fbSessionAlloc(m.model);
  fbSessionSetDomain(session, observation_domain);
  try {
    m.internal = m.add(session, true, make_template(m.model, kFlowSpec, UINT32_MAX));
    m.v4 = m.add(session, false, make_template(m.model, kFlowSpec, kV4));
    m.v6 = m.add(session, false, make_template(m.model, kFlowSpec, kV6));
    m.totals_internal = m.add(session, true, make_template(m.model, kTotalsSpec, 0, 1));
    m.totals = m.add(session, false, make_template(m.model, kTotalsSpec, 0, 1));
  } catch (...) {
    fbSessionFree(session);
    throw;
  }
  fbExporter_t* exporter = fbExporterAllocBuffer(
      m.message.data(), transport == Transport::tcp ? kTcpMessage : kUdpMessage);
  m.buf = fBufAllocForExport(session, exporter);
  fBufSetAutomaticMode(m.buf, FALSE);
  GError* err = nullptr;
  if (!fBufSetInternalTemplate(m.buf, m.internal, &err)) fail("setting the IPFIX template", err);
  refresh_templates();
}

IpfixSession::~IpfixSession() = default;

void IpfixSession::refresh_templates() {
  // In manual mode libfixbuf does not start a message for templates
  // (FB_ERROR_EOM); automatic mode does, and they fit in one.
  GError* err = nullptr;
  fBufSetAutomaticMode(impl_->buf, TRUE);
  const bool ok = fbSessionExportTemplates(fBufGetSession(impl_->buf), &err);
  fBufSetAutomaticMode(impl_->buf, FALSE);
  if (!ok) fail("sending the IPFIX templates", err);
  impl_->current = 0;  // a template set was written: the next record sets its own
}

void IpfixSession::send_totals(IpfixExporterTotals totals, uint32_t export_time) {
  Impl& m = *impl_;
  GError* err = nullptr;
  fBufSetExportTime(m.buf, export_time);
  if (!fBufSetInternalTemplate(m.buf, m.totals_internal, &err))
    fail("setting the IPFIX options template", err);
  m.use_template(m.totals);
  if (!fBufAppend(m.buf, reinterpret_cast<uint8_t*>(&totals), sizeof totals, &err))
    fail("sending the IPFIX exporter statistics", err);
  m.emit(0, "sending the IPFIX exporter statistics", {});
  if (!fBufSetInternalTemplate(m.buf, m.internal, &err)) fail("setting the IPFIX template", err);
}

size_t IpfixSession::send(std::span<const IpfixRecord> records, uint32_t export_time) {
  Impl& m = *impl_;
  SendProgress done;
  size_t in_message = 0;  // records appended since the last message went out
  GError* err = nullptr;
  fBufSetExportTime(m.buf, export_time);
  for (const IpfixRecord& r : records) {
    m.use_template(r.ip_version == 6 ? m.v6 : m.v4);
    if (m.append(r, &err)) {
      in_message++;
      continue;
    }
    if (!is_eom(err)) fail("appending an IPFIX record", err, done);
    g_clear_error(&err);
    // The message is full: send it, and the record starts the next one.
    m.emit(in_message, "sending an IPFIX message", done);
    done.messages++;
    done.records += in_message;
    fBufSetExportTime(m.buf, export_time);
    m.current = 0;
    m.use_template(r.ip_version == 6 ? m.v6 : m.v4);
    if (!m.append(r, &err)) fail("appending an IPFIX record", err, done);
    in_message = 1;
  }
  m.emit(in_message, "sending an IPFIX message", done);
  return done.messages + 1;
}

}  // namespace pktlens::flowexport
