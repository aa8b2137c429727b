package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/net/html"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/tamper"
)

// TestCheckVerifyLogsAddsTheIntegritySectionToTheHTMLReport: check
// --verify-logs over a window of four delivered hours puts the log file
// integrity section into the HTML report (stdout and an .html export
// alike), counting the trail's verdicts for the account; once a log file is
// overwritten, that file is listed as modified and the run fails. Without
// an HTML report, or with a window flag alone, it is a usage error before
// any AWS call.
func TestCheckVerifyLogsAddsTheIntegritySectionToTheHTMLReport(t *testing.T) {
	srv, url := emulatorServer(t)
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	s3c := loggingTrail(t, url, srv.SetClock, srv.AdvanceClock, func(at time.Time) {
		srv.AddEvent(awsemu.EventInput{AccountID: demoAccountID, Region: "us-east-1", EventName: "CreateUser", EventSource: "iam.amazonaws.com", EventTime: at})
	}, t0, 4)
	args := append([]string{"check", "--rule", "log_file_validation", "--verify-logs", "--start-time", "2026-11-30T08:00:00Z", "--end-time", "2026-11-30T12:00:00Z"}, emulatorArgs(url)...)

	r := cli(t, "", append(args, "--output", "html")...)
	if r.code != 0 {
		t.Fatalf("intact: exit %d, want 0\n%s", r.code, r.stderr)
	}
	counts, files := integritySectionOf(t, r.stdout)
	trail := "arn:aws:cloudtrail:us-east-1:" + demoAccountID + ":trail/main"
	if c := counts[trail+"|"+demoAccountID]; c["valid"] < 8 || c["modified"] != 0 || len(counts) != 1 {
		t.Fatalf("intact: counts %v, want the trail's files valid", counts)
	}
	if !strings.Contains(r.stderr, "log file integrity: 4/4 digest files valid") {
		t.Errorf("no integrity summary on stderr:\n%s", r.stderr)
	}

	list, err := s3c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("verify-logs"), Prefix: aws.String("AWSLogs/" + demoAccountID + "/CloudTrail/")})
	if err != nil || len(list.Contents) < 4 {
		t.Fatalf("log files: %v %v", list, err)
	}
	tampered := *list.Contents[2].Key
	if err := tamper.OverwriteLog(context.Background(), s3c, "verify-logs", tampered, "CreateUser", "ListUsers"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r = cli(t, dir, append(args, "--export", "report.html")...)
	if r.code != 1 {
		t.Fatalf("tampered: exit %d, want 1\n%s", r.code, r.stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	counts, files = integritySectionOf(t, string(page))
	if c := counts[trail+"|"+demoAccountID]; c["modified"] != 1 || c["valid"] < 7 {
		t.Errorf("tampered: counts %v, want one modified log file", counts)
	}
	if got := files["s3://verify-logs/"+tampered]; got != "modified" {
		t.Errorf("tampered file listed as %q, want modified (files %v)", got, files)
	}

	for _, bad := range [][]string{
		{"check", "--verify-logs"},
		{"check", "--verify-logs", "--export", "findings.csv"},
		{"check", "--output", "html", "--start-time", "2026-11-30"},
		{"check", "--output", "html", "--verify-logs", "--start-time", "2026-11-30T12:00:00Z", "--end-time", "2026-11-30T12:00:00Z"},
	} {
		r := cli(t, t.TempDir(), append(bad, emulatorArgs(url)...)...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, r.code)
		}
		r.oneErrorLine(t)
	}
}

// integritySectionOf parses an HTML report and returns its log file
// integrity section's counts ("trail|account" -> status -> n) and the
// status of each file it lists as not valid.
func integritySectionOf(t *testing.T, page string) (map[string]map[string]int, map[string]string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	counts := map[string]map[string]int{}
	files := map[string]string{}
	found := false
	// The files not valid are those listed outside the folded list of
	// every file.
	var walk func(n *html.Node, inProblems bool)
	walk = func(n *html.Node, inProblems bool) {
		if n.Type == html.ElementNode {
			switch {
			case attr(n, "id") == "log-integrity":
				found = true
			case n.Data == "details":
				inProblems = false
			case attr(n, "class") == "integrity-group":
				c := map[string]int{}
				for td := n.FirstChild; td != nil; td = td.NextSibling {
					if st := attr(td, "data-status"); st != "" {
						v, err := strconv.Atoi(text(td))
						if err != nil {
							t.Fatalf("count cell %q: %v", text(td), err)
						}
						c[st] = v
					}
				}
				counts[attr(n, "data-trail")+"|"+attr(n, "data-account")] = c
			case attr(n, "class") == "integrity-file" && inProblems:
				var cells []string
				for td := n.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode {
						cells = append(cells, text(td))
					}
				}
				files[cells[4]] = cells[0]
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inProblems)
		}
	}
	walk(doc, true)
	if !found {
		t.Fatalf("the HTML report has no log file integrity section:\n%.2000s", page)
	}
	return counts, files
}
