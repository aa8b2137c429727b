package organization

import (
	"context"
	"sync"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
)

// accountPacer spreads the starts of an organization's accounts over an
// account's read time.
//
// Accounts read alike take alike times, so the accounts that start together
// (the first MaxConcurrentAccounts, and every set whose slots free at once)
// would stay together: each fans out its regional calls at the same moment
// as the others, and the calls in flight, with their goroutines,
// connections and replies, would peak at MaxConcurrentAccounts times an
// account's widest step, once for every set. Started one spacing apart,
// the spacing being the mean of the last reads' times divided by the
// accounts read at once, the accounts are at different steps and their
// calls arrive at an even rate. The rate of starts is what the slots allow
// (accounts read at once over an account's mean time): accounts read alike
// take one read longer in all, for spreading the second set; a mix of
// reads loses a little more while the recent mean is above the whole's.
type accountPacer struct {
	limit int
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu        sync.Mutex
	recent    []time.Duration // the last reads' times, up to paceWindow sets
	oldest    int             // where the next time replaces the oldest
	nextStart time.Time       // no start before this
}

// paceWindow is how many sets of accounts read at once the mean read time
// is taken over. Over one set, a mix of reads (an account whose role cannot
// be assumed fails in one call, others take seconds) moves the mean enough
// that starts held back while slots were free cost a tenth of the audit's
// time; over four, the mean moves half as much.
const paceWindow = 4

// newAccountPacer returns the pacer of limit accounts read at once.
func newAccountPacer(limit int) *accountPacer {
	return &accountPacer{limit: limit, now: time.Now, sleep: inventory.Sleep}
}

// start returns when the next account may start (at once until a read's
// time is known, then one spacing after the start before it) with the
// function to call once the account's read has ended. It returns ctx's
// error if ctx ends first.
func (p *accountPacer) start(ctx context.Context) (readEnded func(), err error) {
	p.mu.Lock()
	now := p.now()
	at := now
	if p.nextStart.After(at) {
		at = p.nextStart
	}
	p.nextStart = at.Add(p.spacing())
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	began := p.now()
	return func() { p.note(p.now().Sub(began)) }, nil
}

// note keeps that an account's read took d.
func (p *accountPacer) note(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.recent) < paceWindow*p.limit {
		p.recent = append(p.recent, d)
		return
	}
	p.recent[p.oldest] = d
	p.oldest = (p.oldest + 1) % len(p.recent)
}

// spacing is the mean of the last reads' times over the accounts read at
// once: 0 before any read is known, and with one account at a time (nothing
// runs beside it to spread from).
func (p *accountPacer) spacing() time.Duration {
	if len(p.recent) == 0 || p.limit < 2 {
		return 0
	}
	var sum time.Duration
	for _, d := range p.recent {
		sum += d
	}
	return sum / time.Duration(len(p.recent)) / time.Duration(p.limit)
}
