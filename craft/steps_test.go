package craft_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/craft"
)

func TestChecksumStepsGolden(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want craft.Steps
	}{
		{
			// An ICMP echo header with its checksum field zeroed.
			name: "rfc1071 even",
			in:   []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01},
			want: craft.Steps{
				Len: 8,
				Words: []craft.Word{
					{Offset: 0, Value: 0x0800, Running: 0x0800},
					{Offset: 2, Value: 0x0000, Running: 0x0800},
					{Offset: 4, Value: 0x1234, Running: 0x1a34},
					{Offset: 6, Value: 0x0001, Running: 0x1a35},
				},
				Sum:    0x1a35,
				Result: 0xe5ca,
			},
		},
		{
			// The same with a ninth byte: padded with a zero byte.
			name: "rfc1071 odd",
			in:   []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 0x23},
			want: craft.Steps{
				Len:    9,
				Padded: true,
				Words: []craft.Word{
					{Offset: 0, Value: 0x0800, Running: 0x0800},
					{Offset: 2, Value: 0x0000, Running: 0x0800},
					{Offset: 4, Value: 0x1234, Running: 0x1a34},
					{Offset: 6, Value: 0x0001, Running: 0x1a35},
					{Offset: 8, Value: 0x2300, Running: 0x3d35}, // 0x23, pad 0x00
				},
				Sum:    0x3d35,
				Result: 0xc2ca,
			},
		},
		{
			// The captured header: one fold, sum 0xffff, valid.
			name: "captured ipv4 header",
			in:   capturedIPv4Header,
			want: craft.Steps{
				Len: 20,
				Words: []craft.Word{
					{Offset: 0, Value: 0x4500, Running: 0x4500},   // version, IHL, TOS
					{Offset: 2, Value: 0x0073, Running: 0x4573},   // total length
					{Offset: 4, Value: 0x0000, Running: 0x4573},   // identification
					{Offset: 6, Value: 0x4000, Running: 0x8573},   // DF
					{Offset: 8, Value: 0x4011, Running: 0xc584},   // TTL 64, UDP
					{Offset: 10, Value: 0xb861, Running: 0x17de5}, // checksum
					{Offset: 12, Value: 0xc0a8, Running: 0x23e8d}, // 192.168.
					{Offset: 14, Value: 0x0001, Running: 0x23e8e}, // 0.1
					{Offset: 16, Value: 0xc0a8, Running: 0x2ff36}, // 192.168.
					{Offset: 18, Value: 0x00c7, Running: 0x2fffd}, // 0.199
				},
				Folds:  []craft.Fold{{Before: 0x2fffd, Carry: 0x2, After: 0xffff}},
				Sum:    0xffff,
				Result: 0x0000,
			},
		},
		{
			// A fold that carries again: 0x2fffe -> 0x10000 -> 0x1.
			name: "two folds",
			in:   []byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x00, 0x01, 0xff, 0xfe},
			want: craft.Steps{
				Len: 10,
				Words: []craft.Word{
					{Offset: 0, Value: 0xffff, Running: 0xffff},
					{Offset: 2, Value: 0xffff, Running: 0x1fffe},
					{Offset: 4, Value: 0x0001, Running: 0x1ffff},
					{Offset: 6, Value: 0x0001, Running: 0x20000},
					{Offset: 8, Value: 0xfffe, Running: 0x2fffe},
				},
				Folds: []craft.Fold{
					{Before: 0x2fffe, Carry: 0x2, After: 0x10000},
					{Before: 0x10000, Carry: 0x1, After: 0x1},
				},
				Sum:    0x0001,
				Result: 0xfffe,
			},
		},
		{
			name: "empty",
			in:   nil,
			want: craft.Steps{Words: []craft.Word{}, Sum: 0, Result: 0xffff},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := craft.ChecksumSteps(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ChecksumSteps(% x) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if c := craft.Checksum(tt.in); got.Result != c {
				t.Errorf("ChecksumSteps(% x).Result = %#04x, Checksum = %#04x", tt.in, got.Result, c)
			}
		})
	}
}

// TestChecksumStepsRandom checks ChecksumSteps against Checksum, and the
// steps against each other, on random data of every length up to 1501.
func TestChecksumStepsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1071, 791))
	for n := 0; n <= 1501; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if n%7 == 0 { // plenty of carries
			for i := range b {
				b[i] |= 0xf0
			}
		}
		s := craft.ChecksumSteps(b)
		if want := craft.Checksum(b); s.Result != want || s.Result != ^s.Sum {
			t.Fatalf("ChecksumSteps(%d bytes) = result %#04x, sum %#04x; Checksum = %#04x", n, s.Result, s.Sum, want)
		}
		if s.Len != n || s.Padded != (n%2 == 1) || len(s.Words) != (n+1)/2 {
			t.Fatalf("ChecksumSteps(%d bytes): len %d, padded %v, %d words", n, s.Len, s.Padded, len(s.Words))
		}
		var acc uint64
		for i, w := range s.Words {
			acc += uint64(w.Value)
			if w.Offset != 2*i || w.Running != acc {
				t.Fatalf("ChecksumSteps(%d bytes) word %d = %+v, want offset %d running %#x", n, i, w, 2*i, acc)
			}
		}
		for _, f := range s.Folds {
			if f.Before != acc || f.Carry != acc>>16 || f.After != acc&0xffff+acc>>16 {
				t.Fatalf("ChecksumSteps(%d bytes) fold %+v after %#x", n, f, acc)
			}
			acc = f.After
		}
		if acc != uint64(s.Sum) {
			t.Fatalf("ChecksumSteps(%d bytes) folds end at %#x, sum %#04x", n, acc, s.Sum)
		}
	}
}

func TestFieldChecksum(t *testing.T) {
	altered := append([]byte(nil), capturedIPv4Header...)
	altered[8] = 0x3f // TTL 64 -> 63, as one router hop would leave it without fixing the checksum
	tests := []struct {
		name      string
		in        []byte
		off       int
		valid     bool
		wantField uint16
	}{
		{name: "captured header valid", in: capturedIPv4Header, off: 10, valid: true, wantField: 0xb861},
		{name: "captured header, TTL altered", in: altered, off: 10, valid: false, wantField: 0xb961},
		{name: "icmp echo filled", in: []byte{0x08, 0x00, 0xe5, 0xca, 0x12, 0x34, 0x00, 0x01}, off: 2, valid: true, wantField: 0xe5ca},
		{name: "icmp echo zero field", in: []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01}, off: 2, valid: false, wantField: 0xe5ca},
		{name: "icmp echo odd filled", in: []byte{0x08, 0x00, 0xc2, 0xca, 0x12, 0x34, 0x00, 0x01, 0x23}, off: 2, valid: true, wantField: 0xc2ca},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craft.ChecksumSteps(tt.in).Valid(); got != tt.valid {
				t.Errorf("ChecksumSteps(% x).Valid() = %v, want %v", tt.in, got, tt.valid)
			}
			got, err := craft.FieldChecksum(tt.in, tt.off)
			if err != nil || got != tt.wantField {
				t.Errorf("FieldChecksum(% x, %d) = %#04x, %v; want %#04x, nil", tt.in, tt.off, got, err, tt.wantField)
			}
			// Writing the expected value in makes the data valid.
			fixed := append([]byte(nil), tt.in...)
			fixed[tt.off], fixed[tt.off+1] = byte(got>>8), byte(got)
			if c := craft.Checksum(fixed); c != 0 {
				t.Errorf("Checksum(% x with field %#04x) = %#04x, want 0", tt.in, got, c)
			}
		})
	}
}

func TestFieldChecksumErrors(t *testing.T) {
	for _, off := range []int{-2, -1, 1, 9, 19, 20, 100} {
		if got, err := craft.FieldChecksum(capturedIPv4Header, off); err == nil {
			t.Errorf("FieldChecksum(20 bytes, %d) = %#04x, nil; want error", off, got)
		}
	}
}

func ExampleChecksumSteps() {
	s := craft.ChecksumSteps([]byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 0x23})
	for _, w := range s.Words {
		fmt.Printf("+ %04x = %08x\n", w.Value, w.Running)
	}
	for _, f := range s.Folds {
		fmt.Printf("fold %08x -> %08x\n", f.Before, f.After)
	}
	fmt.Printf("sum %04x, checksum %04x, padded %v\n", s.Sum, s.Result, s.Padded)
	// Output:
	// + 0800 = 00000800
	// + 0000 = 00000800
	// + 1234 = 00001a34
	// + 0001 = 00001a35
	// + 2300 = 00003d35
	// sum 3d35, checksum c2ca, padded true
}
