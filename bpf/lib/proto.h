/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Wire constants, as names; the parser reads header bytes itself rather
 * than through vmlinux.h's bitfield structs.
 */
#ifndef PKTLENS_LIB_PROTO_H
#define PKTLENS_LIB_PROTO_H

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_ARP_ 0x0806
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define ETH_P_QINQ1_ 0x9100 /* pre-802.1ad QinQ, still seen on old gear */

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140

#define IP_MF_ 0x2000
#define IP_OFFMASK_ 0x1fff

#define TC_ACT_UNSPEC_ (-1)
#define TC_ACT_SHOT_ 2

#endif
