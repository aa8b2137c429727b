package organization

import (
	"container/heap"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// pacedRun is what simulate saw of an audit: when each account started,
// and when the last one ended.
type pacedRun struct {
	starts []time.Duration
	end    time.Duration
}

// readEnd is when a read in progress ends, and what to call then.
type readEnd struct {
	at    time.Duration
	ended func()
}

// ends is a heap of the reads in progress, soonest end first.
type ends []readEnd

func (e ends) Len() int           { return len(e) }
func (e ends) Less(i, j int) bool { return e[i].at < e[j].at }
func (e ends) Swap(i, j int)      { e[i], e[j] = e[j], e[i] }
func (e *ends) Push(x any)        { *e = append(*e, x.(readEnd)) }
func (e *ends) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

// simulate runs the collector's loop on a clock of its own: limit slots,
// an account taking took[i], each started (as in collect) when a slot is
// free and the pacer lets it, the pacer told of each read as it ends (a
// sleep moves the clock to the start). With paced false, accounts start as
// soon as a slot is free.
func simulate(t *testing.T, limit int, took []time.Duration, paced bool) pacedRun {
	t.Helper()
	var clock time.Duration
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newAccountPacer(limit)
	p.now = func() time.Time { return epoch.Add(clock) }
	p.sleep = func(_ context.Context, d time.Duration) error { clock += d; return nil }

	var run pacedRun
	var inFlight ends
	start := func(i int) {
		ended := func() {}
		if paced {
			var err error
			if ended, err = p.start(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		run.starts = append(run.starts, clock)
		heap.Push(&inFlight, readEnd{clock + took[i], ended})
	}
	next := 0
	for ; next < len(took) && next < limit; next++ {
		start(next)
	}
	for inFlight.Len() > 0 {
		e := heap.Pop(&inFlight).(readEnd)
		clock = e.at
		run.end = max(run.end, e.at)
		e.ended()
		if next < len(took) {
			start(next)
			next++
		}
	}
	return run
}

func TestAccountsReadAlikeStartOneAtATimeAfterTheFirstSet(t *testing.T) {
	const limit, n, each = 8, 64, time.Second
	took := slices.Repeat([]time.Duration{each}, n)
	unpaced := simulate(t, limit, took, false)
	paced := simulate(t, limit, took, true)

	// unpaced, accounts read alike start in sets of limit, together, for
	// the whole audit
	if together := maxStartsWithin(unpaced.starts, each/limit); together != limit {
		t.Fatalf("unpaced: at most %d accounts start within %v; want the sets of %d this pacing is for", together, each/limit, limit)
	}
	// paced, the first set starts at once (nothing is known of a read yet),
	// then one account an eighth of a read apart
	for i, at := range paced.starts[:limit] {
		if at != 0 {
			t.Fatalf("account %d of the first set started at %v; want at once", i, at)
		}
	}
	spacing := each / limit
	for i := limit + 1; i < n; i++ {
		if gap := paced.starts[i] - paced.starts[i-1]; gap < spacing {
			t.Fatalf("accounts %d and %d started %v apart; want at least %v", i-1, i, gap, spacing)
		}
	}
	// and the audit is at most one read longer
	if paced.end > unpaced.end+each {
		t.Fatalf("paced audit took %v, unpaced %v; want at most one read (%v) more", paced.end, unpaced.end, each)
	}
}

func TestPacingAccountsOfMixedReadTimesCostsLessThanTheSlowestRead(t *testing.T) {
	// 6 of 10 accounts take 3 s, 4 fail at once (no role: 100 ms), mixed
	// through the list; the slowest 30 s
	const limit = 16
	var took []time.Duration
	for i := range 1000 {
		switch {
		case i%97 == 0:
			took = append(took, 30*time.Second)
		case i%10 < 4:
			took = append(took, 100*time.Millisecond)
		default:
			took = append(took, 3*time.Second)
		}
	}
	unpaced := simulate(t, limit, took, false)
	paced := simulate(t, limit, took, true)
	if paced.end > unpaced.end+30*time.Second {
		t.Fatalf("paced audit took %v, unpaced %v; want at most the slowest read (30s) more", paced.end, unpaced.end)
	}
	t.Logf("paced %v, unpaced %v", paced.end, unpaced.end)
}

func TestOneAccountAtATimeIsNeverHeldBack(t *testing.T) {
	took := []time.Duration{time.Second, 10 * time.Millisecond, time.Second, 10 * time.Millisecond}
	if paced, unpaced := simulate(t, 1, took, true), simulate(t, 1, took, false); !slices.Equal(paced.starts, unpaced.starts) {
		t.Fatalf("one account at a time: paced starts %v, want %v", paced.starts, unpaced.starts)
	}
}

func TestAWaitingAccountStopsWithItsAudit(t *testing.T) {
	p := newAccountPacer(4)
	for range 4 {
		p.note(time.Hour)
	}
	if _, err := p.start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.start(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("start after the audit was cancelled: %v; want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("a cancelled audit's account still waits for its start, a quarter hour away")
	}
}

// maxStartsWithin is the most starts that fall in one window of w.
func maxStartsWithin(starts []time.Duration, w time.Duration) int {
	s := slices.Sorted(slices.Values(starts))
	most := 0
	for i := range s {
		j := i
		for j < len(s) && s[j]-s[i] < w {
			j++
		}
		most = max(most, j-i)
	}
	return most
}
