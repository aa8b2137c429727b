package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// integritySample is a verification of two trails: the organization trail
// for two accounts (one with a modified log file, one with a deleted
// digest, a not_found gap and an unreadable digest), the other all valid.
func integritySample() *Integrity {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	org, app := "arn:aws:cloudtrail:us-east-1:111122223333:trail/org", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/app"
	row := func(trail, account, kind, status, control, key, detail string) IntegrityRow {
		return IntegrityRow{TrailARN: trail, AccountID: account, Region: "us-east-1", Kind: kind, Status: status, ControlStatus: control,
			Bucket: "logs", Key: key, Detail: detail, PeriodStart: &start, PeriodEnd: &start}
	}
	return &Integrity{Start: start, End: start.Add(24 * time.Hour), Rows: []IntegrityRow{
		row(org, "111122223333", "digest", "valid", "ok", "d1.json.gz", ""),
		row(org, "111122223333", "digest", "valid", "ok", "d2.json.gz", ""),
		row(org, "111122223333", "log", "valid", "ok", "l1.json.gz", ""),
		row(org, "111122223333", "log", "modified", "alarm", "l2.json.gz", "its SHA-256 differs from the digest's hashValue"),
		row(org, "444455556666", "digest", "deleted", "alarm", "d3.json.gz", "the next digest names this digest file, which is not in the bucket"),
		row(org, "444455556666", "gap", "not_found", "info", "", "no digest before 2026-12-01T05:00:00Z"),
		row(org, "444455556666", "digest", "error", "error", "d4.json.gz", "not gzip"),
		row(app, "111122223333", "digest", "valid", "ok", "a1.json.gz", ""),
	}}
}

// element finds the first element below n with attribute key = val.
func element(n *html.Node, key, val string) *html.Node {
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == key && a.Val == val {
				return n
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if e := element(c, key, val); e != nil {
			return e
		}
	}
	return nil
}

// elements lists the elements below n with attribute key = val.
func elements(n *html.Node, key, val string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == key && a.Val == val {
					out = append(out, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// integrityCounts reads the section's counts table: "trail|account" ->
// status -> count.
func integrityCounts(t *testing.T, section *html.Node) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	for _, tr := range elements(section, "class", "integrity-group") {
		counts := map[string]int{}
		for td := tr.FirstChild; td != nil; td = td.NextSibling {
			if st := attr(td, "data-status"); st != "" {
				n, err := strconv.Atoi(textOf(td))
				if err != nil {
					t.Fatalf("count cell %q: %v", textOf(td), err)
				}
				counts[st] = n
			}
		}
		out[attr(tr, "data-trail")+"|"+attr(tr, "data-account")] = counts
	}
	return out
}

// integrityFiles reads the rows of the table under n: status and class of
// each file.
func integrityFiles(n *html.Node) map[string][2]string {
	out := map[string][2]string{}
	for _, tr := range elements(n, "class", "integrity-file") {
		var cells []*html.Node
		for td := tr.FirstChild; td != nil; td = td.NextSibling {
			if td.Type == html.ElementNode {
				cells = append(cells, td)
			}
		}
		out[textOf(cells[4])] = [2]string{textOf(cells[0]), attr(cells[0], "class")}
	}
	return out
}

func TestHTMLReportShowsTheLogIntegritySection(t *testing.T) {
	r := sample(t)
	without := write(t, r, FormatHTML)
	if strings.Contains(without, "log-integrity") {
		t.Fatal("a report without verification has a log file integrity section")
	}
	r.Integrity = integritySample()
	page := write(t, r, FormatHTML)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	section := element(doc, "id", "log-integrity")
	if section == nil {
		t.Fatal("no log file integrity section")
	}
	// The findings are all still there.
	if n := len(elements(doc, "class", "finding")); n != len(r.Findings) {
		t.Errorf("%d finding rows, want %d", n, len(r.Findings))
	}
	head := textOf(section)
	for _, want := range []string{"Window 2026-12-01T00:00:00Z to 2026-12-02T00:00:00Z", "3/5 digest files valid, 1/2 log files valid, 1 gaps"} {
		if !strings.Contains(head, want) {
			t.Errorf("section does not say %q", want)
		}
	}
	org, app := "arn:aws:cloudtrail:us-east-1:111122223333:trail/org", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/app"
	counts := integrityCounts(t, section)
	want := map[string]map[string]int{
		org + "|111122223333": {"valid": 3, "modified": 1},
		org + "|444455556666": {"deleted": 1, "not_found": 1, "error": 1},
		app + "|111122223333": {"valid": 1},
	}
	if len(counts) != len(want) {
		t.Fatalf("counts per trail and account %v, want %v", counts, want)
	}
	for k, w := range want {
		for _, st := range IntegrityStatuses {
			if counts[k][st] != w[st] {
				t.Errorf("%s %s: %d, want %d", k, st, counts[k][st], w[st])
			}
		}
	}
	// The files not valid, each coloured by its control status, never ok.
	problems := element(section, "class", "integrity-files")
	got := integrityFiles(problems)
	for file, w := range map[string][2]string{
		"s3://logs/l2.json.gz": {"modified", "verdict s-alarm"},
		"s3://logs/d3.json.gz": {"deleted", "verdict s-alarm"},
		"s3://logs/d4.json.gz": {"error", "verdict s-error"},
	} {
		if got[file] != w {
			t.Errorf("files not valid: %s is %v, want %v", file, got[file], w)
		}
	}
	if len(got) != 4 {
		t.Errorf("files not valid: %v, want the 4 rows not valid", got)
	}
	every := integrityFiles(element(section, "id", "log-integrity"))
	if len(every) < 7 {
		t.Errorf("the section lists %d files, want every file (8 rows, the gap without a key)", len(every))
	}
	if d := elements(section, "open", ""); len(d) != 0 {
		t.Error("the report's list of every file is unfolded; it is folded in the check report")
	}
}

func TestVerifyHTMLPageIsTheSection(t *testing.T) {
	v := integritySample()
	var buf bytes.Buffer
	if err := v.Write(&buf, FormatHTML); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	section := element(doc, "id", "log-integrity")
	if section == nil {
		t.Fatal("verify's page has no log file integrity section")
	}
	if c := integrityCounts(t, section); c["arn:aws:cloudtrail:us-east-1:111122223333:trail/org|111122223333"]["modified"] != 1 {
		t.Errorf("counts %v", c)
	}
	details := elements(section, "open", "")
	if len(details) != 1 || integrityFiles(details[0])["s3://logs/l2.json.gz"][0] != "modified" {
		t.Error("verify's page does not list every file unfolded")
	}
	if len(elements(doc, "class", "finding")) != 0 {
		t.Error("verify's page has finding rows")
	}
	// Nothing verified is said so, never shown as valid.
	buf.Reset()
	if err := (Integrity{}).Write(&buf, FormatHTML); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Nothing was verified") || strings.Contains(buf.String(), "integrity-counts") {
		t.Errorf("an empty verification:\n%s", buf.String())
	}
}
