package logintegrity

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// judge verifies one fetched digest: format, location, key, signature and,
// when a newer digest named it, the hash and signature that digest
// recorded. It reports the digest, starts the checks of its log files, and
// returns it with whether it is valid (nil when it could not be parsed).
func (w *walker) judge(key string, f *fetched, expect *link) (*digest, bool) {
	r := w.result(KindDigest, key, Valid, "")
	// Until the file is parsed, its key gives the period: digests cover
	// the hour before the time in their name.
	r.End = keyTime(key)
	r.Start = r.End.Add(-time.Hour)
	if f.err != nil {
		r.Status, r.Detail = Error, "cannot read the digest file: "+f.err.Error()
		if errors.Is(f.err, ErrNoSuchKey) {
			r.Status, r.Detail = Deleted, "the digest file was listed but is gone"
		}
		w.v.report(r)
		return nil, false
	}
	d, err := parseDigest(f.raw, f.meta)
	if err != nil {
		r.Status, r.Detail = Error, err.Error()
		w.v.report(r)
		return nil, false
	}
	r.Start, r.End = d.Start, d.End
	r.Status, r.Detail = w.check(key, d, expect)
	w.v.report(r)
	if w.newestEnd.IsZero() || d.End.After(w.newestEnd) {
		w.newestEnd = d.End
		if w.logDay.IsZero() {
			w.logDay = d.End.UTC().Truncate(24 * time.Hour)
		}
	}
	if w.oldestStart.IsZero() || d.Start.Before(w.oldestStart) {
		w.oldestStart = d.Start
	}
	// Log files of days after this digest's end are listed by digests
	// already judged: check those days now, so only a day or two of log
	// keys is ever held.
	w.checkUncovered(d.End)
	for _, l := range d.Logs {
		w.covered[l.Key] = true
		select {
		case w.v.queued <- struct{}{}:
		case <-w.v.ctx.Done():
			return d, false
		}
		w.v.logs.Add(1)
		go func() {
			defer func() { <-w.v.queued; w.v.logs.Done() }()
			w.checkLog(d, key, l, r.Status == Valid)
		}()
	}
	return d, r.Status == Valid
}

// check gives a parsed digest's verdict.
func (w *walker) check(key string, d *digest, expect *link) (Status, string) {
	t := w.v.t
	switch {
	case d.Bucket != t.Bucket || d.Key != key:
		return Modified, fmt.Sprintf("the digest file says it was delivered to s3://%s/%s", d.Bucket, d.Key)
	case d.signature == "":
		return Modified, "the digest file has no signature (x-amz-meta-signature)"
	case d.SignatureAlgorithm != "SHA256withRSA" || (d.sigAlg != "" && d.sigAlg != "SHA256withRSA"):
		return Error, fmt.Sprintf("unsupported signature algorithm %q", d.SignatureAlgorithm)
	}
	k, ok := w.v.keys[d.Fingerprint]
	switch {
	case !ok:
		return UnknownKey, fmt.Sprintf("signed with key %s, which CloudTrail never published (ListPublicKeys)", d.Fingerprint)
	case k.err != nil:
		return Error, fmt.Sprintf("public key %s: %v", d.Fingerprint, k.err)
	}
	if err := d.verifySignature(k.key); err != nil {
		return Modified, "the signature does not verify: the digest file was changed after CloudTrail signed it"
	}
	if expect != nil && (expect.hash != d.hash || expect.signature != d.signature) {
		return Modified, "the digest file is not the one the next digest recorded (previousDigestHashValue, previousDigestSignature)"
	}
	return Valid, ""
}

// missing reports a digest a newer digest names but S3 no longer has,
// and any digests missing before it, and returns the next older listed
// digest.
func (w *walker) missing(key string) string {
	at := keyTime(key)
	r := w.result(KindDigest, key, Deleted, "the next digest names this digest file, which is not in the bucket")
	r.Start, r.End = at.Add(-time.Hour), at
	w.v.report(r)
	if w.oldestStart.IsZero() || at.Add(-time.Hour).Before(w.oldestStart) {
		w.oldestStart = at.Add(-time.Hour)
	}
	older := w.olderListed(at)
	if older == "" {
		return ""
	}
	if span := at.Sub(keyTime(older)); span > deliverySlack {
		n := int(math.Round(span.Hours())) - 1
		g := w.result(KindGap, "", Deleted, fmt.Sprintf("about %d more digest file(s) missing before %s: no surviving digest names them", max(n, 1), key))
		g.Start, g.End = keyTime(older), at.Add(-time.Hour)
		w.v.report(g)
	}
	return older
}

// checkLog verifies one log file: present, gzip, SHA-256 of the
// uncompressed stream equal to the digest's hash.
func (w *walker) checkLog(d *digest, digestKey string, l logRef, trusted bool) {
	r := Result{Kind: KindLog, Account: w.account, Region: w.region, Bucket: l.Bucket, Key: l.Key, Status: Valid,
		Start: l.Oldest, End: l.Newest, Digest: digestKey}
	if r.Start.IsZero() || r.End.IsZero() {
		r.Start, r.End = d.Start, d.End
	}
	r.Status, r.Detail = w.hashLog(l)
	if !trusted && r.Status == Valid {
		r.Detail = "matches a digest file that failed verification"
	}
	w.v.report(r)
}

func (w *walker) hashLog(l logRef) (Status, string) {
	body, _, release, err := w.v.get(l.Bucket, l.Key)
	if errors.Is(err, ErrNoSuchKey) {
		return Deleted, "the digest lists this log file, which is not in the bucket"
	}
	if err != nil {
		return Error, "cannot read the log file: " + err.Error()
	}
	defer release()
	defer body.Close()
	zr, err := gzip.NewReader(body)
	if err != nil {
		return Error, "the log file is not gzip: " + err.Error()
	}
	h := sha256.New()
	if _, err := io.Copy(h, zr); err != nil {
		return Error, "the log file is not valid gzip: " + err.Error()
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != l.Hash {
		return Modified, "its SHA-256 differs from the digest's hashValue"
	}
	return Valid, ""
}

// checkUncovered lists the log day folders, newest first, that end before
// below (every one left when below is zero: the walk is over) and reports
// the log files in the span the judged digests cover that no digest lists.
func (w *walker) checkUncovered(below time.Time) {
	t := w.v.t
	if w.newestEnd.IsZero() {
		return
	}
	lo := w.oldestStart
	if lo.Before(t.Start) {
		lo = t.Start
	}
	for ; !w.logDay.Before(lo.UTC().Truncate(24 * time.Hour)); w.logDay = w.logDay.AddDate(0, 0, -1) {
		if !below.IsZero() && !below.Before(w.logDay) {
			// A digest ending at or after the day's start (the one being
			// judged, or an older one) may list this day's log files.
			return
		}
		prefix := t.logDayPrefix(w.account, w.region, w.logDay)
		w.v.sem <- struct{}{}
		err := w.v.store.List(w.v.ctx, t.Bucket, prefix, func(key string) bool {
			at, ok := logKeyTime(key)
			if ok && at.After(lo) && !at.After(w.newestEnd) && !w.covered[key] {
				r := w.result(KindLog, key, Uncovered, "no digest file lists this log file")
				r.Start, r.End = at, at
				w.v.report(r)
			}
			delete(w.covered, key)
			return true
		})
		<-w.v.sem
		if err != nil {
			r := w.result(KindGap, "", Error, "cannot list "+prefix+": "+err.Error())
			r.Start, r.End = t.clamp(w.logDay, w.logDay.AddDate(0, 0, 1))
			w.v.report(r)
		}
	}
}
