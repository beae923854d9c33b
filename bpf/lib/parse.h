/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The parse core shared by every hook: Ethernet, up to two VLAN tags, ARP,
 * IPv4, IPv6 with its extension-header chain, TCP, UDP, ICMP, ICMPv6.
 *
 * Every read is bounds-checked against data_end right before it happens.
 * Semantic length checks (bad_ip_length, truncated L4 headers) use the frame
 * length the hook reports, which on TC can exceed the linear area; the entry
 * point pulls enough of the skb into the linear area first (hooks.h).
 *
 * Nothing here fails silently: every way a frame can be malformed sets an
 * anomaly bit in pkt_meta, and the frame is still classified (l3/l4) so that
 * it is counted exactly once.
 */
#ifndef PKTLENS_LIB_PARSE_H
#define PKTLENS_LIB_PARSE_H

#include "config.h"
#include "meta.h"
#include "proto.h"

/* Bound for the IPv6 extension-header walk (RFC 8200 allows any number;
 * real traffic carries at most a handful). A longer chain ends with l4
 * `other`, since its upper-layer protocol was never reached. */
#define PKTLENS_IPV6_EXT_MAX 8

/* Offsets are bounded so that the verifier can track packet pointers built
 * from them; 0x3fff is well past any header we parse. */
#define PKTLENS_OFF_MASK 0x3fff

static __always_inline __u8 l4_class(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP_:
		return PKTLENS_L4_TCP;
	case IPPROTO_UDP_:
		return PKTLENS_L4_UDP;
	case IPPROTO_ICMP_:
		return PKTLENS_L4_ICMP;
	case IPPROTO_ICMPV6_:
		return PKTLENS_L4_ICMPV6;
	default:
		return PKTLENS_L4_OTHER;
	}
}

/* An L4 header of `need` bytes is missing: what that means depends on
 * whether the frame is the first fragment of a datagram. */
static __always_inline void l4_short(struct pkt_meta *m)
{
	/* A first fragment legitimately ends early; only a TCP header split
	 * across fragments is the RFC 1858 evasion. */
	if (m->frag == FRAG_FIRST) {
		if (m->key.proto == IPPROTO_TCP_)
			META_ANOM(m, PKTLENS_ANOM_TINY_FRAGMENT);
	} else {
		META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
	}
}

static __always_inline void tcp_flag_anomalies(struct pkt_meta *m, __u8 flags)
{
	m->has_tcp_flags = 1;
	m->tcp_flags = flags;
	if (flags == 0)
		META_ANOM(m, PKTLENS_ANOM_TCP_NULL);
	if ((flags & (PKTLENS_TCP_FIN | PKTLENS_TCP_PSH | PKTLENS_TCP_URG)) ==
	    (PKTLENS_TCP_FIN | PKTLENS_TCP_PSH | PKTLENS_TCP_URG))
		META_ANOM(m, PKTLENS_ANOM_TCP_XMAS);
	if ((flags & (PKTLENS_TCP_SYN | PKTLENS_TCP_FIN)) ==
	    (PKTLENS_TCP_SYN | PKTLENS_TCP_FIN))
		META_ANOM(m, PKTLENS_ANOM_TCP_SYN_FIN);
	if ((flags & (PKTLENS_TCP_SYN | PKTLENS_TCP_RST)) ==
	    (PKTLENS_TCP_SYN | PKTLENS_TCP_RST))
		META_ANOM(m, PKTLENS_ANOM_TCP_SYN_RST);
}

#define PKTLENS_TCPOPT_TS 8
#define PKTLENS_TCPOLEN_TS 10

static __always_inline __u32 be32_at(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) |
	       p[3];
}

/* The timestamp option's values at `p` (kind and length checked). */
static __always_inline void tcp_ts_read(const __u8 *p, struct pkt_meta *m)
{
	m->has_tcp_ts = 1;
	m->tsval = be32_at(p + 2);
	m->tsecr = be32_at(p + 6);
}

/*
 * The TCP timestamp option (RFC 7323) among `olen` bytes of options at
 * `opt`, in the layouts TCP stacks send, each checked at a fixed offset
 * with the options before it (no walk: a walk over up to 40 option bytes
 * multiplied the verifier's work by ~10):
 *   TS first, or NOP NOP TS (Linux and the BSDs after the handshake);
 *   MSS, SACK-permitted or NOP NOP, TS (Linux SYN and SYN-ACK);
 *   MSS, NOP, window scale, NOP, NOP, TS (macOS, FreeBSD SYN).
 * A timestamp elsewhere is not found: the segment counts as unsampled.
 */
static __always_inline void parse_tcp_ts(__u8 *opt, void *data_end, __u32 olen,
					 struct pkt_meta *m)
{
	/* Every check below reads within what it has bounds-checked first. */
	if (olen < PKTLENS_TCPOLEN_TS || (void *)(opt + 12) > data_end)
		return;
	if (opt[0] == PKTLENS_TCPOPT_TS && opt[1] == PKTLENS_TCPOLEN_TS) {
		tcp_ts_read(opt, m);
		return;
	}
	if (opt[0] == 1 && opt[1] == 1) {
		if (olen >= 12 && opt[2] == PKTLENS_TCPOPT_TS &&
		    opt[3] == PKTLENS_TCPOLEN_TS)
			tcp_ts_read(opt + 2, m);
		return;
	}
	if (opt[0] != 2 || opt[1] != 4) /* MSS */
		return;
	if ((opt[4] == 4 && opt[5] == 2) || (opt[4] == 1 && opt[5] == 1)) {
		if (olen >= 16 && (void *)(opt + 16) <= data_end &&
		    opt[6] == PKTLENS_TCPOPT_TS && opt[7] == PKTLENS_TCPOLEN_TS)
			tcp_ts_read(opt + 6, m);
		return;
	}
	if (opt[4] == 1 && opt[5] == 3 && opt[6] == 3 && opt[8] == 1 &&
	    opt[9] == 1 && olen >= 20 && (void *)(opt + 20) <= data_end &&
	    opt[10] == PKTLENS_TCPOPT_TS && opt[11] == PKTLENS_TCPOLEN_TS)
		tcp_ts_read(opt + 10, m);
}

/*
 * L4 header at offset `off`; `avail` bytes of it are present within the IP
 * datagram (declared length clipped to what the frame holds). Each protocol
 * has its own constant-size checks: the verifier cannot relate a size
 * chosen in one branch to a protocol tested in another.
 */
static __always_inline void parse_l4(void *data, void *data_end, __u32 off,
				     __s32 avail, struct pkt_meta *m)
{
	__u8 *l4 = data + (off & PKTLENS_OFF_MASK);
	__u8 proto = m->key.proto;

	if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_ &&
	    proto != IPPROTO_ICMP_ && proto != IPPROTO_ICMPV6_)
		return;

	/* Ports, or ICMP type/code, as soon as their 4 bytes are there. */
	if (avail < 4 || (void *)(l4 + 4) > data_end) {
		l4_short(m);
		return;
	}
	if (proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_) {
		/* type, code, checksum: the whole fixed part we read */
		m->key.sport = l4[0];
		m->key.dport = l4[1];
		return;
	}
	m->key.sport = ((__u16)l4[0] << 8) | l4[1];
	m->key.dport = ((__u16)l4[2] << 8) | l4[3];

	if (proto == IPPROTO_UDP_) {
		m->udp_ports = 1;
		if (avail < 8 || (void *)(l4 + 8) > data_end)
			l4_short(m);
		else
			m->hdr_len = off + 8;
		return;
	}

	/* TCP: flags are meaningful as soon as byte 13 is there. */
	if (avail < 14 || (void *)(l4 + 14) > data_end) {
		l4_short(m);
		return;
	}
	tcp_flag_anomalies(m, l4[13]);
	if (avail < 20 || (void *)(l4 + 20) > data_end) {
		l4_short(m);
		return;
	}
	__u32 doff = (l4[12] >> 4) * 4;
	if (doff < 20) {
		META_ANOM(m, PKTLENS_ANOM_BAD_TCP_OFFSET);
		return;
	}
	if ((__s32)doff > avail) {
		META_ANOM(m, m->frag == FRAG_FIRST
				     ? PKTLENS_ANOM_TINY_FRAGMENT
				     : PKTLENS_ANOM_BAD_TCP_OFFSET);
		return;
	}
	/* A complete header: what the latency tracking needs from it. */
	m->tcp_hdr = 1;
	m->hdr_len = off + doff;
	if (cfg_handshake) {
		m->tcp_seq = be32_at(l4 + 4);
		m->tcp_ack = be32_at(l4 + 8);
	}
	if (cfg_rtt && doff > 20)
		parse_tcp_ts(l4 + 20, data_end, doff - 20, m);
}

static __always_inline void parse_ipv4(void *data, void *data_end, __u32 off,
				       struct pkt_meta *m)
{
	__u8 *ip = data + (off & PKTLENS_OFF_MASK);
	__s32 present =
		(__s32)m->len - (__s32)off; /* bytes from IP header on */
	__u32 hlen, tot_len;
	__s32 dgram; /* IP datagram bytes actually present */
	__u16 frag_off;

	m->l3 = PKTLENS_L3_IPV4;
	m->l4 = PKTLENS_L4_OTHER;
	if ((void *)(ip + 20) > data_end || present < 20) {
		META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
		return;
	}
	hlen = (ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || hlen < 20) {
		META_ANOM(m, PKTLENS_ANOM_BAD_IP_HEADER);
		return;
	}
	/* IHL > 5 announces options, whether or not they are all there. */
	if (hlen > 20)
		META_ANOM(m, PKTLENS_ANOM_IP_OPTIONS);
	if ((void *)(ip + hlen) > data_end || (__s32)hlen > present) {
		META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
		return;
	}

	/* The header is complete: from here on the frame has an L4 class,
	 * addresses and TTL, whatever else is wrong with it. */
	m->has_ip = 1;
	m->tos = ip[1];
	m->ttl = ip[8];
	m->key.proto = ip[9];
	m->l4 = l4_class(ip[9]);
	m->key.family = 4;
	__builtin_memcpy(m->key.src, ip + 12, 4);
	__builtin_memcpy(m->key.dst, ip + 16, 4);
	m->has_addrs = 1;
	if (*(__u32 *)(ip + 12) == *(__u32 *)(ip + 16))
		META_ANOM(m, PKTLENS_ANOM_LAND);
	if (m->dir == PKTLENS_DIR_INGRESS && m->ttl <= 1 &&
	    !(ip[16] == 224 && ip[17] == 0 && ip[18] == 0))
		META_ANOM(m, PKTLENS_ANOM_TTL_EXPIRED);

	tot_len = ((__u32)ip[2] << 8) | ip[3];
	dgram = present;
	/* A BIG TCP aggregate (> 64 KiB) carries total length 0. */
	if (!(m->gso && tot_len == 0)) {
		if (tot_len < hlen || (__s32)tot_len > present)
			META_ANOM(m, PKTLENS_ANOM_BAD_IP_LENGTH);
		else
			dgram = tot_len; /* ignore Ethernet padding */
	}

	frag_off = ((__u16)ip[6] << 8) | ip[7];
	if (frag_off & (IP_MF_ | IP_OFFMASK_)) {
		META_ANOM(m, PKTLENS_ANOM_FRAGMENT);
		if (frag_off & IP_OFFMASK_) {
			m->frag = FRAG_LATER;
			if ((frag_off & IP_OFFMASK_) == 1 &&
			    m->key.proto == IPPROTO_TCP_)
				META_ANOM(m, PKTLENS_ANOM_TINY_FRAGMENT);
			return;
		}
		m->frag = FRAG_FIRST;
	}
	parse_l4(data, data_end, off + hlen, dgram - (__s32)hlen, m);
}

static __always_inline int ipv6_is_ext(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS_:
	case IPPROTO_ROUTING_:
	case IPPROTO_FRAGMENT_:
	case IPPROTO_AH_:
	case IPPROTO_DSTOPTS_:
	case IPPROTO_MH_:
	case IPPROTO_HIP_:
	case IPPROTO_SHIM6_:
		return 1;
	default:
		return 0;
	}
}

static __always_inline void parse_ipv6(void *data, void *data_end, __u32 off,
				       struct pkt_meta *m)
{
	__u8 *ip = data + (off & PKTLENS_OFF_MASK);
	__s32 present = (__s32)m->len - (__s32)off;
	__s32 dgram, plen;
	__u32 pos; /* offset of the next header, relative to ip */
	__u8 nh;

	m->l3 = PKTLENS_L3_IPV6;
	m->l4 = PKTLENS_L4_OTHER;
	if ((void *)(ip + 40) > data_end || present < 40) {
		META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
		return;
	}
	if ((ip[0] >> 4) != 6) {
		META_ANOM(m, PKTLENS_ANOM_BAD_IP_HEADER);
		return;
	}

	m->has_ip = 1;
	m->tos = (ip[0] << 4) | (ip[1] >> 4); /* traffic class */
	m->ttl = ip[7];
	m->key.family = 6;
	__builtin_memcpy(m->key.src, ip + 8, 16);
	__builtin_memcpy(m->key.dst, ip + 24, 16);
	m->has_addrs = 1;
	if (*(__u64 *)(ip + 8) == *(__u64 *)(ip + 24) &&
	    *(__u64 *)(ip + 16) == *(__u64 *)(ip + 32))
		META_ANOM(m, PKTLENS_ANOM_LAND);
	if (m->dir == PKTLENS_DIR_INGRESS && m->ttl <= 1 &&
	    !(ip[24] == 0xff && ip[25] == 0x02))
		META_ANOM(m, PKTLENS_ANOM_TTL_EXPIRED);

	plen = ((__s32)ip[4] << 8) | ip[5];
	dgram = present;
	/* Payload length 0 with data behind it: jumbogram or BIG TCP. */
	if (plen != 0 || dgram == 40) {
		if (40 + plen > present)
			META_ANOM(m, PKTLENS_ANOM_BAD_IP_LENGTH);
		else
			dgram = 40 + plen;
	}

	nh = ip[6];
	pos = 40;
#pragma unroll
	for (int i = 0; i < PKTLENS_IPV6_EXT_MAX; i++) {
		__u8 *ext;
		__u32 elen;

		if (!ipv6_is_ext(nh))
			break;
		/* Past the offsets the verifier can track: no real chain gets
		 * here (the frame ends first); stop walking, l4 stays other. */
		if (pos > PKTLENS_OFF_MASK - 64)
			break;
		ext = ip + (pos & PKTLENS_OFF_MASK);
		if (nh == IPPROTO_FRAGMENT_) {
			__u16 fo;

			if ((void *)(ext + 8) > data_end ||
			    (__s32)pos + 8 > dgram) {
				META_ANOM(m, PKTLENS_ANOM_FRAGMENT);
				META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
				m->key.proto = nh;
				return;
			}
			META_ANOM(m, PKTLENS_ANOM_FRAGMENT);
			fo = ((__u16)ext[2] << 8) | ext[3];
			nh = ext[0];
			pos += 8;
			if (fo & 0xfff8) {
				/* Non-first fragment: the rest of the chain
				 * and the L4 header are in fragment 0. */
				m->frag = FRAG_LATER;
				if ((fo >> 3) == 1 && nh == IPPROTO_TCP_)
					META_ANOM(m,
						  PKTLENS_ANOM_TINY_FRAGMENT);
				break;
			}
			if (fo & 1)
				m->frag = FRAG_FIRST;
			continue;
		}
		if ((void *)(ext + 2) > data_end || (__s32)pos + 2 > dgram) {
			/* A cut chain: the flow's protocol is the header that
			 * does not fit; l4 stays other. */
			META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
			m->key.proto = nh;
			return;
		}
		if (nh == IPPROTO_AH_)
			elen = ((__u32)ext[1] + 2) * 4;
		else
			elen = ((__u32)ext[1] + 1) * 8;
		pos += elen;
		if ((__s32)pos > dgram) {
			/* As above: the flow's protocol is the header that
			 * does not fit. */
			META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
			m->key.proto = nh;
			return;
		}
		nh = ext[0];
	}

	m->key.proto = nh;
	if (ipv6_is_ext(nh))
		return; /* chain longer than we walk: l4 stays `other` */
	m->l4 = l4_class(nh);
	if (m->frag == FRAG_LATER)
		return;
	parse_l4(data, data_end, off + pos, dgram - (__s32)pos, m);
}

/*
 * Parses one frame. The caller has set m->len, m->dir, m->gso, and any VLAN
 * tag the hardware took off the frame (m->vlan_tags, m->key.vlan).
 * Not inlined: TC may parse a frame twice (hooks.h), and one copy of the
 * parser keeps the program small; a static subprogram still gets packet
 * pointers checked at each call site.
 */
static __noinline void parse_frame(void *data, void *data_end,
				   struct pkt_meta *m)
{
	__u8 *eth = data;
	__u32 off = ETH_HLEN_;
	__u16 proto;

	m->l3 = PKTLENS_L3_OTHER;
	m->l4 = PKTLENS_L4_OTHER;
	m->link_hdr_len = ETH_HLEN_;
	if ((void *)(eth + ETH_HLEN_) > data_end || m->len < ETH_HLEN_) {
		META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
		return;
	}
	proto = ((__u16)eth[12] << 8) | eth[13];

#pragma unroll
	for (int i = 0; i < 2; i++) {
		__u8 *tag;
		__u16 vid;

		if (proto != ETH_P_8021Q_ && proto != ETH_P_8021AD_ &&
		    proto != ETH_P_QINQ1_)
			break;
		tag = data + off;
		if ((void *)(tag + 4) > data_end || m->len < off + 4) {
			META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
			return;
		}
		vid = (((__u16)tag[0] << 8) | tag[1]) & 0x0fff;
		if (m->vlan_tags == 0)
			m->key.vlan = vid;
		else if (m->vlan_tags == 1)
			m->key.vlan_inner = vid;
		if (m->vlan_tags < 2)
			m->vlan_tags++;
		proto = ((__u16)tag[2] << 8) | tag[3];
		off += 4;
		m->link_hdr_len += 4;
	}

	switch (proto) {
	case ETH_P_IP_:
		parse_ipv4(data, data_end, off, m);
		break;
	case ETH_P_IPV6_:
		parse_ipv6(data, data_end, off, m);
		break;
	case ETH_P_ARP_:
		m->l3 = PKTLENS_L3_ARP;
		/* Fixed ARP header: htype, ptype, hlen, plen, oper. */
		if ((void *)(eth + off + 8) > data_end || m->len < off + 8)
			META_ANOM(m, PKTLENS_ANOM_TRUNCATED);
		break;
	default:
		break;
	}
}

#endif /* PKTLENS_LIB_PARSE_H */
