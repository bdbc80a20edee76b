package live_test

import (
	"testing"

	"github.com/fireline-dev/fireline"
	"github.com/fireline-dev/fireline/live"
)

func change(seq int64) fireline.IncidentChange {
	return fireline.IncidentChange{Incident: &fireline.Incident{ID: "INC-1", Number: 1}, Seq: seq}
}

func TestHubFansOutInOrder(t *testing.T) {
	h := live.NewHub()
	a, cancelA := h.Subscribe()
	b, cancelB := h.Subscribe()
	defer cancelB()
	h.Publish(change(1))
	h.Publish(change(2))
	for _, ch := range []<-chan fireline.IncidentChange{a, b} {
		for want := int64(1); want <= 2; want++ {
			if c := <-ch; c.Seq != want {
				t.Fatalf("got seq %d, want %d", c.Seq, want)
			}
		}
	}
	cancelA()
	cancelA() // twice is harmless
	if _, ok := <-a; ok {
		t.Fatal("cancelled subscription still open")
	}
	h.Publish(change(3))
	if c := <-b; c.Seq != 3 {
		t.Fatalf("after a cancel: seq %d", c.Seq)
	}
}

func TestHubDropsSlowSubscriber(t *testing.T) {
	h := live.NewHub()
	slow, cancel := h.Subscribe()
	defer cancel()
	for i := range int64(1000) { // never blocks, however slow the reader
		h.Publish(change(i + 1))
	}
	n := 0
	for range slow {
		n++
	}
	if n == 0 || n >= 1000 {
		t.Fatalf("slow subscriber got %d changes before being dropped", n)
	}
}

func TestHubCloseEndsStreams(t *testing.T) {
	h := live.NewHub()
	ch, _ := h.Subscribe()
	h.Close()
	if _, ok := <-ch; ok {
		t.Fatal("open after Close")
	}
	late, _ := h.Subscribe()
	if _, ok := <-late; ok {
		t.Fatal("subscription after Close is open")
	}
	h.Publish(change(1)) // no panic on a closed hub
}
