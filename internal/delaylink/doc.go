// Package delaylink joins pairs of network namespaces with TUN devices and
// copies every packet from one end to the other after the link's one-way
// delay, with optional uniform jitter and loss from a fixed seed. It is the
// lab's user-space stand-in for a netem qdisc (scripts/lab.sh up --delay),
// for kernels that have none.
//
// Each direction of a link is one thread (SCHED_FIFO when allowed, timer
// slack 1 ns) with a ring of preallocated slots: it waits in ppoll for a
// packet or for the head packet's release time, sleeping until 200 µs
// before that time and polling without blocking after, since a sleeping
// thread wakes 50-100 µs late on a virtual machine. A packet that one of
// the relay's own writes caused (forwarded by a router, answered by a
// host) is stamped with the start of that write, not with the later time
// its thread woke. It never allocates per packet and never reorders: a
// packet whose jitter would release it before the one ahead of it waits
// for that one; packets back to back (within 1 ms of each other) share
// one jitter draw, as they would share a real link's queue. It does no
// routing: the namespaces do.
package delaylink
