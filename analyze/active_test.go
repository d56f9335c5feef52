package analyze

import (
	"math/rand/v2"
	"testing"
)

// TestActiveTableModel drives an activeTable and a Go map with the same
// random puts and deletes over few keys, through growth and back-shifted
// deletions, and checks after every step that every key gives the same
// trace in both.
func TestActiveTableModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	tab := newActiveTable()
	model := map[traceKey]*Trace{}
	var keys []traceKey
	for i := range 300 {
		keys = append(keys, traceKey{src: 1, dst: uint32(i % 40), flow: uint16(i / 40), proto: Proto(1 + i%3)})
	}
	for step := range 20000 {
		k := keys[r.IntN(len(keys))]
		switch r.IntN(3) {
		case 0, 1:
			tr := new(Trace)
			tab.put(k, tr)
			model[k] = tr
		default:
			// Deleting with another trace must leave k alone.
			if r.IntN(4) == 0 {
				tab.del(k, new(Trace))
				break
			}
			tab.del(k, model[k])
			delete(model, k)
		}
		if step%97 != 0 && step < 19990 {
			continue
		}
		for _, k := range keys {
			if got, want := tab.get(k), model[k]; got != want {
				t.Fatalf("step %d: key %v gives %p, want %p", step, k, got, want)
			}
		}
		if tab.used != len(model) {
			t.Fatalf("step %d: %d used, want %d", step, tab.used, len(model))
		}
	}
	if len(tab.slots) < 256 {
		t.Errorf("table of %d slots never grew past 200 keys", len(tab.slots))
	}
}
