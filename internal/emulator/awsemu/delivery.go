package awsemu

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Log delivery: a logging trail writes what it recorded to its bucket as
// CloudTrail does, on the emulator's delivery clock. The clock stands still
// until a caller advances it (AdvanceClock, SetClock, control "clock");
// every hour boundary it passes delivers, for each account and region the
// trail covers:
//
//   - gzipped log files ({"Records":[...]}) of the events of that hour, one
//     per five minutes that has events, under
//     PREFIX/AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
//     ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz;
//   - with log file validation on, a digest file for the hour (even with no
//     log files) under .../CloudTrail-Digest/REGION/YYYY/MM/DD/
//     ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz,
//     in AWS's digest format, linked to the previous digest of the same
//     account and region, signed SHA256withRSA with the emulator's key of
//     the period (x-amz-meta-signature, hex). The first digest after
//     logging or validation starts has null previous fields.
//
// The signing keys rotate every Options.DigestKeyRotation; ListPublicKeys
// serves the public halves (PKCS #1 DER, fingerprint = hex MD5 of it) of
// the keys whose validity meets the asked range. StopLogging, or turning
// validation off, breaks the chain.

// DefaultDigestKeyRotation is how long one digest signing key is used.
const DefaultDigestKeyRotation = 30 * 24 * time.Hour

// logSlot is how often a trail delivers log files within an hour.
const logSlot = 5 * time.Minute

// digestTimeFormat is how digest files write times.
const digestTimeFormat = "2006-01-02T15:04:05Z"

// deliveryClock is the emulator's clock for log delivery; state lock.
type deliveryClock struct{ t time.Time }

func (c *deliveryClock) now() time.Time { return c.t }

// loggingTime is when StartLogging or StopLogging takes effect: on the
// delivery clock once a test set it, so that StartLoggingTime and the
// digests delivered after it tell one story; else wall (the request's).
func (st *state) loggingTime(wall time.Time) time.Time {
	if c := st.clock.now(); !c.IsZero() {
		return c
	}
	return wall
}

// logDelivery is a trail's delivery progress; state lock.
type logDelivery struct {
	since   time.Time              // clock time logging (re)started; zero when stopped
	through time.Time              // end of the last delivered hour
	chains  map[string]*digestLink // account|region -> last digest
}

// digestLink is what the next digest names of its predecessor.
type digestLink struct {
	Bucket, Key, Hash, Signature string
}

func (d *logDelivery) start(now time.Time) {
	d.since, d.through, d.chains = now, now, nil
}

func (d *logDelivery) stop() { d.since, d.chains = time.Time{}, nil }

// Clock returns the delivery clock.
func (s *Server) Clock() time.Time {
	var t time.Time
	s.st.lock(func() { t = s.st.clock.now() })
	return t
}

// AdvanceClock moves the delivery clock forward by d, delivering the logs
// and digests of every hour boundary it passes.
func (s *Server) AdvanceClock(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("awsemu: cannot advance the clock by %s", d)
	}
	var err error
	s.st.lock(func() { err = s.moveClock(s.st.clock.now().Add(d)) })
	return err
}

// SetClock sets the delivery clock. Moving it forward delivers as
// AdvanceClock does; moving it back delivers nothing until it passes the
// hours already delivered.
func (s *Server) SetClock(t time.Time) error {
	var err error
	s.st.lock(func() { err = s.moveClock(t.UTC()) })
	return err
}

// moveClock delivers up to to and sets the clock; state lock.
func (s *Server) moveClock(to time.Time) error {
	if to.After(s.st.clock.now()) {
		arns := make([]string, 0, len(s.st.trails))
		for arn := range s.st.trails {
			arns = append(arns, arn)
		}
		sort.Strings(arns)
		for _, arn := range arns {
			if err := s.deliverTrail(s.st.trails[arn], to); err != nil {
				return err
			}
		}
	}
	s.st.clock.t = to
	return nil
}

// deliverTrail delivers every whole hour of t up to to; state lock.
func (s *Server) deliverTrail(t *trail, to time.Time) error {
	d := &t.Logs
	if !t.Logging || d.since.IsZero() {
		return nil
	}
	from := d.through
	if from.Before(d.since) {
		from = d.since
	}
	for end := from.Truncate(time.Hour).Add(time.Hour); !end.After(to); end = end.Add(time.Hour) {
		if err := s.deliverHour(t, from, end); err != nil {
			return err
		}
		from, d.through = end, end
	}
	return nil
}

// deliverHour writes the log files and digests of [from, end).
func (s *Server) deliverHour(t *trail, from, end time.Time) error {
	b := s.st.buckets[t.S3BucketName]
	if b == nil {
		t.Delivery.LatestDeliveryError = "NoSuchBucket"
		if t.LogFile {
			t.Delivery.LatestDigestDeliveryError = "NoSuchBucket"
		}
		t.Logs.chains = nil
		return nil
	}
	if !t.LogFile {
		t.Logs.chains = nil
	}
	accounts := []string{t.Account}
	if t.Org {
		members := make([]string, 0, len(t.OrgMembers))
		for m := range t.OrgMembers {
			if m != t.Account {
				members = append(members, m)
			}
		}
		sort.Strings(members)
		accounts = append(accounts, members...)
	}
	regions := []string{t.HomeRegion}
	if t.MultiRegion {
		regions = s.opts.Regions
	}
	for _, account := range accounts {
		for _, region := range regions {
			logs, err := s.deliverLogFiles(t, b, account, region, from, end)
			if err != nil {
				return err
			}
			if len(logs) > 0 {
				t.Delivery.LatestDeliveryTime = end
			}
			if t.LogFile {
				if err := s.deliverDigest(t, b, account, region, from, end, logs); err != nil {
					return err
				}
				t.Delivery.LatestDigestDeliveryTime = end
			}
		}
	}
	return nil
}

// deliveredLog is a log file as its digest lists it.
type deliveredLog struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// keyPrefix is "PREFIX/AWSLogs/[o-ORG/]ACCOUNT/" of a trail's objects.
func (s *Server) keyPrefix(t *trail, account string) string {
	p := ""
	if t.S3KeyPrefix != "" {
		p = t.S3KeyPrefix + "/"
	}
	p += "AWSLogs/"
	if t.Org {
		mgmt := t.Account
		if s.st.org != nil {
			mgmt = s.st.org.management
		}
		p += "o-" + shortHash(mgmt, 10) + "/"
	}
	return p + account + "/"
}

func (s *Server) deliverLogFiles(t *trail, b *bucket, account, region string, from, end time.Time) ([]deliveredLog, error) {
	var evs []*trailEvent
	for _, ev := range s.st.events[eventsKey(account, region)] {
		if !ev.Time.Before(from) && ev.Time.Before(end) {
			evs = append(evs, ev)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	var out []deliveredLog
	for len(evs) > 0 {
		slotEnd := evs[0].Time.Truncate(logSlot).Add(logSlot)
		n := sort.Search(len(evs), func(i int) bool { return !evs[i].Time.Before(slotEnd) })
		slot := evs[:n]
		evs = evs[n:]
		var doc bytes.Buffer
		doc.WriteString(`{"Records":[`)
		for i, ev := range slot {
			if i > 0 {
				doc.WriteByte(',')
			}
			doc.WriteString(ev.Raw)
		}
		doc.WriteString(`]}`)
		suffix := make([]byte, 8)
		_, _ = rand.Read(suffix)
		key := s.keyPrefix(t, account) + "CloudTrail/" + region + "/" + slotEnd.Format("2006/01/02") + "/" +
			account + "_CloudTrail_" + region + "_" + slotEnd.Format("20060102T1504Z") + "_" + strings.ToUpper(hex.EncodeToString(suffix)) + ".json.gz"
		gz, err := gzipBytes(doc.Bytes())
		if err != nil {
			return nil, err
		}
		b.putStoredObject(key, gz, "application/json", map[string]string{}, slotEnd)
		sum := sha256.Sum256(doc.Bytes())
		out = append(out, deliveredLog{
			S3Bucket: b.Name, S3Object: key, HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: "SHA-256",
			OldestEventTime: slot[0].Time.Format(digestTimeFormat), NewestEventTime: slot[len(slot)-1].Time.Format(digestTimeFormat),
		})
	}
	return out, nil
}

// digestFile is AWS's digest file format.
type digestFile struct {
	AWSAccountID                string         `json:"awsAccountId"`
	DigestStartTime             string         `json:"digestStartTime"`
	DigestEndTime               string         `json:"digestEndTime"`
	DigestS3Bucket              string         `json:"digestS3Bucket"`
	DigestS3Object              string         `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string         `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string         `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string        `json:"newestEventTime"`
	OldestEventTime             *string        `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string        `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string        `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string        `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string        `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string        `json:"previousDigestSignature"`
	LogFiles                    []deliveredLog `json:"logFiles"`
}

func (s *Server) deliverDigest(t *trail, b *bucket, account, region string, from, end time.Time, logs []deliveredLog) error {
	key := s.keyPrefix(t, account) + "CloudTrail-Digest/" + region + "/" + end.Format("2006/01/02") + "/" +
		account + "_CloudTrail-Digest_" + region + "_" + t.Name + "_" + t.HomeRegion + "_" + end.Format("20060102T150405Z") + ".json.gz"
	signer, err := s.st.digestKeys.at(end)
	if err != nil {
		return err
	}
	d := digestFile{
		AWSAccountID: account, DigestStartTime: from.Format(digestTimeFormat), DigestEndTime: end.Format(digestTimeFormat),
		DigestS3Bucket: b.Name, DigestS3Object: key, DigestPublicKeyFingerprint: signer.fingerprint,
		DigestSignatureAlgorithm: "SHA256withRSA", LogFiles: logs,
	}
	if d.LogFiles == nil {
		d.LogFiles = []deliveredLog{}
	}
	for _, l := range logs {
		if d.OldestEventTime == nil || l.OldestEventTime < *d.OldestEventTime {
			d.OldestEventTime = strPtr(l.OldestEventTime)
		}
		if d.NewestEventTime == nil || l.NewestEventTime > *d.NewestEventTime {
			d.NewestEventTime = strPtr(l.NewestEventTime)
		}
	}
	chainKey := eventsKey(account, region)
	prevSig := "null"
	if prev := t.Logs.chains[chainKey]; prev != nil {
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object = strPtr(prev.Bucket), strPtr(prev.Key)
		d.PreviousDigestHashValue, d.PreviousDigestHashAlgorithm = strPtr(prev.Hash), strPtr("SHA-256")
		d.PreviousDigestSignature = strPtr(prev.Signature)
		prevSig = prev.Signature
	}
	content, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("awsemu: encode digest: %w", err)
	}
	sum := sha256.Sum256(content)
	hash := hex.EncodeToString(sum[:])
	sig, err := SignDigest(signer.key, d.DigestEndTime, b.Name+"/"+key, hash, prevSig)
	if err != nil {
		return err
	}
	gz, err := gzipBytes(content)
	if err != nil {
		return err
	}
	b.putStoredObject(key, gz, "application/json", map[string]string{"signature": sig, "signature-algorithm": "SHA256withRSA"}, end)
	if t.Logs.chains == nil {
		t.Logs.chains = map[string]*digestLink{}
	}
	t.Logs.chains[chainKey] = &digestLink{Bucket: b.Name, Key: key, Hash: hash, Signature: sig}
	return nil
}

// SignDigest signs a digest file as CloudTrail does: SHA256withRSA
// (PKCS #1 v1.5) over digestEndTime, "bucket/key", the hex SHA-256 of the
// uncompressed digest and the previous digest's signature ("null" for the
// first), joined by newlines. It returns the signature in hex. Tests use it
// to re-sign a digest with a key of their own.
func SignDigest(key *rsa.PrivateKey, endTime, s3Path, hexHash, previousSignature string) (string, error) {
	msg := sha256.Sum256([]byte(endTime + "\n" + s3Path + "\n" + hexHash + "\n" + previousSignature))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, msg[:])
	if err != nil {
		return "", fmt.Errorf("awsemu: sign digest: %w", err)
	}
	return hex.EncodeToString(sig), nil
}

func gzipBytes(p []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(p); err != nil {
		return nil, fmt.Errorf("awsemu: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("awsemu: gzip: %w", err)
	}
	return buf.Bytes(), nil
}
