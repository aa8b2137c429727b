package logintegrity_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func TestIntactChainIsValidAndEachObjectIsReadOnce(t *testing.T) {
	s := newScenario(t, 6)
	digests, logs := s.digests(), s.logs()
	if len(digests) != 6 || len(logs) < 30 {
		t.Fatalf("scenario delivered %d digests and %d logs", len(digests), len(logs))
	}
	s.srv.ResetCalls()
	got, sum := s.verify(nil)
	if want := "digest/valid=6 log/valid=" + strconv.Itoa(len(logs)); statuses(got) != want {
		t.Fatalf("results %s, want %s", statuses(got), want)
	}
	if !sum.Clean() || sum.ObjectsRead != len(digests)+len(logs) {
		t.Fatalf("summary %+v, want clean with %d objects read", sum, len(digests)+len(logs))
	}
	counts := s.srv.CallCounts()
	if counts["s3:GetObject"] != len(digests)+len(logs) {
		t.Fatalf("GetObject calls = %d, want one per object (%d)", counts["s3:GetObject"], len(digests)+len(logs))
	}
	// Only the window's digest day folders are listed (6 hours from 20:00
	// span two days), and the log folders of the covered span.
	if counts["s3:ListBucket"] > 4 {
		t.Fatalf("ListBucket calls = %d, want at most 4 (two digest days, two log days)", counts["s3:ListBucket"])
	}
}

// TestLogAtMidnightIsCoveredByTheDigestEndingThen delivers a log file
// keyed exactly at midnight, which the digest ending at midnight lists: it
// must be valid, not reported as uncovered when the walk crosses the day.
func TestLogAtMidnightIsCoveredByTheDigestEndingThen(t *testing.T) {
	s := newScenario(t, 1)
	s.srv.AddEvent(awsemu.EventInput{AccountID: account, Region: home, EventName: "PutObject", EventSource: "s3.amazonaws.com", EventTime: t0.Add(3*time.Hour + 57*time.Minute)})
	s.srv.AddEvent(awsemu.EventInput{AccountID: account, Region: home, EventName: "PutObject", EventSource: "s3.amazonaws.com", EventTime: t0.Add(4*time.Hour + 2*time.Minute)})
	if err := s.srv.AdvanceClock(4 * time.Hour); err != nil {
		t.Fatal(err)
	}
	s.target.End = t0.Add(5 * time.Hour)
	got, sum := s.verify(nil)
	var midnight string
	for _, k := range s.logs() {
		if strings.Contains(k, "_20261201T0000Z_") {
			midnight = k
		}
	}
	if midnight == "" || got[midnight].Status != logintegrity.Valid || !sum.Clean() {
		t.Fatalf("log at midnight %q: %+v; all %s", midnight, got[midnight], statuses(got))
	}
}

func TestTamperingIsReportedPerFile(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(s *scenario, digests, logs []string) map[string]logintegrity.Status
	}{
		{"log overwritten", func(s *scenario, _, logs []string) map[string]logintegrity.Status {
			s.overwriteLog(logs[7])
			return map[string]logintegrity.Status{logs[7]: logintegrity.Modified, logs[8]: logintegrity.Valid}
		}},
		{"log deleted", func(s *scenario, _, logs []string) map[string]logintegrity.Status {
			s.del(logs[3])
			return map[string]logintegrity.Status{logs[3]: logintegrity.Deleted}
		}},
		{"one digest deleted", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.del(d[3])
			return map[string]logintegrity.Status{d[3]: logintegrity.Deleted, d[2]: logintegrity.Valid, d[4]: logintegrity.Valid}
		}},
		{"two consecutive digests deleted", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.del(d[2])
			s.del(d[3])
			return map[string]logintegrity.Status{d[3]: logintegrity.Deleted, "gap:" + keyEnd(d[1]): logintegrity.Deleted, d[1]: logintegrity.Valid}
		}},
		{"digest re-signed with a foreign key", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.resignForeign(d[4])
			return map[string]logintegrity.Status{d[4]: logintegrity.UnknownKey, d[5]: logintegrity.Valid, d[3]: logintegrity.Valid}
		}},
		{"digest edited without re-signing", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.editDigest(d[1], func(m map[string]any) { m["logFiles"] = []any{} })
			return map[string]logintegrity.Status{d[1]: logintegrity.Modified, d[0]: logintegrity.Valid}
		}},
		{"digest not gzip", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.put(d[2], []byte(`{"Records":[]}`), nil)
			return map[string]logintegrity.Status{d[2]: logintegrity.Error}
		}},
		{"digest not JSON", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			_, meta := s.get(d[2])
			s.put(d[2], gz([]byte("not json")), meta)
			return map[string]logintegrity.Status{d[2]: logintegrity.Error}
		}},
		{"digest lacks a field", func(s *scenario, d, _ []string) map[string]logintegrity.Status {
			s.editDigest(d[2], func(m map[string]any) { delete(m, "digestEndTime") })
			return map[string]logintegrity.Status{d[2]: logintegrity.Error}
		}},
		{"log not gzip", func(s *scenario, _, logs []string) map[string]logintegrity.Status {
			s.put(logs[5], []byte(`{"Records":[]}`), nil)
			return map[string]logintegrity.Status{logs[5]: logintegrity.Error}
		}},
		{"log file no digest lists", func(s *scenario, _, logs []string) map[string]logintegrity.Status {
			forged := strings.Replace(logs[5], ".json.gz", "", 1)
			forged = forged[:len(forged)-4] + "FFFF.json.gz"
			s.put(forged, gz([]byte(`{"Records":[]}`)), nil)
			return map[string]logintegrity.Status{forged: logintegrity.Uncovered}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t, 6)
			want := c.tamper(s, s.digests(), s.logs())
			got, sum := s.verify(nil)
			t.Logf("results: %s", statuses(got))
			for key, st := range want {
				if got[key].Status != st {
					t.Errorf("%s: %q (%s), want %q; all: %s", key, got[key].Status, got[key].Detail, st, statuses(got))
				}
				if st != logintegrity.Valid && got[key].Detail == "" {
					t.Errorf("%s: no detail", key)
				}
			}
			if sum.Clean() {
				t.Errorf("summary is clean after tampering: %+v", sum)
			}
		})
	}
}

func keyEnd(key string) string {
	at, _ := time.Parse("20060102T150405Z", strings.TrimSuffix(key, ".json.gz")[len(strings.TrimSuffix(key, ".json.gz"))-16:])
	return at.Format(time.RFC3339)
}

// badKeys answers the real keys with one value replaced by bytes that are
// no public key.
type badKeys struct{ logintegrity.KeySource }

func (b badKeys) PublicKeys(ctx context.Context, start, end time.Time) ([]logintegrity.PublicKey, error) {
	ks, err := b.KeySource.PublicKeys(ctx, start, end)
	for i := range ks {
		ks[i].Value = []byte("not a key")
	}
	return ks, err
}

func TestUnparseablePublicKeyIsAnErrorNeverValid(t *testing.T) {
	s := newScenario(t, 2)
	a := logintegrity.NewAWS(s.cfg("test", "test", home), home)
	got, sum := s.verify(badKeys{a})
	for _, d := range s.digests() {
		if got[d].Status != logintegrity.Error || !strings.Contains(got[d].Detail, "does not parse") {
			t.Fatalf("%s: %s %q, want error about the key", d, got[d].Status, got[d].Detail)
		}
	}
	if sum.Clean() {
		t.Fatal("summary clean with unparseable keys")
	}
}

func TestNewestDigestsDeletedAreReportedFromTheTrailStatus(t *testing.T) {
	s := newScenario(t, 5)
	d := s.digests()
	s.del(d[4])
	s.del(d[3])
	s.target.LatestDigestDelivery = t0.Add(5 * time.Hour)
	got, _ := s.verify(nil)
	gap := got["gap:"+keyEnd(d[2])]
	if gap.Status != logintegrity.Deleted {
		t.Fatalf("gap after the newest surviving digest = %+v; all %s", gap, statuses(got))
	}
	if got[d[2]].Status != logintegrity.Valid {
		t.Fatalf("surviving digest %s", got[d[2]].Status)
	}
}

func TestWindowIsChecked(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, w := range [][2]time.Time{{now, now}, {now, now.Add(-time.Hour)}, {now.Add(time.Hour), now.Add(2 * time.Hour)}} {
		if err := logintegrity.CheckWindow(w[0], w[1], now); err == nil {
			t.Errorf("window %v accepted", w)
		}
	}
	if err := logintegrity.CheckWindow(now.Add(-time.Hour), now, now); err != nil {
		t.Errorf("last hour refused: %v", err)
	}
}

func TestHoursWithoutDigestWhileLoggingAreNamedAsSuch(t *testing.T) {
	s := newScenario(t, 3)
	s.target.End = t0.Add(6 * time.Hour)
	got, _ := s.verify(nil)
	gap := got["gap:"+t0.Add(3*time.Hour).Format(time.RFC3339)]
	if gap.Status != logintegrity.NotFound || strings.Contains(gap.Detail, "was logging") {
		t.Fatalf("hours after the newest digest, logging unknown: %+v", gap)
	}
	// Logging, and CloudTrail's last digest delivery is the newest digest:
	// it delivered none since (a delivery problem), nothing was deleted.
	s.target.LoggingSince = t0
	s.target.LatestDigestDelivery = t0.Add(3 * time.Hour)
	got, sum := s.verify(nil)
	gap = got["gap:"+t0.Add(3*time.Hour).Format(time.RFC3339)]
	if gap.Status != logintegrity.NotFound || !strings.Contains(gap.Detail, "CloudTrail was logging through these hours") || !sum.Clean() {
		t.Fatalf("hours after the newest digest while logging: %+v", gap)
	}
	// Logging since before digests that exist, and a status naming no
	// latest digest delivery: deleted digests cannot be told from none.
	s.target.LatestDigestDelivery = time.Time{}
	got, _ = s.verify(nil)
	gap = got["gap:"+t0.Add(3*time.Hour).Format(time.RFC3339)]
	if gap.Status != logintegrity.Error || !strings.Contains(gap.Detail, "names no latest digest delivery") {
		t.Fatalf("hours after the newest digest, logging, no latest digest delivery: %+v", gap)
	}
	// GetTrailStatus unread: an error saying why.
	s.target.LoggingSince, s.target.StatusUnread = time.Time{}, "cloudtrail:GetTrailStatus failed: AccessDenied"
	got, _ = s.verify(nil)
	gap = got["gap:"+t0.Add(3*time.Hour).Format(time.RFC3339)]
	if gap.Status != logintegrity.Error || !strings.Contains(gap.Detail, "AccessDenied") {
		t.Fatalf("hours after the newest digest, status unread: %+v", gap)
	}
}
