package logintegrity

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultParallel is how many S3 reads run at once by default.
const DefaultParallel = 16

// deliverySlack is how late CloudTrail may deliver a digest after the hour
// it covers, and how far apart two consecutive digests may be before the
// span between them counts as missing digests.
const deliverySlack = 90 * time.Minute

// Options tune a verification.
type Options struct {
	// Parallel bounds the S3 reads in flight (default DefaultParallel).
	Parallel int
}

// verifier is one run of Verify.
type verifier struct {
	ctx   context.Context
	store Store
	t     Target
	sem   chan struct{}
	// queued bounds the log file checks started and not finished, so the
	// walk waits for the reads instead of queueing a goroutine per file.
	queued chan struct{}
	keys   map[string]publicKey
	reads  atomic.Int64

	mu   sync.Mutex
	emit func(Result)
	sum  Summary
	logs sync.WaitGroup
}

type publicKey struct {
	key *rsa.PublicKey
	err error
}

// Verify checks the target's digest chains and log files and calls emit
// with every Result (from several goroutines, one call at a time). It
// returns an error only when nothing can be verified (the target is
// invalid, the public keys cannot be read); a file that cannot be read or
// judged is an Error Result.
func Verify(ctx context.Context, store Store, keys KeySource, t Target, opts Options, emit func(Result)) (Summary, error) {
	if err := t.check(); err != nil {
		return Summary{}, err
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	published, err := keys.PublicKeys(ctx, t.Start.Add(-time.Hour), t.End.Add(2*time.Hour))
	if err != nil {
		return Summary{}, fmt.Errorf("logintegrity: read public keys: %w", err)
	}
	v := &verifier{
		ctx: ctx, store: store, t: t, sem: make(chan struct{}, opts.Parallel), queued: make(chan struct{}, 2*opts.Parallel), keys: map[string]publicKey{}, emit: emit,
		sum: Summary{Digests: map[Status]int{}, Logs: map[Status]int{}, Gaps: map[Status]int{}},
	}
	for _, k := range published {
		pk, err := parsePublicKey(k.Value)
		v.keys[k.Fingerprint] = publicKey{pk, err}
	}
	var wg sync.WaitGroup
	for _, account := range t.Accounts {
		for _, region := range t.Regions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				(&walker{v: v, account: account, region: region}).run()
			}()
		}
	}
	wg.Wait()
	v.logs.Wait()
	v.sum.ObjectsRead = int(v.reads.Load())
	if err := ctx.Err(); err != nil {
		return v.sum, fmt.Errorf("logintegrity: %w", err)
	}
	return v.sum, nil
}

func (v *verifier) report(r Result) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch r.Kind {
	case KindDigest:
		v.sum.Digests[r.Status]++
	case KindLog:
		v.sum.Logs[r.Status]++
	case KindGap:
		v.sum.Gaps[r.Status]++
	}
	v.emit(r)
}

// get opens an object within the read pool; release frees the slot.
func (v *verifier) get(bucket, key string) (body io.ReadCloser, meta map[string]string, release func(), err error) {
	select {
	case v.sem <- struct{}{}:
	case <-v.ctx.Done():
		return nil, nil, func() {}, v.ctx.Err()
	}
	release = func() { <-v.sem }
	v.reads.Add(1)
	body, meta, err = v.store.Get(v.ctx, bucket, key)
	if err != nil {
		release()
		return nil, nil, func() {}, err
	}
	return body, meta, release, nil
}

// fetched is a digest file read from S3 (raw, gzip).
type fetched struct {
	raw  []byte
	meta map[string]string
	err  error
}

// walker verifies the chain of one account and region.
type walker struct {
	v               *verifier
	account, region string

	nextDay time.Time           // next day folder to list, newest first
	lastDay time.Time           // the oldest day folder of the window
	listed  []string            // listed digest keys not yet taken, oldest first
	loaded  map[string]*fetched // fetched digests not yet judged
	covered map[string]bool     // log keys some digest lists, of days not checked yet
	logDay  time.Time           // the newest log day folder not checked yet

	newestEnd, oldestStart time.Time // span the judged digests cover
}

func (w *walker) result(kind Kind, key string, st Status, detail string) Result {
	return Result{Kind: kind, Account: w.account, Region: w.region, Bucket: w.v.t.Bucket, Key: key, Status: st, Detail: detail}
}

// loadDay lists the next day folder and fetches its digests in parallel.
func (w *walker) loadDay() bool {
	t := w.v.t
	if w.nextDay.Before(w.lastDay) || w.v.ctx.Err() != nil {
		return false
	}
	day := w.nextDay
	w.nextDay = day.AddDate(0, 0, -1)
	prefix := t.digestDayPrefix(w.account, w.region, day)
	name := prefix + t.digestFileName(w.account, w.region)
	hi := t.End.Add(time.Hour)
	var keys []string
	select {
	case w.v.sem <- struct{}{}:
	case <-w.v.ctx.Done():
		return false
	}
	err := w.v.store.List(w.v.ctx, t.Bucket, prefix, func(key string) bool {
		if at, ok := digestKeyTime(key); ok && strings.HasPrefix(key, name) && !at.Before(t.Start) && !at.After(hi) {
			keys = append(keys, key)
		}
		return true
	})
	<-w.v.sem
	if err != nil {
		r := w.result(KindGap, "", Error, "cannot list "+prefix+": "+err.Error())
		r.Start, r.End = t.clamp(day, day.AddDate(0, 0, 1))
		w.v.report(r)
		return true
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := w.fetch(k)
			mu.Lock()
			w.loaded[k] = f
			mu.Unlock()
		}()
	}
	wg.Wait()
	w.listed = append(keys, w.listed...)
	sort.Slice(w.listed, func(i, j int) bool { return keyTime(w.listed[i]).Before(keyTime(w.listed[j])) })
	return true
}

func keyTime(key string) time.Time { t, _ := digestKeyTime(key); return t }

// fetch reads one digest file whole (digests are small and bounded).
func (w *walker) fetch(key string) *fetched {
	body, meta, release, err := w.v.get(w.v.t.Bucket, key)
	if err != nil {
		return &fetched{err: err}
	}
	defer release()
	defer body.Close()
	raw, err := io.ReadAll(io.LimitReader(body, maxDigestSize+1))
	if err == nil && len(raw) > maxDigestSize {
		err = errors.New("digest file is larger than 64 MiB")
	}
	return &fetched{raw: raw, meta: meta, err: err}
}

// olderListed takes the newest listed key older than before (zero: the
// newest of all), listing older days as needed; "" when none is left.
func (w *walker) olderListed(before time.Time) string {
	for {
		for i := len(w.listed) - 1; i >= 0; i-- {
			k := w.listed[i]
			if before.IsZero() || keyTime(k).Before(before) {
				w.listed = w.listed[:i]
				return k
			}
		}
		if !w.loadDay() {
			return ""
		}
	}
}

// take returns the fetched digest for a key a newer digest names: from
// the listing when it was listed, else read directly.
func (w *walker) take(key string) *fetched {
	at, ok := digestKeyTime(key)
	for ok && !w.nextDay.Before(w.lastDay) && !w.nextDay.Before(at.Truncate(24*time.Hour)) {
		if !w.loadDay() {
			break
		}
	}
	if f := w.loaded[key]; f != nil {
		delete(w.loaded, key)
		for i, k := range w.listed {
			if k == key {
				w.listed = append(w.listed[:i], w.listed[i+1:]...)
				break
			}
		}
		return f
	}
	return w.fetch(key)
}

// link is what a digest records of its predecessor.
type link struct{ hash, signature string }

func (w *walker) run() {
	t := w.v.t
	w.loaded, w.covered = map[string]*fetched{}, map[string]bool{}
	w.nextDay = t.End.Add(time.Hour).UTC().Truncate(24 * time.Hour)
	w.lastDay = t.Start.UTC().Truncate(24 * time.Hour)

	key := w.olderListed(time.Time{})
	if key == "" {
		w.notFound(t.Start, t.End, "no digest file in the window")
		return
	}
	if newest := keyTime(key); t.End.Sub(newest) > deliverySlack {
		switch {
		case !t.LatestDigestDelivery.IsZero() && t.LatestDigestDelivery.Sub(newest) > time.Minute:
			r := w.result(KindGap, "", Deleted, fmt.Sprintf("CloudTrail last delivered a digest at %s, but the newest digest is from %s", t.LatestDigestDelivery.UTC().Format(time.RFC3339), newest.Format(time.RFC3339)))
			r.Start, r.End = newest, t.End
			w.v.report(r)
		case t.StatusUnread != "":
			r := w.result(KindGap, "", Error, fmt.Sprintf("no digest after %s, and the trail's status could not be read (%s): whether the newer digests were deleted cannot be told",
				newest.Format(time.RFC3339), t.StatusUnread))
			r.Start, r.End = newest, t.End
			w.v.report(r)
		case t.LatestDigestDelivery.IsZero() && !t.LoggingSince.IsZero() && !t.LoggingSince.After(newest):
			// CloudTrail names its latest digest delivery once it made
			// one: a status without it, of a trail logging since before
			// digests that exist, cannot tell deleted digests from none.
			r := w.result(KindGap, "", Error, fmt.Sprintf("no digest after %s, and the trail's status (GetTrailStatus) names no latest digest delivery although the trail has been logging since %s and delivered digests: whether the newer digests were deleted cannot be told",
				newest.Format(time.RFC3339), t.LoggingSince.UTC().Format(time.RFC3339)))
			r.Start, r.End = newest, t.End
			w.v.report(r)
		default:
			w.notFound(newest, t.End, "no digest after "+newest.Format(time.RFC3339))
		}
	}
	var expect *link
	named := false
	for key != "" && w.v.ctx.Err() == nil {
		f := w.take(key)
		if named && errors.Is(f.err, ErrNoSuchKey) {
			key = w.missing(key)
			named, expect = false, nil
			continue
		}
		d, valid := w.judge(key, f, expect)
		if !valid {
			key, named, expect = w.olderListed(keyTime(key)), false, nil
			continue
		}
		if d.Start.Before(t.Start) {
			break
		}
		if d.PrevKey != "" && d.PrevBucket == t.Bucket {
			key, named, expect = d.PrevKey, true, &link{d.PrevHash, d.PrevSignature}
			continue
		}
		// The chain starts here: older digests belong to an earlier chain.
		older := w.olderListed(keyTime(key))
		if older != "" && d.Start.Sub(keyTime(older)) > 5*time.Minute {
			w.notFound(keyTime(older), d.Start, "the chain restarts: no digest covers this span (logging or validation was off, or digests were removed)")
		}
		key, named, expect = older, false, nil
	}
	if !w.oldestStart.IsZero() && w.oldestStart.Sub(t.Start) > deliverySlack {
		w.notFound(t.Start, w.oldestStart, "no digest before "+w.oldestStart.Format(time.RFC3339))
	}
	// Digests listed in the window that no chain reached.
	for k, f := range w.loaded {
		if f.err == nil {
			r := w.result(KindDigest, k, Uncovered, "a digest file no chain links to")
			r.Start, r.End = keyTime(k).Add(-time.Hour), keyTime(k)
			w.v.report(r)
		}
	}
	w.checkUncovered(time.Time{})
}

// notFound reports hours of [start, end) that no digest covers and nothing
// names. When the trail has been logging since before start
// (GetTrailStatus), the detail says CloudTrail was logging through them.
func (w *walker) notFound(start, end time.Time, detail string) {
	r := w.result(KindGap, "", NotFound, detail)
	if since := w.v.t.LoggingSince; !since.IsZero() && !since.After(start) {
		r.Detail += fmt.Sprintf("; the trail has been logging since %s, so CloudTrail was logging through these hours", since.UTC().Format(time.RFC3339))
	}
	r.Start, r.End = start, end
	w.v.report(r)
}
