package logintegrity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/validatelogs"
)

// awsCLIVerdicts runs aws-cli's validate-logs over the scenario and returns
// its verdict per s3://bucket/key ("valid" or "INVALID: reason") and its
// exit code. It validates region (the CLI's --region) and, for an
// organization trail, account.
func awsCLIVerdicts(t *testing.T, s *scenario, region, account string) (map[string]string, int, time.Duration) {
	t.Helper()
	if err := validatelogs.Available(); err != nil {
		t.Skip(err)
	}
	out, err := validatelogs.Run{Endpoint: s.url, Region: region, TrailARN: s.trail, Start: s.target.Start, End: s.target.End, Account: account}.Do(ctx)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, out.Stdout, out.Stderr)
	}
	return out.Verdicts, out.ExitCode, out.Wall
}

// sameVerdict says whether aws-cli's verdict on a file and ours agree:
// both valid, or both not.
func sameVerdict(cli string, ours logintegrity.Status) bool {
	return (cli == "valid") == (ours == logintegrity.Valid)
}

func keyTime(key string) time.Time {
	at, _ := time.Parse(time.RFC3339, keyEnd(key))
	return at
}

func TestAWSCLIValidatorAgreesPerFile(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(s *scenario, digests, logs []string)
		// cliMissed checks what aws-cli is known to miss and we report.
		cliMissed func(t *testing.T, digests []string, cli map[string]string, ours map[string]logintegrity.Result)
	}{
		{name: "intact chain"},
		{name: "log overwritten", tamper: func(s *scenario, _, logs []string) { s.overwriteLog(logs[10]) }},
		{name: "one digest deleted", tamper: func(s *scenario, d, _ []string) { s.del(d[2]) }},
		{
			name:   "two consecutive digests deleted",
			tamper: func(s *scenario, d, _ []string) { s.del(d[2]); s.del(d[3]) },
			// aws-cli issue 7054: after the first missing digest it jumps to
			// the next listed one and never reports the second.
			cliMissed: func(t *testing.T, d []string, cli map[string]string, ours map[string]logintegrity.Result) {
				if v, ok := cli["s3://"+bucket+"/"+d[2]]; ok {
					t.Errorf("aws-cli reported the second deleted digest (%s): issue 7054 fixed? update this test", v)
				}
				gap := ours["gap:"+keyEnd(d[1])]
				hour := keyTime(d[2]).Add(-time.Hour)
				if gap.Status != logintegrity.Deleted || gap.Start.After(hour) || gap.End.Before(hour) {
					t.Errorf("cloudtrailcc gap for the second deleted digest = %+v", gap)
				}
				t.Logf("aws-cli issue 7054: %s not reported by aws-cli; cloudtrailcc: gap %s (%s)", d[2], gap.Status, gap.Detail)
			},
		},
		{name: "digest re-signed with a foreign key", tamper: func(s *scenario, d, _ []string) { s.resignForeign(d[3]) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScenario(t, 5)
			digests, logs := s.digests(), s.logs()
			if c.tamper != nil {
				c.tamper(s, digests, logs)
			}
			cli, code, took := awsCLIVerdicts(t, s, home, "")
			began := time.Now()
			ours, sum := s.verify(nil)
			t.Logf("aws-cli %s (exit %d), cloudtrailcc %s; ours: %s", took.Round(time.Millisecond), code, time.Since(began).Round(time.Millisecond), statuses(ours))
			if c.cliMissed != nil {
				c.cliMissed(t, digests, cli, ours)
			}
			for uri, verdict := range cli {
				key := strings.TrimPrefix(uri, "s3://"+bucket+"/")
				r, ok := ours[key]
				if !ok {
					t.Errorf("aws-cli judged %s (%s); cloudtrailcc did not", uri, verdict)
					continue
				}
				if !sameVerdict(verdict, r.Status) {
					t.Errorf("%s: aws-cli %q, cloudtrailcc %q (%s)", uri, verdict, r.Status, r.Detail)
				}
			}
			for key, r := range ours {
				if r.Kind == logintegrity.KindGap || r.Status == logintegrity.Uncovered {
					continue // aws-cli does not look for these
				}
				uri := "s3://" + bucket + "/" + key
				if _, ok := cli[uri]; ok {
					continue
				}
				if r.Kind == logintegrity.KindLog && r.Status == logintegrity.Valid && r.Detail != "" {
					continue // listed by a digest aws-cli rejected: it checks none of those logs
				}
				t.Errorf("cloudtrailcc judged %s %s; aws-cli did not report it", uri, r.Status)
			}
			if (code == 0) != sum.Clean() {
				t.Errorf("aws-cli exit %d, cloudtrailcc clean=%v", code, sum.Clean())
			}
			if c.tamper == nil && (code != 0 || len(cli) != len(digests)+len(logs)) {
				t.Errorf("intact chain: aws-cli exit %d judged %d files, want 0 and %d", code, len(cli), len(digests)+len(logs))
			}
		})
	}
}
