//go:build !linux && !darwin && !dragonfly && !netbsd

package capture

// wireOrder is the packet as a raw socket takes it: the bytes on the wire
// (FreeBSD 11 and later, OpenBSD, and others: network byte order).
func wireOrder(pkt []byte) []byte { return pkt }
