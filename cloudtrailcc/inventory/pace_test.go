package inventory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestPacedRequestsAreNeverThrottled sends requests through one pacer from
// three goroutines, each request reaching the "server" after a random delay
// of up to three intervals, as a busy machine may schedule it. A server-side
// token bucket of the same rate and a burst of 2 (the emulator's, and the
// quota's) must accept every request at the time it handled it: the delays
// can only spread requests, never bunch them.
func TestPacedRequestsAreNeverThrottled(t *testing.T) {
	const interval = 30 * time.Millisecond
	p := newSendPacer(interval)
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	delay := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.Int64N(int64(3 * interval)))
	}
	var sends, handled []time.Time
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				done, err := p.wait(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				sent := p.last      // the send time the pacer keeps (its turn is held)
				time.Sleep(delay()) // on its way to the server
				mu.Lock()
				sends, handled = append(sends, sent), append(handled, time.Now())
				mu.Unlock()
				time.Sleep(delay()) // the reply on its way back
				done()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(handled, func(a, b time.Time) int { return a.Compare(b) })
	server := rate.NewLimiter(rate.Every(interval), 2)
	for i, h := range handled {
		if !server.AllowN(h, 1) {
			t.Fatalf("request %d of %d was handled %s after the first: a server allowing one per %s with a burst of 2 throttles it",
				i+1, len(handled), h.Sub(handled[0]), interval)
		}
	}
	slices.SortFunc(sends, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(sends); i++ {
		if gap := sends[i].Sub(sends[i-1]); gap < interval {
			t.Errorf("requests %d and %d were sent %s apart, less than the pace's %s", i, i+1, gap, interval)
		}
	}
}

// TestPacerWaitEndsWithItsContext: a request waiting for its turn gives up
// when its context ends, and leaves the turn free.
func TestPacerWaitEndsWithItsContext(t *testing.T) {
	p := newSendPacer(time.Hour)
	done, err := p.wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.wait(ctx); err == nil {
		t.Fatal("wait with an ended context, an hour before the next turn, returned no error")
	}
	select {
	case p.turn <- struct{}{}:
	default:
		t.Fatal("a cancelled wait kept the turn")
	}
}

// TestPacerSetLetsIdleKeysGo: the process keeps a key's pacer only while it
// is used and for one interval after, so an organization audit does not
// keep one pacer per account and region it ever read.
func TestPacerSetLetsIdleKeysGo(t *testing.T) {
	const interval = 10 * time.Millisecond
	s := newPacerSet(interval)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done, err := s.wait(context.Background(), fmt.Sprintf("endpoint|%012d|us-east-1", i))
			if err != nil {
				t.Error(err)
				return
			}
			done()
		}()
	}
	wg.Wait()
	for deadline := time.Now().Add(10 * time.Second); s.len() > 0; time.Sleep(interval) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 200 pacers still held 10 s after their only request, with a %s interval", s.len(), interval)
		}
	}
	// a wait that gives up (its context ended while another request holds
	// the turn) does not keep the key either
	const key = "endpoint|cancelled|us-east-1"
	held, err := s.wait(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.wait(ctx, key); err == nil {
		t.Fatal("a wait with an ended context got the turn another request holds")
	}
	held()
	for deadline := time.Now().Add(10 * time.Second); s.len() > 0; time.Sleep(interval) {
		if time.Now().After(deadline) {
			t.Fatal("the pacer of a cancelled wait is still held 10 s later")
		}
	}
}

// TestPacerSetKeepsThePaceAcrossLettingGo: requests of one key, some close
// together and some after the pacer was let go, are still sent at least one
// interval apart (the send times the pacers keep, read while each request
// holds its turn).
func TestPacerSetKeepsThePaceAcrossLettingGo(t *testing.T) {
	const interval = 20 * time.Millisecond
	s := newPacerSet(interval)
	rng := rand.New(rand.NewPCG(3, 4))
	var mu sync.Mutex
	pause := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.Int64N(int64(3 * interval)))
	}
	var sends []time.Time
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 6 {
				time.Sleep(pause())
				done, err := s.wait(context.Background(), "endpoint|123456789012|us-east-1")
				if err != nil {
					t.Error(err)
					return
				}
				// the send time the pacer itself keeps (its turn is held, so
				// no other request writes it now)
				s.mu.Lock()
				sent := s.byKey["endpoint|123456789012|us-east-1"].p.last
				s.mu.Unlock()
				mu.Lock()
				sends = append(sends, sent)
				mu.Unlock()
				done()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(sends, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(sends); i++ {
		if gap := sends[i].Sub(sends[i-1]); gap < interval {
			t.Errorf("requests %d and %d were sent %s apart, less than the pace's %s", i, i+1, gap, interval)
		}
	}
}
