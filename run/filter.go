package run

import (
	"fmt"
	"net/netip"
)

// filter is the BPF expression that lets through only this run's packets:
// its Echo Requests, the Echo Replies, and ICMP errors that quote them. In
// an ICMP error the quoted IPv4 header starts at icmp[8] (RFC 792): its
// protocol is icmp[17], and the quoted ICMP header follows the quoted IHL.
//
// IPv4 only: craft.Filter, which covers both families, replaces it.
func filter(src, dst netip.Addr, id uint16) string {
	q := "icmp[8 + ((icmp[8] & 15) << 2)"
	return fmt.Sprintf("icmp and ("+
		"(src host %s and dst host %s and icmp[0] = 8 and icmp[4:2] = %d) or "+
		"(src host %s and dst host %s and icmp[0] = 0 and icmp[4:2] = %d) or "+
		"(dst host %s and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and "+
		"icmp[17] = 1 and icmp[20:4] = %d and icmp[24:4] = %d and %s] = 8 and %s + 4:2] = %d))",
		src, dst, id, dst, src, id, src, be32(src), be32(dst), q, q, id)
}

func be32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
