//go:build linux

package delaylink

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	slotBytes = 2048 // more than a TUN's default MTU of 1500
	ringSlots = 256  // packets in flight per direction

	// spinNs is how long before a packet is due its thread stops sleeping
	// and polls without blocking: waking from a sleep takes 50-100 µs on
	// a virtual machine, even at real-time priority.
	spinNs = 200_000
	// wakeMaxNs bounds the wake-up latency assumed when a packet is
	// stamped with the time of the write that caused it.
	wakeMaxNs = 250_000
	// burstGapNs: a packet that arrives within this of the one before it
	// takes that one's jitter (delayAt).
	burstGapNs = 1_000_000
)

type slot struct {
	due int64 // CLOCK_MONOTONIC nanoseconds
	n   int
	buf [slotBytes]byte
}

// pipe is one direction of a link: packets read from in are written to
// out once due, by one thread that both reads and releases.
type pipe struct {
	name          string
	in, out, stop int
	delay, jitter int64
	loss          float64
	rng           *rand.Rand
	ring          []slot
	head, n       int
	scratch       [slotBytes]byte
	pfd           [2]unix.PollFd
	ts            unix.Timespec
	lastWrite     *atomic.Int64 // when a pipe of the relay last began a write
	lastArrival   int64         // when the last packet arrived (delayAt)
	jit           int64         // its jitter

	// Counts, read once the pipe has stopped.
	passed, lost, overflow uint64
	lateSum, lateMax       int64 // release lateness, ns
}

// Relay serves a set of links: it owns their TUN devices, which vanish
// when it is closed.
type Relay struct {
	fds   []int
	stop  int // an eventfd: readable once the relay stops
	pipes []*pipe
	logf  func(format string, args ...any)
	once  sync.Once

	lastWrite atomic.Int64 // CLOCK_MONOTONIC ns
}

// Open creates the TUN devices of every link, each inside its namespace,
// and returns a Relay ready to Run. Link i's loss and jitter draw from a
// generator seeded with (seed, 2i) one way and (seed, 2i+1) the other.
func Open(links []Link, seed uint64, logf func(format string, args ...any)) (*Relay, error) {
	stop, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("delaylink: eventfd: %w", err)
	}
	r := &Relay{logf: logf, stop: stop}
	for i, l := range links {
		a, err := openTun(l.A)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.fds = append(r.fds, a)
		b, err := openTun(l.B)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.fds = append(r.fds, b)
		r.pipes = append(r.pipes,
			newPipe(l.A.Dev+">"+l.B.Dev, a, b, stop, l, rand.NewPCG(seed, uint64(2*i))),
			newPipe(l.B.Dev+">"+l.A.Dev, b, a, stop, l, rand.NewPCG(seed, uint64(2*i+1))))
		r.pipes[len(r.pipes)-1].lastWrite = &r.lastWrite
		r.pipes[len(r.pipes)-2].lastWrite = &r.lastWrite
	}
	return r, nil
}

func newPipe(name string, in, out, stop int, l Link, src rand.Source) *pipe {
	p := &pipe{
		name: name, in: in, out: out, stop: stop,
		delay: int64(l.Delay), jitter: int64(l.Jitter), loss: l.LossPct,
		rng:  rand.New(src),
		ring: make([]slot, ringSlots),
	}
	p.pfd[0] = unix.PollFd{Fd: int32(in), Events: unix.POLLIN}
	p.pfd[1] = unix.PollFd{Fd: int32(stop), Events: unix.POLLIN}
	return p
}

// Run relays packets until ctx ends or a device fails, then closes the
// devices and logs each direction's counts.
func (r *Relay) Run(ctx context.Context) error {
	// Each pipe's thread needs a P of its own to run on as soon as its
	// ppoll returns, rather than wait for one behind the others.
	if n := len(r.pipes) + 2; runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(r.pipes))
	for _, p := range r.pipes {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- p.run() }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	var one [8]byte
	one[0] = 1 // native-endian 1 on little-endian machines; any non-zero will do
	_, _ = unix.Write(r.stop, one[:])
	wg.Wait()
	for _, p := range r.pipes {
		n := max(p.passed, 1)
		r.logf("delaylink: %s: %d passed, %d lost, %d dropped on a full ring; released %d µs late on average, %d µs at most",
			p.name, p.passed, p.lost, p.overflow, p.lateSum/int64(n)/1000, p.lateMax/1000)
	}
	r.Close()
	return err
}

// Close closes every device, which removes it. Call it after Run has
// returned, or instead of Run.
func (r *Relay) Close() {
	r.once.Do(func() {
		for _, fd := range r.fds {
			_ = unix.Close(fd)
		}
		_ = unix.Close(r.stop)
	})
}

func now() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// run is the pipe's loop, on a thread of its own: wait in ppoll for a
// packet or for the head packet's release time, whichever comes first.
func (p *pipe) run() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	realtime()
	for {
		var timeout *unix.Timespec
		if p.n > 0 {
			wait := p.release(now())
			if wait == 0 {
				continue
			}
			p.ts = unix.NsecToTimespec(max(wait-spinNs, 0))
			timeout = &p.ts
		}
		p.pfd[0].Revents, p.pfd[1].Revents = 0, 0
		start := now()
		ready, err := unix.Ppoll(p.pfd[:], timeout, nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("delaylink: poll %s: %w", p.name, err)
		}
		// A packet that a write of this relay put on the way (through
		// a router, or answered at once) arrived during that write:
		// when the write began, not when this thread woke, which on a
		// virtual machine can be 50-100 µs later.
		arrived := now()
		if w := p.lastWrite.Load(); ready > 0 && w > start && arrived-w < wakeMaxNs {
			arrived = w
		}
		if p.pfd[1].Revents != 0 {
			return nil
		}
		if ev := p.pfd[0].Revents; ev&(unix.POLLERR|unix.POLLHUP|unix.POLLNVAL) != 0 {
			return fmt.Errorf("delaylink: %s: device gone (poll events %#x)", p.name, ev)
		}
		if p.pfd[0].Revents&unix.POLLIN != 0 {
			if err := p.drain(arrived); err != nil {
				return err
			}
		}
	}
}

// release writes the head packet if it is due at t (CLOCK_MONOTONIC ns)
// and returns 0, or returns how long until it is due.
func (p *pipe) release(t int64) int64 {
	s := &p.ring[p.head]
	if wait := s.due - t; wait > 0 {
		return wait
	}
	late := t - s.due
	p.lastWrite.Store(t)
	if _, err := unix.Write(p.out, s.buf[:s.n]); err == nil {
		p.passed++
		p.lateSum += late
		p.lateMax = max(p.lateMax, late)
	}
	p.head = (p.head + 1) % len(p.ring)
	p.n--
	return 0
}

// drain reads every packet waiting, stamps each with its release time and
// queues it (or drops it when lost or when the ring is full). The first
// packet read is taken to have arrived at first, the others when read.
func (p *pipe) drain(first int64) error {
	for {
		full := p.n == len(p.ring)
		buf := p.scratch[:]
		var s *slot
		if !full {
			s = &p.ring[(p.head+p.n)%len(p.ring)]
			buf = s.buf[:]
		}
		n, err := unix.Read(p.in, buf)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) {
				return nil
			}
			if err == unix.EINTR {
				continue
			}
			return fmt.Errorf("delaylink: read %s: %w", p.name, err)
		}
		t := first
		if t == 0 {
			t = now()
		}
		first = 0
		switch {
		case full:
			p.overflow++
			continue
		case p.loss > 0 && p.rng.Float64()*100 < p.loss:
			p.lost++
			continue
		}
		s.due, s.n = t+p.delayAt(t), n
		p.n++
	}
}

// delayAt is the delay of a packet arriving at t: the link's delay, with
// a jitter drawn afresh unless the packet comes within burstGapNs of the
// one before it, which it then follows through the same queue. Jitter on
// a real link is queueing, and back-to-back packets (a traceroute's
// burst) meet the queue alike; drawn for each packet on its own, and
// never reordered, a burst would leave only with its largest draw, a
// delay no real queue adds (on 8 routers at 2±1 ms per link, the
// destination's replies to a 27-probe burst came 8 ms later than a lone
// ping's: 44-45 against 36.2 ms).
func (p *pipe) delayAt(t int64) int64 {
	if p.jitter == 0 {
		return p.delay
	}
	if p.lastArrival == 0 || t-p.lastArrival > burstGapNs {
		p.jit = p.rng.Int64N(2*p.jitter+1) - p.jitter
	}
	p.lastArrival = t
	return max(p.delay+p.jit, 0)
}

// openTun creates the layer-3 TUN device e.Dev inside namespace e.Netns
// and returns its descriptor, non-blocking.
func openTun(e End) (int, error) {
	path := e.Netns
	if !filepath.IsAbs(path) {
		path = filepath.Join("/run/netns", path)
	}
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("delaylink: open own netns: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("delaylink: open netns %s: %w", path, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return -1, fmt.Errorf("delaylink: enter netns %s: %w", path, err)
	}
	fd, tunErr := createTun(e.Dev)
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// This thread stays in the wrong namespace: leave it locked so
		// that the runtime ends it rather than reuse it.
		if tunErr == nil {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("delaylink: leave netns %s: %w", path, err)
	}
	runtime.UnlockOSThread()
	if tunErr != nil {
		return -1, fmt.Errorf("delaylink: %s in %s: %w", e.Dev, e.Netns, tunErr)
	}
	return fd, nil
}

func createTun(name string) (int, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("device name %q: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("TUNSETIFF: %w", err)
	}
	return fd, nil
}

// realtime gives the calling thread real-time priority, when allowed, and
// the finest timer slack.
func realtime() {
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	attr := unix.SchedAttr{Size: uint32(unsafe.Sizeof(unix.SchedAttr{})), Policy: unix.SCHED_FIFO, Priority: 10}
	_ = unix.SchedSetAttr(0, &attr, 0) // best effort: may be refused
}
