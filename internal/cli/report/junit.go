package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// junitSuites is the testsuites root element.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []*junitSuite `xml:"testsuite"`
}

// junitCounts are the count attributes of testsuites and testsuite.
type junitCounts struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
}

func junitCountsOf(t testTally) junitCounts {
	return junitCounts{Tests: t.Total, Failures: t.Alarms, Errors: t.Errors, Skipped: t.Skipped}
}

// junitSuite is one rule's testsuite.
type junitSuite struct {
	Name      string `xml:"name,attr"`
	Timestamp string `xml:"timestamp,attr"`
	junitCounts
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`

	tally testTally
}

// junitProperty is a name/value property of a testsuite.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitCase is one finding.
type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitProblem `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitProblem is a failure, error or skipped element.
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML, the test report most CI
// systems read: a testsuite per rule (named by the control's full name,
// with the rule's title and severity as properties) and a testcase per
// finding, named by its resource (and region). An alarm is a failure, an
// error an error, a skip skipped; ok and info pass, with the reason as
// system-out. A failure's text adds the rule's remediation. Values are
// XML-escaped, control characters shown escaped (escape.Text).
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
func WriteJUnit(w io.Writer, r *Report) error {
	r = r.Outcomes().escaped(escape.Text)
	doc := junitSuites{Name: r.Benchmark.Title}
	suites := map[string]*junitSuite{}
	names := map[string]int{}
	var total testTally
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		s, ok := suites[f.RuleID]
		if !ok {
			s = &junitSuite{Name: c.FullName, Timestamp: r.Time.Format(time.RFC3339), Properties: []junitProperty{
				{"rule_id", f.RuleID}, {"title", c.Title}, {"severity", c.Severity}, {"group", c.GroupTitle}}}
			suites[f.RuleID] = s
			doc.Suites = append(doc.Suites, s)
		}
		name := f.Resource
		if f.Region != "" {
			name += " (" + f.Region + ")"
		}
		// a rule may judge one resource several times (one finding per event)
		key := f.RuleID + "\x00" + name
		names[key]++
		if n := names[key]; n > 1 {
			name = fmt.Sprintf("%s #%d", name, n)
		}
		tc := junitCase{Classname: c.FullName, Name: name}
		switch f.Status {
		case "alarm":
			tc.Failure = &junitProblem{Message: f.Reason, Type: f.Severity, Text: failureText(f)}
		case "error":
			tc.Error = &junitProblem{Message: f.Reason, Type: "error", Text: f.Reason}
		case "ok", "info":
			tc.SystemOut = f.Status + ": " + f.Reason
		default:
			tc.Skipped = &junitProblem{Message: f.Reason}
		}
		s.Cases = append(s.Cases, tc)
		s.tally.add(f.Status)
		total.add(f.Status)
	}
	for _, s := range doc.Suites {
		s.junitCounts = junitCountsOf(s.tally)
	}
	doc.junitCounts = junitCountsOf(total)
	return writeXML(w, doc, "JUnit XML")
}

// failureText is the body of an alarm's failure element: the reason, then
// the remediation and its CLI.
func failureText(f Finding) string {
	parts := []string{f.Reason}
	if f.Remediation != "" {
		parts = append(parts, "Remediation: "+f.Remediation)
	}
	if f.RemediationCLI != "" {
		parts = append(parts, f.RemediationCLI)
	}
	return strings.Join(parts, "\n\n")
}
