//go:build linux && cgo

package linger

/*
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// The child runs on this stack, in the address space it shares with the
// process; nothing else uses it.
static char linger_stack[64 * 1024] __attribute__((aligned(16)));

// linger_child holds the process's address space and descriptors until
// the process has exited, at most 5 s, and then exits itself, which
// releases them. It closes its copies of standard input, output and error
// first, so that a reader of the process's output sees its end when the
// process exits. Every signal is blocked (the process blocked them before
// the clone; the Go runtime's handlers must never run here), so only
// SIGKILL ends it early, which releases the same.
static int linger_child(void *arg) {
	pid_t parent = (pid_t)(intptr_t)arg;
	close(0);
	close(1);
	close(2);
	int fd = (int)syscall(SYS_pidfd_open, parent, 0);
	if (fd >= 0) {
		// Readable once the process has exited (Linux 5.3 and later).
		struct pollfd p = {.fd = fd, .events = POLLIN};
		poll(&p, 1, 5000);
		return 0;
	}
	struct timespec ts = {0, 500000};
	for (int i = 0; i < 10000 && getppid() == parent; i++)
		nanosleep(&ts, NULL);
	return 0;
}

// linger_exit starts the child and ends the process with code. Should the
// clone fail (a process limit, a seccomp filter), the process exits as
// any does.
static void linger_exit(int code) {
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	pid_t self = getpid();
	// CLONE_VM without CLONE_FILES: the same memory, a copy of the
	// descriptor table. No exit signal: the process is gone by then, and
	// the child's new parent (init or a subreaper) gets SIGCHLD.
	clone(linger_child, linger_stack + sizeof linger_stack, CLONE_VM, (void *)(intptr_t)self);
	syscall(SYS_exit_group, code);
}
*/
import "C"

// Exit ends the process with code, at once: what the process holds is
// released after its parent has seen it exit. Anything buffered must be
// written before; deferred functions do not run.
func Exit(code int) {
	C.linger_exit(C.int(code))
}
