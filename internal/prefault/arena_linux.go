//go:build linux && cgo

package prefault

/*
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One malloc arena for every thread, set before the Go runtime starts
// any: glibc otherwise gives each thread that calls malloc an arena of
// its own (a thread of a cgo program does, as it starts), each a 64 MiB
// mapping whose first pages it touches.
__attribute__((constructor)) static void prefault_one_arena(void) {
	mallopt(M_ARENA_MAX, 1);
}

// prefault_arenas counts glibc's malloc arenas (malloc_info's <heap>
// elements), -1 when it cannot tell.
static int prefault_arenas(void) {
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return -1;
	int ok = malloc_info(0, f) == 0;
	fclose(f);
	int n = -1;
	if (ok) {
		n = 0;
		for (char *p = buf; (p = strstr(p, "<heap nr=")) != NULL; p++)
			n++;
	}
	free(buf);
	return n;
}
*/
import "C"

// arenas is how many malloc arenas glibc has made, or -1 when it cannot
// tell. Only TestOneArena calls it: a test file cannot use cgo.
func arenas() int { return int(C.prefault_arenas()) }
