package craft

// Checksum returns the Internet checksum of b as defined by RFC 1071: the
// one's complement of the one's complement sum of b read as 16-bit
// big-endian words, an odd final byte being padded with a zero byte.
//
// Over data that already holds a correct checksum field, such as a received
// IPv4 header or ICMP message (RFC 791, RFC 792), Checksum returns 0.
// It is hand written, does not allocate and does not modify b.
func Checksum(b []byte) uint16 {
	return ^fold(sum(0, b))
}

// sum adds b to acc as 16-bit big-endian words (RFC 1071 section 4.1),
// padding an odd final byte with zero. Carries are kept in the upper bits
// and folded later; a uint64 cannot overflow for any slice Go can hold in
// practice. Split a buffer only at even offsets so words stay aligned.
func sum(acc uint64, b []byte) uint64 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		acc += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if len(b)&1 == 1 {
		acc += uint64(b[n]) << 8
	}
	return acc
}

// fold reduces acc to 16 bits with end-around carry (RFC 1071 section 2(C)).
func fold(acc uint64) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}
