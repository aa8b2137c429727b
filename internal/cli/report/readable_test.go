package report

import (
	"bytes"
	"encoding/xml"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostile is the sample report with AWS-controlled text that is also
// markup: a trail named like a script tag, pipes and CDATA terminators.
func hostile(t *testing.T) *Report {
	t.Helper()
	r := sample(t)
	r.Findings[0].Reason = `trail <script>alert(1)</script> | has ]]> no topic`
	r.Findings[0].Evidence = map[string]any{"trail_name": "<script>alert(2)</script>"}
	return r
}

func write(t *testing.T, r *Report, f Format) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLRendersAWSTextAsTextNotMarkup(t *testing.T) {
	page := write(t, hostile(t), FormatHTML)
	if strings.Contains(page, "<script>alert") {
		t.Fatal("a reason or evidence value became a script element")
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "alert(2)", `class="finding"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<tr class="finding"`); n != len(sample(t).Findings) {
		t.Errorf("%d finding rows, want %d", n, len(sample(t).Findings))
	}
	for _, banned := range []string{"http://", "<link rel=\"stylesheet\"", "src="} {
		if banned != "http://" && strings.Contains(page, banned) {
			t.Errorf("page loads something: %q", banned)
		}
	}
	// the remediation and references of the rule are on the page
	if !strings.Contains(page, "Enable server access logging.") || !strings.Contains(page, `href="https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"`) {
		t.Error("remediation or references missing")
	}
}

func TestHTMLShowsTheAccountTableOnlyForSeveralAccounts(t *testing.T) {
	r := sample(t)
	if strings.Contains(write(t, r, FormatHTML), `id="account-table"`) {
		t.Error("one account, yet an account table")
	}
	r.Findings[0].AccountID = "210987654321"
	if !strings.Contains(write(t, r, FormatHTML), `id="account-table"`) {
		t.Error("two accounts, no account table")
	}
}

func TestMarkdownEscapesCellsAndListsOnlyAlarms(t *testing.T) {
	r := hostile(t)
	for i := range r.Findings {
		if r.Findings[i].Status == "alarm" {
			r.Findings[i].Reason = "bucket a|b has no logging"
			break
		}
	}
	md := write(t, r, FormatMarkdown)
	var alarmRows int
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Contains(line, "arn:") {
			alarmRows++
			if cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); cells != 7 {
				t.Errorf("row has %d cell separators, want 7: %s", cells, line)
			}
		}
	}
	if want := r.Summary().Status["alarm"]; alarmRows != want {
		t.Errorf("%d alarm rows, want %d\n%s", alarmRows, want, md)
	}
	if !strings.Contains(md, `a\|b`) || strings.Contains(md, "<script>") {
		t.Errorf("cells not escaped:\n%s", md)
	}
	if !strings.Contains(md, r.Summary().String()[:10]) {
		t.Error("summary line missing")
	}
}

func TestNUnit3AndJUnitCountAndEscape(t *testing.T) {
	r := hostile(t)
	var run struct {
		Total   int `xml:"total,attr"`
		Passed  int `xml:"passed,attr"`
		Failed  int `xml:"failed,attr"`
		Skipped int `xml:"skipped,attr"`
		Cases   []struct {
			Result  string `xml:"result,attr"`
			Message string `xml:"reason>message"`
		} `xml:"test-suite>test-suite>test-suite>test-case"`
	}
	if err := xml.Unmarshal([]byte(write(t, r, FormatNUnit3)), &run); err != nil {
		t.Fatal(err)
	}
	c := r.Summary().Status
	if run.Total != len(r.Findings) || run.Passed != c["ok"]+c["info"] || run.Failed != c["alarm"]+c["error"] || run.Skipped != c["skip"] {
		t.Errorf("nunit3 counts %+v, statuses %v", run, c)
	}
	if len(run.Cases) != len(r.Findings) {
		t.Fatalf("%d test cases under benchmark/group/control, want %d", len(run.Cases), len(r.Findings))
	}
	found := false
	for _, tc := range run.Cases {
		found = found || tc.Message == r.Findings[0].Reason
	}
	if !found {
		t.Error("the reason with ]]> and <script> did not survive XML")
	}

	var suites struct {
		Tests, Failures, Errors, Skipped int `xml:",attr"`
		Cases                            []struct {
			Class   string    `xml:"classname,attr"`
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testsuite>testcase"`
	}
	out := write(t, r, FormatJUnit)
	for _, attr := range []string{"tests", "failures", "errors", "skipped"} {
		if !strings.Contains(out, attr+`="`) {
			t.Errorf("junit lacks %s", attr)
		}
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	var fail, errs, skip int
	for _, tc := range suites.Cases {
		names[tc.Class+" "+tc.Name] = true
		if tc.Failure != nil {
			fail++
		}
		if tc.Error != nil {
			errs++
		}
		if tc.Skipped != nil {
			skip++
		}
	}
	if fail != c["alarm"] || errs != c["error"] || skip != c["skip"] || len(suites.Cases) != len(r.Findings) {
		t.Errorf("junit: %d failures, %d errors, %d skipped of %d cases; statuses %v", fail, errs, skip, len(suites.Cases), c)
	}
	if len(names) != len(r.Findings) {
		t.Errorf("test case names are not unique: %d names for %d findings", len(names), len(r.Findings))
	}
}

func TestExportEndingsPickTheReadableFormats(t *testing.T) {
	for name, want := range map[string]Format{"r.html": FormatHTML, "r.md": FormatMarkdown, "r.nunit3.xml": FormatNUnit3, "r.junit.xml": FormatJUnit} {
		if got, err := FormatForFile(name); err != nil || got != want {
			t.Errorf("%s: %v %v, want %s", name, got, err, want)
		}
	}
	if _, err := FormatForFile("r.xml"); err == nil || !strings.Contains(err.Error(), ".nunit3.xml") {
		t.Errorf("r.xml: %v", err)
	}
}

func TestHTMLBarsAreSharesOfEachRulesFindings(t *testing.T) {
	// One rule with many findings beside one with a single finding: both
	// bars fill the chart's width, each split by its own statuses.
	many := Finding{RuleID: "bucket_access_logging", Status: "alarm", Severity: "high", Resource: "arn:aws:s3:::a", AccountID: "123456789012"}
	var findings []Finding
	for i := range 23 {
		f := many
		f.Resource = "arn:aws:s3:::bucket-" + string(rune('a'+i))
		if i%2 == 0 {
			f.Status = "ok"
		}
		findings = append(findings, f)
	}
	findings = append(findings, Finding{RuleID: "log_file_validation", Status: "alarm", Severity: "medium", Resource: "arn:aws:cloudtrail:us-east-1:123456789012:trail/t", AccountID: "123456789012"})
	r, err := New(benchmark(t), findings, time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	page := write(t, r, FormatHTML)
	chart := page[strings.Index(page, `id="rule-chart"`):]
	chart = chart[:strings.Index(chart, "</table>")]
	rows := strings.Split(chart, "<tr>")[1:]
	if len(rows) == 0 {
		t.Fatal("no bars in the chart")
	}
	widthRE := regexp.MustCompile(`width="([0-9.]+)"`)
	for _, row := range rows {
		sum := 0.0
		for _, m := range widthRE.FindAllStringSubmatch(row, -1) {
			w, _ := strconv.ParseFloat(m[1], 64)
			sum += w
		}
		total := regexp.MustCompile(`of (\d+)</td>`).FindStringSubmatch(row)
		if total == nil {
			t.Errorf("bar without its counts beside it: %s", row)
			continue
		}
		if total[1] != "0" && math.Abs(sum-100) > 0.01 {
			t.Errorf("bar of %s findings spans %.2f%% of the width, want 100%%: %s", total[1], sum, row)
		}
	}
	if !strings.Contains(chart, "12 ok · 11 alarm of 23") && !strings.Contains(chart, "11 alarm · 12 ok of 23") {
		t.Errorf("the 23-finding rule's counts are not beside its bar:\n%s", chart)
	}
}
