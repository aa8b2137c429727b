package inventory

import (
	"context"
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
				sent := time.Now()
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
