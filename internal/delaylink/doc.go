// Package delaylink joins pairs of network namespaces with TUN devices and
// copies every packet from one end to the other after the link's one-way
// delay, with optional uniform jitter and loss from a fixed seed. It is the
// lab's user-space stand-in for a netem qdisc (scripts/lab.sh up --delay),
// for kernels that have none.
//
// It never allocates per packet: each direction of a link owns a ring of
// preallocated slots, filled by a reader goroutine and released by a
// writer goroutine on its own OS thread, which sleeps until the head
// packet is due with clock_nanosleep on an absolute CLOCK_MONOTONIC time
// (timer slack 1 ns, SCHED_FIFO when allowed). It never reorders: a
// packet whose jitter would release it before the one ahead of it waits
// for that one.
package delaylink
