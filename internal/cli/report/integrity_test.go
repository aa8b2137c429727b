package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestIntegrityOutputsEscapeWhatAKeyMayHold(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rows := []IntegrityRow{
		{Kind: "log", Status: "uncovered", AccountID: "111122223333", Region: "us-east-1", Bucket: "b",
			Key: "AWSLogs/x\x1b]0;owned\x07<script>|*_.json.gz", Detail: "no digest file lists this log file", PeriodStart: &at, PeriodEnd: &at},
		{Kind: "digest", Status: "valid", AccountID: "111122223333", Region: "us-east-1", Bucket: "b", Key: "d.json.gz"},
	}
	for _, f := range IntegrityFormats {
		var buf bytes.Buffer
		if err := WriteIntegrity(&buf, rows, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := buf.String()
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s: a control character reached the output", f)
		}
		if (f == FormatHTML || f == FormatMarkdown) && strings.Contains(out, "<script>") {
			t.Errorf("%s: markup from a key reached the output unescaped", f)
		}
		if f != FormatJSON && !strings.Contains(out, "1/1 digest files valid, 0/1 log files valid") && f != FormatCSV {
			t.Errorf("%s: no summary line:\n%s", f, out)
		}
	}
	if s := IntegritySummaryOf(rows); s.NotIntactTotal != 1 {
		t.Errorf("summary %+v: the uncovered log is not intact", s)
	}
}
