package inventory

import (
	"context"
	"sync"
	"time"
)

// lookupEventsInterval spaces LookupEvents requests of one account in one
// region: CloudTrail allows 2 requests per second; a little slack keeps
// clock jitter from ever crossing the limit.
const lookupEventsInterval = 520 * time.Millisecond

// sendPacer spaces the requests of one account and region. A request waits
// for its turn, goes no earlier than interval after the previous request was
// sent, and holds the turn until its reply is in. Because the next request
// cannot start before the previous reply, the server handles request j no
// earlier than (j-i-1) intervals after request i, however late the machine
// schedules either side: a server-side token bucket of the quota's rate and
// a burst of 2 accepts every request, where a client-side token bucket alone
// can bunch a late request with the next one.
type sendPacer struct {
	interval time.Duration
	turn     chan struct{}
	last     time.Time // when the previous request was sent; guarded by turn
}

func newSendPacer(interval time.Duration) *sendPacer {
	return &sendPacer{interval: interval, turn: make(chan struct{}, 1)}
}

// wait blocks until the caller may send, then returns the function that ends
// its turn once the reply is in.
func (p *sendPacer) wait(ctx context.Context) (done func(), err error) {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := Sleep(ctx, time.Until(p.last.Add(p.interval))); err != nil {
		<-p.turn
		return nil, err
	}
	p.last = time.Now()
	return func() { <-p.turn }, nil
}

// Sleep returns after d, or with ctx's error as soon as ctx ends. A d of
// 0 or less returns at once (nil).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lookupPacers holds one LookupEvents pacer per endpoint, account and
// region, shared by every Collector of the process.
var lookupPacers = newPacerSet(lookupEventsInterval)

// pacerSet holds the pacers of the keys (endpoint, account, region) in use:
// a key's pacer lives while a request of it waits or is in flight, and for
// one interval after its last request was sent, then it is let go. Memory
// follows the accounts being read, not every account ever read: an
// organization of 10,000 accounts would otherwise keep 170,000 pacers.
type pacerSet struct {
	interval time.Duration
	mu       sync.Mutex
	byKey    map[string]*pacerUse
}

// pacerUse is a key's pacer and how many requests hold it.
type pacerUse struct {
	p     *sendPacer
	users int
}

func newPacerSet(interval time.Duration) *pacerSet {
	return &pacerSet{interval: interval, byKey: map[string]*pacerUse{}}
}

// wait is the pacer of key's wait: it blocks until the caller may send and
// returns the function that ends its turn once the reply is in.
func (s *pacerSet) wait(ctx context.Context, key string) (done func(), err error) {
	s.mu.Lock()
	u := s.byKey[key]
	if u == nil {
		u = &pacerUse{p: newSendPacer(s.interval)}
		s.byKey[key] = u
	}
	u.users++
	s.mu.Unlock()
	end, err := u.p.wait(ctx)
	if err != nil {
		s.release(key, u)
		return nil, err
	}
	return func() {
		end()
		s.release(key, u)
	}, nil
}

// release drops one user of key's pacer; the last one lets it go once its
// interval has passed (a new pacer then sends at once, which is no earlier
// than the interval after the old one's last request).
func (s *pacerSet) release(key string, u *pacerUse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.users--
	s.forgetIdle(key, u)
}

// forgetIdle deletes key's pacer u when no request holds it and its last
// request went out at least an interval ago, and otherwise looks again
// once that interval is over. A request that took u up in the meantime
// keeps it (and looks again when it ends). s.mu is held; with no user, no
// one writes u's last send time.
func (s *pacerSet) forgetIdle(key string, u *pacerUse) {
	if u.users > 0 || s.byKey[key] != u {
		return
	}
	if wait := time.Until(u.p.last.Add(s.interval)); wait > 0 {
		time.AfterFunc(wait, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.forgetIdle(key, u)
		})
		return
	}
	delete(s.byKey, key)
}

// len is the number of pacers held.
func (s *pacerSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byKey)
}
