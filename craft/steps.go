package craft

import (
	"encoding/binary"
	"errors"
	"fmt"
)

var errFieldOffset = errors.New("bad checksum field offset")

// Steps is the RFC 1071 computation of an Internet checksum written out
// the way section 2 of the RFC describes it: add the data as 16-bit words
// into a wide accumulator, fold the carries back in (end-around carry),
// then take the one's complement.
type Steps struct {
	Len    int    // bytes of data
	Padded bool   // the length is odd: the last word is the last byte and a zero pad byte
	Words  []Word // one per 16-bit word, in order
	Folds  []Fold // each end-around carry folded, in order; none if Sum fits in 16 bits
	Sum    uint16 // the one's complement sum: the accumulator after folding
	Result uint16 // ^Sum: the checksum, what Checksum returns
}

// Word is one 16-bit big-endian word of the data and the accumulator after
// adding it.
type Word struct {
	Offset  int    // of the word's first byte in the data
	Value   uint16 // the word; for a padded last word, the byte followed by 0x00
	Running uint64 // the sum of the words so far, carries not yet folded
}

// Fold is one end-around carry: the bits above the low 16 of Before are
// added back into the low 16 bits.
type Fold struct {
	Before uint64 // the accumulator before this fold
	Carry  uint64 // Before >> 16
	After  uint64 // Before&0xffff + Carry
}

// Valid reports whether the data the steps were computed over holds a
// correct checksum field: its one's complement sum is 0xffff, so Result is
// 0 (RFC 1071 section 1, "to check a checksum").
func (s Steps) Valid() bool { return s.Result == 0 }

// ChecksumSteps computes the Internet checksum of b like Checksum and
// records every step. Its Result always equals Checksum(b). It allocates
// the Words and Folds slices and does not modify b.
func ChecksumSteps(b []byte) Steps {
	s := Steps{Len: len(b), Padded: len(b)&1 == 1, Words: make([]Word, 0, (len(b)+1)/2)}
	var acc uint64
	for i := 0; i < len(b); i += 2 {
		w := uint16(b[i]) << 8
		if i+1 < len(b) {
			w |= uint16(b[i+1])
		}
		acc += uint64(w)
		s.Words = append(s.Words, Word{Offset: i, Value: w, Running: acc})
	}
	for acc > 0xffff {
		f := Fold{Before: acc, Carry: acc >> 16}
		f.After = acc&0xffff + f.Carry
		s.Folds = append(s.Folds, f)
		acc = f.After
	}
	s.Sum = uint16(acc)
	s.Result = ^s.Sum
	return s
}

// FieldChecksum returns the value the 16-bit checksum field at byte off of
// b must hold for b to be valid: the checksum of b with that field taken as
// zero (RFC 1071 section 1), as the IPv4 header checksum at offset 10 (RFC
// 791) or the ICMP checksum at offset 2 (RFC 792). off must be even, so
// the words stay aligned, and the field must lie within b. It does not
// allocate and does not modify b.
func FieldChecksum(b []byte, off int) (uint16, error) {
	if off < 0 || off&1 == 1 || off+2 > len(b) {
		return 0, fmt.Errorf("craft: %w: %d in %d bytes (want an even offset, field inside the data)", errFieldOffset, off, len(b))
	}
	return ^fold(sum(sum(0, b[:off]), b[off+2:])), nil
}

// field16 reads the big-endian 16-bit field at off of b.
func field16(b []byte, off int) uint16 { return binary.BigEndian.Uint16(b[off:]) }
