package run

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLiveWireOpenError: a capture that fails to open fails the first Send
// and every Next with its error, and the wire asks only once.
func TestLiveWireOpenError(t *testing.T) {
	errOpen := errors.New("capture on tun9: no such device")
	opened := make(chan openedLive, 1)
	opened <- openedLive{err: errOpen}
	w := &liveWire{opened: opened}
	if err := w.Send([]byte{0x45}); !errors.Is(err, errOpen) {
		t.Errorf("Send = %v, want %v", err, errOpen)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := w.Next(context.Background(), time.Now().Add(time.Second))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errOpen) {
			t.Errorf("Next = %v, want %v", err, errOpen)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next waited for a capture that had already failed")
	}
	if l, err := w.live(); l != nil || !errors.Is(err, errOpen) {
		t.Errorf("live() = %v, %v; want nil, %v", l, err, errOpen)
	}
}
