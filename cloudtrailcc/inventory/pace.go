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
	if d := time.Until(p.last.Add(p.interval)); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-p.turn
			return nil, ctx.Err()
		}
	}
	p.last = time.Now()
	return func() { <-p.turn }, nil
}

// lookupPacers holds one LookupEvents pacer per endpoint, account and
// region, shared by every Collector of the process.
var lookupPacers sync.Map // string -> *sendPacer

func lookupPacer(key string) *sendPacer {
	p, _ := lookupPacers.LoadOrStore(key, newSendPacer(lookupEventsInterval))
	return p.(*sendPacer)
}
