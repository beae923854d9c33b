/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one header shared by the BPF programs and user space: map keys and
 * values, enums and sizes. Fixed-width types and explicit padding only, so
 * that the C++ side can include it as is and static_assert the layout
 * (daemon/bpf/abi.hpp). Changing a struct here changes the pinned-map
 * ABI: bump PKTLENS_ABI_VERSION.
 */
#ifndef PKTLENS_ABI_H
#define PKTLENS_ABI_H

#ifdef __BPF__
/* vmlinux.h (included first by the BPF objects) provides __u8..__u64. */
#else
#include <linux/types.h>
#endif

#define PKTLENS_ABI_VERSION 2

enum pktlens_dir {
	PKTLENS_DIR_INGRESS = 0,
	PKTLENS_DIR_EGRESS = 1,
	PKTLENS_DIR_MAX = 2,
};

enum pktlens_l3 {
	PKTLENS_L3_IPV4 = 0,
	PKTLENS_L3_IPV6 = 1,
	PKTLENS_L3_ARP = 2,
	PKTLENS_L3_OTHER = 3,
	PKTLENS_L3_MAX = 4,
};

enum pktlens_l4 {
	PKTLENS_L4_TCP = 0,
	PKTLENS_L4_UDP = 1,
	PKTLENS_L4_ICMP = 2,
	PKTLENS_L4_ICMPV6 = 3,
	PKTLENS_L4_OTHER = 4,
	PKTLENS_L4_MAX = 5,
};

/* Exact meanings: docs/architecture.md, "Anomaly kinds". */
enum pktlens_anomaly {
	PKTLENS_ANOM_TRUNCATED = 0,
	PKTLENS_ANOM_BAD_IP_HEADER = 1,
	PKTLENS_ANOM_BAD_IP_LENGTH = 2,
	PKTLENS_ANOM_TTL_EXPIRED = 3,
	PKTLENS_ANOM_LAND = 4,
	PKTLENS_ANOM_TCP_NULL = 5,
	PKTLENS_ANOM_TCP_XMAS = 6,
	PKTLENS_ANOM_TCP_SYN_FIN = 7,
	PKTLENS_ANOM_TCP_SYN_RST = 8,
	PKTLENS_ANOM_BAD_TCP_OFFSET = 9,
	PKTLENS_ANOM_FRAGMENT = 10,
	PKTLENS_ANOM_TINY_FRAGMENT = 11,
	PKTLENS_ANOM_IP_OPTIONS = 12,
	PKTLENS_ANOM_OVERSIZE = 13,
	PKTLENS_ANOM_MAX = 14,
};

/* Counted per packet for each flag set; syn means SYN without ACK. */
enum pktlens_tcp_flag {
	PKTLENS_TCPF_SYN = 0,
	PKTLENS_TCPF_SYNACK = 1,
	PKTLENS_TCPF_FIN = 2,
	PKTLENS_TCPF_RST = 3,
	PKTLENS_TCPF_PSH = 4,
	PKTLENS_TCPF_URG = 5,
	PKTLENS_TCPF_ECE = 6,
	PKTLENS_TCPF_CWR = 7,
	PKTLENS_TCPF_MAX = 8,
};

/* Raw TCP flag bits as on the wire (byte 13 of the TCP header). */
#define PKTLENS_TCP_FIN 0x01
#define PKTLENS_TCP_SYN 0x02
#define PKTLENS_TCP_RST 0x04
#define PKTLENS_TCP_PSH 0x08
#define PKTLENS_TCP_ACK 0x10
#define PKTLENS_TCP_URG 0x20
#define PKTLENS_TCP_ECE 0x40
#define PKTLENS_TCP_CWR 0x80

/*
 * Frame-size histogram: bucket i counts frames <= PKTLENS_SIZE_BOUNDS[i];
 * the last bucket counts larger frames (+Inf). Non-cumulative in the map.
 */
#define PKTLENS_SIZE_BUCKETS 13
/* clang-format off */
#define PKTLENS_SIZE_BOUNDS_INIT                                               \
	{64, 128, 256, 512, 1024, 1280, 1518, 2048, 4096, 9000, 16384, 65535, 0}

/* TTL / hop-limit histogram: bucket i counts TTL <= bound i (log2 slots). */
#define PKTLENS_TTL_BUCKETS 9
#define PKTLENS_TTL_BOUNDS_INIT {1, 2, 4, 8, 16, 32, 64, 128, 255}
/* clang-format on */

#define PKTLENS_DSCP_VALUES 64
#define PKTLENS_ECN_VALUES 4 /* Not-ECT, ECT(1), ECT(0), CE */
#define PKTLENS_ECN_CE 3

/*
 * Interface registry, written by user space, read by BPF: ifindex -> slot
 * in pktlens_stats and the MTU used for `oversize`.
 *   pktlens_ifaces     ARRAY indexed by ifindex, for ifindex < its size
 *                      (an array lookup is inlined by the verifier; a hash
 *                      lookup on every packet cost ~25% of the warm path);
 *   pktlens_ifaces_hi  HASH for larger ifindexes (busy container hosts).
 * Slot 0 is reserved: packets from an ifindex user space did not register
 * (a zeroed array entry) are still counted there, never dropped from the
 * totals.
 */
#define PKTLENS_SLOT_UNREGISTERED 0
#define PKTLENS_DEFAULT_MAX_SLOTS 256
#define PKTLENS_DEFAULT_IFINDEX_ARRAY 65536

struct pktlens_iface {
	__u32 slot;
	__u32 mtu; /* L3 MTU; 0 disables the oversize check */
};

/*
 * pktlens_slot_owners (ARRAY, index slot): which interface a slot counts,
 * written by user space only (the programs never read it). It survives a
 * restart with the other pinned maps, so the next pktlensd tells a slot whose
 * interface is still there (counting on) from one whose interface went away
 * (its final values exported for the retention, then zeroed and reused).
 * ifindex 0: the slot is free.
 */
#define PKTLENS_IFNAME_LEN 16
struct pktlens_slot_owner {
	__u32 ifindex;
	__u32 pad;
	char name[PKTLENS_IFNAME_LEN];
};

/*
 * pktlens_stats (PERCPU_ARRAY): index slot * PKTLENS_DIR_MAX + dir.
 * Every frame the hook sees adds exactly 1 to exactly one packets[l3][l4].
 */
struct pktlens_if_stats {
	__u64 packets[PKTLENS_L3_MAX][PKTLENS_L4_MAX];
	__u64 bytes[PKTLENS_L3_MAX][PKTLENS_L4_MAX];
	__u64 size_hist[PKTLENS_SIZE_BUCKETS];
	__u64 tcp_flags[PKTLENS_TCPF_MAX];
	__u64 dscp[PKTLENS_DSCP_VALUES];
	__u64 ecn[PKTLENS_ECN_VALUES];
	__u64 ttl_hist[PKTLENS_TTL_BUCKETS];
	__u64 anomalies[PKTLENS_ANOM_MAX];
	/*
	 * Flow accounting, so that per-flow sums reconcile with the totals:
	 * sum(flows) + unadmitted + untracked + ended == sum(packets), ended
	 * being pktlens_flow_ended (flows user space removed).
	 * untracked: no flow key (not IP, or IP header incomplete) or flows
	 * switched off. unadmitted: a new flow over the per-CPU insert budget
	 * or refused by the map (full).
	 */
	__u64 flow_untracked_packets;
	__u64 flow_untracked_bytes;
	__u64 flow_unadmitted_packets;
	__u64 flow_unadmitted_bytes;
	__u64 flow_inserts; /* new flows created in pktlens_flows */
	/* Tagged frames the per-VLAN map had no room for. */
	__u64 vlan_overflow_packets;
	__u64 vlan_overflow_bytes;
	/*
	 * Packets and bytes above are what crossed the wire: at TC a GSO/GRO
	 * aggregate counts as its segments. skbs counts what the hook saw
	 * (an aggregate once); ttl_sum is the sum of the TTL histogram's
	 * samples.
	 */
	__u64 skbs;
	__u64 ttl_sum;
};

/* pktlens_vlans (PERCPU_HASH): per tag pair. vlan_inner 0 = single tag. */
struct pktlens_vlan_key {
	__u32 ifindex;
	__u16 vlan;	  /* outer (or only) VLAN id, 0..4095 */
	__u16 vlan_inner; /* inner VLAN id of a double-tagged frame, else 0 */
	__u8 dir;
	__u8 tags; /* 1 or 2 */
	__u8 _pad[2];
};

struct pktlens_vlan_val {
	__u64 packets;
	__u64 bytes;
};

#define PKTLENS_DEFAULT_MAX_VLANS 4096

/*
 * pktlens_vlan_rest (HASH, written by user space only): per interface and
 * direction, what the VLAN series must keep that pktlens_vlans no longer
 * holds: the final counts of the entries the collector expired, and the
 * vlan="other" series last exported (it never goes down, also across a
 * restart). A new map, so the layout of the existing ones is unchanged.
 */
struct pktlens_vlan_rest_key {
	__u32 ifindex;
	__u8 dir;
	__u8 _pad[3];
};

struct pktlens_vlan_rest {
	__u64 expired_packets;
	__u64 expired_bytes;
	__u64 other_packets;
	__u64 other_bytes;
};

#define PKTLENS_VLAN_REST_ENTRIES 4096

/*
 * pktlens_flows (PERCPU_HASH). Addresses in network byte order; IPv4
 * in the first 4 bytes, rest zero. Ports in host byte order; for ICMP and
 * ICMPv6 sport = type, dport = code; 0 where the L4 header is absent
 * (non-first fragments, other protocols).
 */
/*
 * The fields a flow is keyed by (cfg_flow_key, flows.key in the config):
 * interface and direction always; a field left out is 0 in every key, so
 * the flows that differ only in it share one entry. SERVICE_PORT keeps the
 * lower of the two TCP/UDP ports (a server's port: clients pick theirs
 * from the high, ephemeral range) and zeroes the other; it replaces SPORT
 * and DPORT.
 */
#define PKTLENS_FK_VLAN (1u << 0)
#define PKTLENS_FK_PROTO (1u << 1)
#define PKTLENS_FK_SRC (1u << 2)
#define PKTLENS_FK_DST (1u << 3)
#define PKTLENS_FK_SPORT (1u << 4)
#define PKTLENS_FK_DPORT (1u << 5)
#define PKTLENS_FK_SERVICE_PORT (1u << 6)
#define PKTLENS_FK_ALL                                                         \
	(PKTLENS_FK_VLAN | PKTLENS_FK_PROTO | PKTLENS_FK_SRC | PKTLENS_FK_DST |   \
	 PKTLENS_FK_SPORT | PKTLENS_FK_DPORT)

struct pktlens_flow_key {
	__u32 ifindex;
	__u16 vlan;
	__u16 vlan_inner;
	__u16 sport;
	__u16 dport;
	__u8 dir;
	__u8 proto;  /* IP protocol number / last IPv6 next header */
	__u8 family; /* 4 or 6 */
	__u8 _pad;
	__u8 src[16];
	__u8 dst[16];
};

struct pktlens_flow_val {
	__u64 packets;
	__u64 bytes;
	/* bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC at jiffy resolution */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 tcp_flags; /* OR of the raw flag bytes seen */
	/* The IPv4 TOS / IPv6 traffic class byte of the packet that created
	 * the flow on this CPU (was padding: maps pinned before it read 0). */
	__u8 tos;
	__u8 _pad[2];
	/* The pktlens_flow_log epoch in which this CPU last logged the flow
	 * (was padding: maps pinned before it read 0, "never logged"). */
	__u32 log_epoch;
	/* The networks of the flow's addresses as this CPU last looked them
	 * up (lib/networks.h), so that a warm packet skips the LPM lookups;
	 * valid while net_gen is the running programs' cfg_net_gen (a new
	 * value at every program load, never 0). Network ids, or
	 * PKTLENS_MAX_NETWORKS for none; net_src | PKTLENS_NET_SRC_DROP when
	 * the source's network has action drop. */
	__u32 net_gen;
	__u16 net_src;
	__u16 net_dst;
};

#define PKTLENS_NET_SRC_DROP 0x8000

#define PKTLENS_DEFAULT_MAX_FLOWS 262144

/*
 * pktlens_flow_ended (ARRAY, written by user space only): index
 * slot * PKTLENS_DIR_MAX + dir; the final counters of the flows the
 * collector removed from pktlens_flows: expired (idle for
 * flows.idle_timeout) and evicted (least recently seen, removed to keep
 * room in a nearly full table).
 */
struct pktlens_flow_ended {
	__u64 expired_packets;
	__u64 expired_bytes;
	__u64 evicted_packets;
	__u64 evicted_bytes;
};

/*
 * The flow touch log: each CPU appends the key of a flow the first time it
 * touches it in an epoch, so user space reads only the flows that changed
 * instead of walking the whole table (daemon/collector/flow_log.*).
 *
 * pktlens_flow_log (ARRAY, mmapable): one ring of 2^cfg_flow_log_shift keys
 * per possible CPU; CPU c's entry n is at c << shift | (n & (2^shift - 1)).
 * pktlens_flow_log_ctl (ARRAY of __u64, mmapable): entry
 * PKTLENS_FLOW_LOG_EPOCH is the epoch, written by user space only; entry
 * PKTLENS_FLOW_LOG_HEAD(c) counts the entries CPU c ever appended (written
 * by that CPU only, after the key; a cache line apart from the others).
 */
#define PKTLENS_FLOW_LOG_EPOCH 0
#define PKTLENS_FLOW_LOG_HEAD_STRIDE 8
#define PKTLENS_FLOW_LOG_HEAD(cpu) (((cpu) + 1) * PKTLENS_FLOW_LOG_HEAD_STRIDE)

/*
 * The flow cache: each CPU's own small table of the flows it saw lately, in
 * front of pktlens_flows, so that a warm packet does not pay the kernel's
 * hash lookup of the 48-byte key (bpf/lib/flow_cache.h). The cache holds
 * no flow: it holds what a flow gained on this CPU since the last flush,
 * and the flush (the program flow_cache_flush, run on each CPU by
 * BPF_PROG_TEST_RUN) adds that into pktlens_flows. User space never reads
 * the cache: it flushes, then reads pktlens_flows.
 *
 * pktlens_flow_cache (ARRAY, mmapable so that its values are page aligned):
 * 2^cfg_flow_cache_shift slots per possible CPU; CPU c's slot i is at
 * c << shift | i. A key may sit in either slot of its set: i = the low bits
 * of its pktlens_flow_slot_hash() with bit 0 clear, or that | 1; the two
 * slots of a set share one cache line. A slot is free for another flow
 * while its packets are 0 (nothing to flush). Times are in the cache's
 * clock (pktlens_flow_cache_ctl.open_until), low 24 bits.
 *
 * A slot is 32 bytes, so a flow that was not seen for a while costs one
 * cache miss, not two: an IPv4 key is packed into its first three words.
 * Any other key (IPv6, a masked family) is in pktlens_flow_cache_cold, and
 * the slot holds its 64-bit pktlens_flow_slot_hash() instead of addresses.
 * Keys whose ifindex needs more than 24 bits, or a VLAN id more than 12,
 * are not cached (they count in pktlens_flows).
 */
struct pktlens_flow_cache_slot {
	/* IPv4: the source address's 4 bytes, then the destination's, as in
	 * the key; else the key's hash. */
	__u64 addrs;
	/* sport | dport << 16 | proto << 32 | ifindex << 40; 0: empty (no
	 * interface has index 0). */
	__u64 ports;
	/* vlan | vlan_inner << 12 | dir << 24 | not IPv4 << 25 (the key
	 * bits, PKTLENS_FLOW_SLOT_KEY), then since the flush: the OR of the
	 * TCP flags << 32, the last packet's time << 40. */
	__u64 meta;
	/* Since the flush: packets in the low PKTLENS_FLOW_SLOT_PKT_BITS,
	 * bytes above. A flow that would overflow either counts in
	 * pktlens_flows until the next flush. */
	__u64 counts;
};
#define PKTLENS_FLOW_SLOT_KEY ((1ULL << 26) - 1)
#define PKTLENS_FLOW_SLOT_NOT_V4 (1ULL << 25)
#define PKTLENS_FLOW_SLOT_FLAGS_SHIFT 32
#define PKTLENS_FLOW_SLOT_TIME_SHIFT 40
#define PKTLENS_FLOW_SLOT_TIME_MASK 0xffffffULL
#define PKTLENS_FLOW_SLOT_PKT_BITS 27
#define PKTLENS_FLOW_SLOT_PKT_MASK ((1ULL << PKTLENS_FLOW_SLOT_PKT_BITS) - 1)

/* The networks of a flow's addresses as this CPU last looked them up
 * (lib/networks.h), so that a warm packet skips the LPM lookups: valid
 * while net_gen is the running programs' cfg_net_gen (a new value at
 * every program load, never 0). Network ids, or PKTLENS_MAX_NETWORKS for
 * none; net_src | PKTLENS_NET_SRC_DROP when the source's network has
 * action drop. The last 8 bytes of pktlens_flow_val. */
struct pktlens_net_cache {
	__u32 net_gen;
	__u16 net_src;
	__u16 net_dst;
};

/* pktlens_flow_cache_cold (ARRAY, indexed like pktlens_flow_cache): what a
 * packet in a slot need not touch. */
struct pktlens_flow_cache_cold {
	/* The key of a slot that is not IPv4 (_pad 0). */
	struct pktlens_flow_key key;
	__u32 first_seen; /* the first packet since the flush, cache clock */
	__u8 tos;	  /* as the flow's entry in pktlens_flows */
	__u8 _pad[3];
	struct pktlens_net_cache net;
};

/*
 * pktlens_flow_cache_dirty (ARRAY of __u32, the same size): CPU c's list of
 * the slots that have something to flush, at c << shift | n, n below the
 * CPU's dirty count. pktlens_flow_cache_ctl (ARRAY, one entry per possible
 * CPU): written by that CPU only.
 */
struct pktlens_flow_cache_ctl {
	/* The cache is used while the cache's clock (jiffies, or
	 * bpf_ktime_get_coarse_ns() when the tick length is unknown) is below
	 * this: each flush sets it cfg_flow_cache_open_ns ahead, a closing
	 * flush sets 0. A CPU user space does not flush is not cached on. */
	__u64 open_until;
	__u32 busy;   /* a flush is running on this CPU */
	__u32 active; /* a packet is using a slot on this CPU */
	__u32 dirty;  /* entries in this CPU's dirty list */
	__u32 _pad;
	/* Flows the flush found gone from pktlens_flows (user space deleted
	 * them while this CPU held packets of theirs) and inserted again; user
	 * space then reads the whole table once. */
	__u64 reinserted;
	/* Slot flushes that found pktlens_flows full; they stay dirty and are
	 * retried at the next flush. */
	__u64 insert_failed;
	/* The CPU's flow admission budget was spent (lib/flow.h): until then
	 * (cache clock) a packet checks the presence filter before the cache,
	 * so that a flood of new flows pays no cache probe. */
	__u64 flood_until;
	__u64 _pad2[2]; /* 64 bytes: a cache line per CPU */
};

/* flow_cache_flush's return: the dirty slots left on this CPU, or this
 * when a packet held a slot (preempted on a real-time kernel): retry. */
#define PKTLENS_FLOW_CACHE_BUSY (-1)
/* The first byte of the frame given to flow_cache_flush: 1 closes the
 * cache on that CPU after the flush (a stop, a hand-over). */
#define PKTLENS_FLOW_CACHE_FLUSH_CLOSE 1
/* Slots one flow_cache_flush run moves at most (the verifier walks the
 * loop once per iteration); the caller runs it again until none is left. */
#define PKTLENS_FLOW_CACHE_FLUSH_BATCH 128

/* pktlens_flow_budget (PERCPU_ARRAY, 1 entry): insert admission window. */
struct pktlens_flow_budget {
	__u64 window_start_ns;
	__u64 inserted;
};

/*
 * Latency histograms (TCP handshake, passive RTT, kernel srtt): log2-spaced
 * buckets. Bucket i (0 <= i < PKTLENS_LAT_FINITE) counts samples of at most
 * 2^(PKTLENS_LAT_MIN_SHIFT + i) ns: 2^13 ns = 8.192 us up to 2^33 ns = 8.59 s;
 * the last bucket counts everything above (+Inf). Buckets are not
 * cumulative here; user space sums them into Prometheus' le buckets.
 */
#define PKTLENS_LAT_MIN_SHIFT 13
#define PKTLENS_LAT_FINITE 21
#define PKTLENS_LAT_BUCKETS (PKTLENS_LAT_FINITE + 1)

struct pktlens_lat_hist {
	__u64 buckets[PKTLENS_LAT_BUCKETS];
	__u64 count;
	__u64 sum_ns; /* exact sum of the samples */
};

/*
 * TCP latency (lib/tcp_latency.h), TC only. A connection is keyed from our
 * side, so that both directions of it find the same key: on egress local is
 * the source, on ingress the destination. Addresses in network byte order
 * (IPv4 in the first 4 bytes, rest zero), ports in host byte order.
 */
/* client: our SYN out -> the matching SYN-ACK in;
 * server: our SYN-ACK out -> the matching final ACK in. */
enum pktlens_hs_role {
	PKTLENS_HS_CLIENT = 0,
	PKTLENS_HS_SERVER = 1,
	PKTLENS_HS_ROLES = 2,
};

struct pktlens_conn_key {
	__u32 ifindex;
	__u16 lport;
	__u16 rport;
	__u8 family; /* 4 or 6 */
	__u8 _pad[7];
	__u8 laddr[16];
	__u8 raddr[16];
};

/* pktlens_handshakes (LRU_HASH, shared by all CPUs): one pending handshake
 * per connection, from our SYN (client) or SYN-ACK (server). */
struct pktlens_hs_pending {
	__u64 first_ns; /* bpf_ktime_get_ns() of the first transmission */
	__u32 seq;	/* its sequence number: the answer acks seq + 1 */
	__u32 slot;	/* interface slot, for the sweep's timeout counts */
	__u8 role;	/* enum pktlens_hs_role */
	__u8 _pad[7];
};

/* Handshakes pending longer than this are not sampled: user space deletes
 * them and counts them in pktlens_hs_timeouts (default, see
 * ObjectOptions::handshake_timeout_ns). */
#define PKTLENS_DEFAULT_HS_TIMEOUT_NS 10000000000ULL /* 10 s */
#define PKTLENS_DEFAULT_MAX_HANDSHAKES 16384

/* pktlens_rtt_pending (LRU_HASH, shared): a TSval we sent, and when. */
struct pktlens_rtt_key {
	struct pktlens_conn_key conn;
	__u32 tsval;
	__u32 _pad;
};

#define PKTLENS_DEFAULT_MAX_RTT_PENDING 65536
/* pktlens_rtt_last / pktlens_hs_hint (ARRAY): direct-mapped by connection
 * hash; entries of each (power of two). */
#define PKTLENS_RTT_LAST_SLOTS 8192
#define PKTLENS_HS_HINT_SLOTS 4096

/* pktlens_tcp_lat (PERCPU_ARRAY): index interface slot. */
struct pktlens_tcp_lat {
	struct pktlens_lat_hist handshake[PKTLENS_HS_ROLES];
	struct pktlens_lat_hist rtt;
	__u64 syn_retransmits;	     /* our SYNs sent again, same ISN */
	__u64 rtt_unsampled_packets; /* TCP segments without timestamps */
};

/* pktlens_hs_timeouts (ARRAY, written by user space only): index
 * slot * PKTLENS_HS_ROLES + role; handshakes that expired pending. */

/*
 * Networks (lib/networks.h): configured prefixes, longest prefix wins.
 * pktlens_net4 / pktlens_net6 (LPM_TRIE, written by user space at start):
 * {prefixlen, address in network byte order} -> struct pktlens_net_match.
 * Network ids are 0 .. PKTLENS_MAX_NETWORKS - 1; user space keeps an id
 * for a name across restarts (pktlens_net_names), so pinned counters stay
 * with their network.
 */
#define PKTLENS_MAX_NETWORKS 256
#define PKTLENS_MAX_NET_PREFIXES 65536 /* per address family */
#define PKTLENS_NET_NAME_LEN 64	       /* with the terminating NUL */

enum pktlens_net_side {
	PKTLENS_SIDE_SRC = 0, /* the packet's source address matched */
	PKTLENS_SIDE_DST = 1, /* its destination address matched */
	PKTLENS_SIDE_MAX = 2,
};

#define PKTLENS_NET_DROP 1 /* pktlens_net_match.flags: action drop */

/* Bits of cfg_net (lib/config.h), set by the loader. */
#define PKTLENS_NET_CFG_V4 1   /* IPv4 prefixes configured: look IPv4 up */
#define PKTLENS_NET_CFG_V6 2   /* IPv6 prefixes configured */
#define PKTLENS_NET_CFG_DROP 4 /* some network has action drop */

struct pktlens_lpm4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct pktlens_lpm6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct pktlens_net_match {
	__u32 id;
	__u32 flags; /* PKTLENS_NET_DROP */
};

/* pktlens_net_counts (PERCPU_ARRAY): index
 * (id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side.
 * pktlens_net_blocked (PERCPU_ARRAY): index id, packets dropped. */
struct pktlens_net_count {
	__u64 packets;
	__u64 bytes;
};

/* pktlens_net_names (ARRAY, user space only): id -> the network's name,
 * "" for an id no network has held. */
struct pktlens_net_name {
	char name[PKTLENS_NET_NAME_LEN];
};

/*
 * Threat signals (lib/threats.h), ingress only, at TC and XDP.
 * pktlens_syn (LRU_PERCPU_HASH): per local destination address and port,
 * SYNs received (SYN without ACK) and server handshakes completed there
 * (our SYN-ACK acked by the peer, lib/tcp_latency.h; TC with
 * cfg_handshake only). No per-source state: a spoofed-source flood against
 * one service touches one entry.
 */
struct pktlens_syn_key {
	__u8 family; /* 4 or 6 */
	__u8 _pad;
	__u16 dport;  /* host byte order */
	__u8 dst[16]; /* network byte order; IPv4 in the first 4 bytes */
};

struct pktlens_syn_val {
	__u64 syns;
	__u64 handshakes;
};

#define PKTLENS_DEFAULT_MAX_SYN_DESTS 16384

/* pktlens_icmp_echo (LRU_PERCPU_HASH): ICMP echo requests (ICMPv6 type
 * 128 for IPv6) received, per destination address; value: packets. */
struct pktlens_addr_key {
	__u8 family; /* 4 or 6 */
	__u8 _pad[3];
	__u8 addr[16]; /* network byte order; IPv4 in the first 4 bytes */
};

#define PKTLENS_DEFAULT_MAX_ICMP_DESTS 4096

/* pktlens_udp_ports (PERCPU_ARRAY, index destination port): UDP datagrams
 * received whose header holds the ports. */
#define PKTLENS_UDP_PORTS 65536
/* pktlens_udp_ports_seen (ARRAY of __u64, mmapable): bit p of word p / 64
 * is set once some CPU counted port p (by the programs at a CPU's first
 * datagram to the port, by user space for counts it finds without a bit),
 * and never cleared: user space reads only the ports whose bit is set
 * instead of 65536 values of every CPU. */
#define PKTLENS_UDP_PORT_WORDS (PKTLENS_UDP_PORTS / 64)

/*
 * pktlens_scan (LRU_PERCPU_HASH, key pktlens_addr_key = source): the
 * destination ports a source sent SYNs to since start_ns, as a 1024-bit
 * linear-counting bitmap (bit = hash of the port, pktlens_scan_bit()).
 * After cfg_scan_window_ns the CPU's bitmap starts again. User space ORs
 * the CPUs' bitmaps of the current window and estimates the distinct
 * count from the bits left zero (docs/metrics.md, "Port scan").
 */
#define PKTLENS_SCAN_BITS 1024
#define PKTLENS_SCAN_WORDS (PKTLENS_SCAN_BITS / 64)
/* The bit of a port: murmur3's finalizer, whose output bits behave as
 * random even for consecutive ports (which a scan probes), as linear
 * counting assumes; the top 10 bits. */
static inline __u32 pktlens_scan_bit(__u32 port)
{
	__u32 h = port;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h >> 22;
}

struct pktlens_scan_val {
	/* bpf_ktime_get_coarse_ns() of the window's first SYN */
	__u64 start_ns;
	__u64 bits[PKTLENS_SCAN_WORDS];
};

#define PKTLENS_DEFAULT_MAX_SCAN_SOURCES 4096
#define PKTLENS_DEFAULT_SCAN_WINDOW_NS 60000000000ULL /* 60 s */

#endif /* PKTLENS_ABI_H */
