package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// payload is text an attacker or an unlucky reply could put in any string
// field of a finding: every way out of a CSV cell (a formula first), an
// XML section or attribute, an HTML element, a Markdown cell, and the
// terminal (ESC sequences that clear the screen or set the title, NUL, DEL,
// C1 CSI, a bidirectional override, a byte that is not UTF-8).
const payload = "=cmd|' /C calc'!A0\n$(touch pwned)`id`; \"q' ]]> <script>alert(1)</script><img src=x onerror=alert(2)> " +
	"| *b* [l](javascript:alert(3)) https://evil.example ${x} %{y} \x1b[2J\x1b]0;title\x07 \x00 \x7f \u009b31m \u202egnp.exe \xff\r\nend\t."

// hostileFindings is a report whose every string field the plugin or a
// file could fill holds the payload: an alarm, a suppressed alarm (its
// exception's reason and owner too), an ok and an error.
func hostileReport(t *testing.T) *Report {
	t.Helper()
	f := Finding{Reason: payload, Resource: payload, AccountID: payload, Region: payload, Partition: payload,
		Evidence: map[string]any{"trail_name": payload, "list": []any{payload}},
		Title:    payload, Description: payload, ConformityID: payload, ConformityRisk: payload,
		Remediation: payload, RemediationCLI: payload, Related: []string{payload}, References: []string{payload}}
	var findings []Finding
	for _, c := range []struct {
		rule, status, severity string
		suppressed             bool
	}{
		{"bucket_not_public", "alarm", "critical", false},
		{"bucket_access_logging", "alarm", "high", true},
		{"log_file_validation", "ok", "high", false},
		{"kms_encryption", "error", "medium", false},
	} {
		g := f
		g.RuleID, g.Status, g.Severity, g.Suppressed = c.rule, rules.Status(c.status), c.severity, c.suppressed
		if c.suppressed {
			g.SuppressionReason, g.SuppressionOwner, g.SuppressionExpires = payload, payload, payload
		}
		findings = append(findings, g)
	}
	r, err := New(benchmark(t), findings, sample(t).Time, "test")
	if err != nil {
		t.Fatal(err)
	}
	// A verification whose every outside value holds the payload: a
	// tampered file in a trail and account named by it, and a verdict the
	// section does not know.
	r.Integrity = &Integrity{Start: r.Time.Add(-time.Hour), End: r.Time, Rows: []IntegrityRow{
		{TrailARN: payload, AccountID: payload, Region: payload, Kind: "log", Status: "modified", ControlStatus: "alarm", Bucket: payload, Key: payload, Detail: payload, DigestKey: payload},
		{TrailARN: payload, AccountID: payload, Region: payload, Kind: payload, Status: payload, ControlStatus: payload, Bucket: payload, Detail: payload},
	}}
	return r
}

// controlBytes reports the first byte of out below 0x20 that allow does
// not list, or DEL, or a C1 control (UTF-8 0xc2 0x80-0x9f).
func controlBytes(out, allow string) string {
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c < 0x20 && !strings.ContainsRune(allow, rune(c)) || c == 0x7f || c == 0xc2 && i+1 < len(out) && out[i+1] >= 0x80 && out[i+1] <= 0x9f {
			return strings.ToValidUTF8(out[max(0, i-30):min(len(out), i+30)], "?")
		}
	}
	return ""
}

// TestHostileFindingInEveryFormat writes a report whose every string field
// holds the payload in every format, and reads each back in its own
// language: nothing the payload holds becomes syntax, a control character
// or a second row.
func TestHostileFindingInEveryFormat(t *testing.T) {
	r := hostileReport(t)
	n := len(r.Findings)
	out := map[Format]string{}
	for _, f := range Formats {
		out[f] = write(t, r, f)
	}

	t.Run("table", func(t *testing.T) {
		if bad := controlBytes(out[FormatTable], "\n"); bad != "" {
			t.Errorf("the terminal table holds a control character: %q", bad)
		}
		if !strings.Contains(out[FormatTable], `\x1b[2J`) {
			t.Error("ESC is not shown escaped as \\x1b")
		}
	})

	t.Run("csv", func(t *testing.T) {
		rd := csv.NewReader(strings.NewReader(out[FormatCSV]))
		rows, err := rd.ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		if len(rows) != n+1 {
			t.Fatalf("%d CSV rows, want header + %d", len(rows), n)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		for _, row := range rows[1:] {
			if len(row) != len(rows[0]) {
				t.Fatalf("row has %d cells, header %d", len(row), len(rows[0]))
			}
			if got, want := row[col["resource"]], "'"+escape.Terminal(payload); got != want {
				t.Errorf("resource cell = %q, want %q (formula quoted, control characters shown)", got, want)
			}
		}
		if bad := controlBytes(out[FormatCSV], "\n"); bad != "" {
			t.Errorf("the CSV holds a control character: %q", bad)
		}
	})

	for _, f := range []Format{FormatJSON, FormatASFF, FormatOCSF} {
		t.Run(string(f), func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(out[f]), &doc); err != nil {
				t.Fatalf("%s does not parse: %v", f, err)
			}
			// JSON escapes for itself: the value comes back as it went in
			// (the byte that is not UTF-8 as U+FFFD)
			want := strings.ToValidUTF8(payload, "\uFFFD")
			if !holds(doc, want) {
				t.Errorf("%s lost the payload", f)
			}
			if bad := controlBytes(out[f], "\n"); bad != "" {
				t.Errorf("%s holds a raw control character: %q", f, bad)
			}
		})
	}

	t.Run("html", func(t *testing.T) {
		doc, err := html.Parse(strings.NewReader(out[FormatHTML]))
		if err != nil {
			t.Fatal(err)
		}
		scripts, handlers, rows, files := 0, 0, 0, 0
		var classes []string
		var text strings.Builder
		var walk func(*html.Node)
		walk = func(nd *html.Node) {
			if nd.Type == html.ElementNode {
				switch nd.Data {
				case "script":
					scripts++
				case "img":
					t.Errorf("the payload became an <img> element")
				case "tr":
					for _, a := range nd.Attr {
						if a.Key == "class" && a.Val == "finding" {
							rows++
						}
						if a.Key == "class" && a.Val == "integrity-file" {
							files++
						}
					}
				case "td":
					for _, a := range nd.Attr {
						if a.Key == "class" && strings.HasPrefix(a.Val, "verdict ") {
							classes = append(classes, a.Val)
						}
					}
				}
				for _, a := range nd.Attr {
					if strings.HasPrefix(a.Key, "on") {
						handlers++
					}
					if a.Key == "href" && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
						t.Errorf("a javascript: link: %q", a.Val)
					}
				}
			}
			if nd.Type == html.TextNode {
				text.WriteString(nd.Data)
			}
			for c := nd.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if scripts != 1 || handlers != 0 || rows != n {
			t.Errorf("%d script elements (want the page's 1), %d event handler attributes, %d finding rows (want %d)", scripts, handlers, rows, n)
		}
		if !strings.Contains(text.String(), "<script>alert(1)</script>") {
			t.Error("the payload's markup is not shown as text")
		}
		// The log file integrity section: both rows as files not valid and
		// in the list of every file, the payload shown as text (the file
		// as s3://BUCKET/KEY), the unknown verdict coloured as an error.
		if files != 4 || !strings.Contains(text.String(), "s3://"+escape.Text(payload)+"/"+escape.Text(payload)) {
			t.Errorf("%d integrity file rows (want 4), or the payload's file is not shown as text", files)
		}
		for _, c := range classes {
			if c != "verdict s-alarm" && c != "verdict s-error" {
				t.Errorf("an integrity verdict of the payload has class %q", c)
			}
		}
		if bad := controlBytes(out[FormatHTML], "\n\t"); bad != "" {
			t.Errorf("the HTML holds a control character: %q", bad)
		}
	})

	t.Run("md", func(t *testing.T) {
		md := out[FormatMarkdown]
		alarms := 0
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") && strings.Contains(line, "bucket") {
				alarms++
				if cells := len(unescaped(line, "|")); cells != 7 {
					t.Errorf("alarm row has %d cell separators, want 7: %s", cells, line)
				}
			}
		}
		if alarms != 1 {
			t.Errorf("%d alarm rows, want 1 (the suppressed alarm is a skip)\n%s", alarms, md)
		}
		for _, raw := range []string{"<", "](", "*", "`", "[", "https://", "&"} {
			if len(unescaped(md, raw)) > 0 {
				t.Errorf("Markdown holds %q unescaped", raw)
			}
		}
		if bad := controlBytes(md, "\n"); bad != "" {
			t.Errorf("the Markdown holds a control character: %q", bad)
		}
	})

	for _, f := range []Format{FormatNUnit3, FormatJUnit} {
		t.Run(string(f), func(t *testing.T) {
			d := xml.NewDecoder(strings.NewReader(out[f]))
			cases, reasons := 0, 0
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s is not well-formed XML: %v", f, err)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					if tok.Name.Local == "test-case" || tok.Name.Local == "testcase" {
						cases++
					}
				case xml.CharData:
					if strings.Contains(string(tok), escape.Text(payload)) {
						reasons++
					}
				}
			}
			if cases != n || reasons == 0 {
				t.Errorf("%d test cases (want %d), %d texts holding the payload as shown text", cases, n, reasons)
			}
			if bad := controlBytes(out[f], "\n\t"); bad != "" {
				t.Errorf("%s holds a control character: %q", f, bad)
			}
		})
	}
}

// unescaped returns the offsets of s in md not preceded by an unescaped
// backslash.
func unescaped(md, s string) []int {
	var at []int
	for i := 0; i+len(s) <= len(md); i++ {
		if md[i:i+len(s)] != s {
			continue
		}
		slashes := 0
		for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
			slashes++
		}
		if slashes%2 == 0 {
			at = append(at, i)
		}
	}
	return at
}

// holds reports whether the JSON value v holds the string s somewhere.
func holds(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return v == s
	case []any:
		for _, e := range v {
			if holds(e, s) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if holds(e, s) {
				return true
			}
		}
	}
	return false
}

// TestOrdinaryValuesAreWrittenAsBefore: the escapes change nothing of a
// report without control characters (the demo account's outputs are
// compared byte for byte in the same way).
func TestOrdinaryValuesAreWrittenAsBefore(t *testing.T) {
	r := sample(t)
	for _, f := range []Format{FormatTable, FormatHTML, FormatNUnit3, FormatJUnit} {
		var plain bytes.Buffer
		var err error
		switch f {
		case FormatTable:
			err = WriteTable(&plain, r, TableOptions{})
		default:
			err = Write(&plain, r, f)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := write(t, r.escaped(escape.Text), f); got != plain.String() {
			t.Errorf("%s: escaping ordinary values changed the output", f)
		}
	}
}
