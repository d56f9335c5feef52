//go:build linux

package delaylink

import (
	"bytes"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testPipe is a pipe between two OS pipes (which keep one write per read
// for small writes), standing in for two TUN devices.
func testPipe(t *testing.T, l Link) (p *pipe, in, out int) {
	t.Helper()
	var a, b [2]int
	if err := unix.Pipe2(a[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.Pipe2(b[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, fd := range append(a[:], b[:]...) {
			unix.Close(fd)
		}
	})
	p = newPipe("test", a[0], b[1], -1, l, rand.NewPCG(1, 2))
	p.lastWrite = new(atomic.Int64)
	return p, a[1], b[0]
}

func TestPipeDelay(t *testing.T) {
	p, in, out := testPipe(t, Link{Delay: 3 * time.Millisecond})
	pkt := []byte("a packet, one datagram")
	if _, err := unix.Write(in, pkt); err != nil {
		t.Fatal(err)
	}
	const at = 1_000_000_000
	if err := p.drain(at); err != nil {
		t.Fatal(err)
	}
	if p.n != 1 || p.ring[p.head].due != at+3_000_000 {
		t.Fatalf("queued %d packets, head due %d, want 1 due %d", p.n, p.ring[p.head].due, at+3_000_000)
	}
	if wait := p.release(at + 1_000_000); wait != 2_000_000 {
		t.Errorf("release 1 ms after arrival: wait %d ns, want 2000000", wait)
	}
	if wait := p.release(at + 3_000_050); wait != 0 || p.n != 0 || p.lateMax != 50 {
		t.Errorf("release when due: wait %d, %d left, lateness %d ns; want 0, 0, 50", wait, p.n, p.lateMax)
	}
	buf := make([]byte, 100)
	n, err := unix.Read(out, buf)
	if err != nil || !bytes.Equal(buf[:n], pkt) {
		t.Errorf("relayed %q, %v; want %q", buf[:n], err, pkt)
	}
}

func TestPipeLossSeeded(t *testing.T) {
	lost := func() uint64 {
		p, in, _ := testPipe(t, Link{LossPct: 30})
		for range 100 {
			if _, err := unix.Write(in, []byte("x")); err != nil {
				t.Fatal(err)
			}
			if err := p.drain(1); err != nil {
				t.Fatal(err)
			}
			for p.n > 0 {
				p.release(1)
			}
		}
		return p.lost
	}
	a, b := lost(), lost()
	if a != b || a < 15 || a > 45 {
		t.Errorf("lost %d then %d of 100 at 30%%: want the same count twice, near 30", a, b)
	}
}

// TestPipeJitterBurst checks that back-to-back packets share a jitter draw
// and that packets further apart draw their own, within Delay±Jitter.
func TestPipeJitterBurst(t *testing.T) {
	p, _, _ := testPipe(t, Link{Delay: 2 * time.Millisecond, Jitter: time.Millisecond})
	const ms = 1_000_000
	seen := map[int64]bool{}
	at := int64(1_000 * ms)
	for range 20 {
		d := p.delayAt(at)
		if d < ms || d > 3*ms {
			t.Fatalf("delay %d ns, want within 2±1 ms", d)
		}
		for i := int64(1); i <= 26; i++ { // a burst, 10 µs apart
			if e := p.delayAt(at + i*10_000); e != d {
				t.Fatalf("packet %d of a burst delayed %d ns, the first %d: want the same", i, e, d)
			}
		}
		seen[d] = true
		at += 50 * ms
	}
	if len(seen) < 10 {
		t.Errorf("20 bursts 50 ms apart drew %d distinct delays, want at least 10", len(seen))
	}
}

func TestPipeNoAllocs(t *testing.T) {
	p, in, out := testPipe(t, Link{Delay: time.Millisecond, Jitter: 100 * time.Microsecond, LossPct: 1})
	pkt := make([]byte, 1400)
	buf := make([]byte, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = unix.Write(in, pkt)
		_ = p.drain(5)
		for p.n > 0 {
			p.release(10_000_000)
		}
		_, _ = unix.Read(out, buf)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per packet, want 0", allocs)
	}
}
