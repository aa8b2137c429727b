package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// testTally counts test cases as the CI formats do: ok and info pass,
// alarm and error fail, skip is skipped.
type testTally struct {
	Total, Passed, Failed, Skipped int
	// Alarms and Errors split Failed (JUnit counts them apart).
	Alarms, Errors int
}

// add counts one finding of status s.
func (t *testTally) add(s string) {
	t.Total++
	switch s {
	case "ok", "info":
		t.Passed++
	case "alarm":
		t.Failed++
		t.Alarms++
	case "error":
		t.Failed++
		t.Errors++
	default:
		t.Skipped++
	}
}

// merge adds another tally.
func (t *testTally) merge(o testTally) {
	t.Total += o.Total
	t.Passed += o.Passed
	t.Failed += o.Failed
	t.Skipped += o.Skipped
	t.Alarms += o.Alarms
	t.Errors += o.Errors
}

// nunitStatus maps a finding status to an NUnit3 test-case result.
func nunitStatus(s string) string {
	switch s {
	case "ok", "info":
		return "Passed"
	case "alarm", "error":
		return "Failed"
	}
	return "Skipped"
}

// nunitCounts are the count attributes of test-run and test-suite.
type nunitCounts struct {
	TestCaseCount int `xml:"testcasecount,attr"`
	Total         int `xml:"total,attr"`
	Passed        int `xml:"passed,attr"`
	Failed        int `xml:"failed,attr"`
	Skipped       int `xml:"skipped,attr"`
}

func nunitCountsOf(t testTally) nunitCounts {
	return nunitCounts{TestCaseCount: t.Total, Total: t.Total, Passed: t.Passed, Failed: t.Failed, Skipped: t.Skipped}
}

// nunitRun is the test-run element.
type nunitRun struct {
	XMLName xml.Name `xml:"test-run"`
	nunitCounts
	Suites []*nunitSuite `xml:"test-suite"`
}

// nunitSuite is a test-suite: a benchmark (group) or a control.
type nunitSuite struct {
	ID   string `xml:"id,attr"`
	Name string `xml:"name,attr"`
	nunitCounts
	Suites []*nunitSuite `xml:"test-suite"`
	Cases  []nunitCase   `xml:"test-case"`

	tally testTally
}

// nunitCase is a test-case: one finding.
type nunitCase struct {
	ID         string          `xml:"id,attr"`
	Name       string          `xml:"name,attr"`
	Result     string          `xml:"result,attr"`
	Properties []nunitProperty `xml:"properties>property"`
	Reason     nunitReason     `xml:"reason"`
}

// nunitReason holds a test case's message as CDATA.
type nunitReason struct {
	Message struct {
		Text string `xml:",cdata"`
	} `xml:"message"`
}

// nunitProperty is a key/value property of a test case.
type nunitProperty struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// WriteNUnit3 writes the report in the NUnit3 layout Powerpipe v1.5.2
// exports for a benchmark run (--export nunit3): a test-run holding the
// root benchmark's test-suite, a test-suite per sub-benchmark and per
// control, and a test-case per finding with the steampipe:status,
// steampipe:reason and steampipe:dimension:KEY properties and the reason as
// its message. ok and info pass, alarm and error fail, skip is skipped.
// Only benchmarks and controls with findings appear. Unlike Powerpipe's
// text template, every value is XML-escaped, control characters shown
// escaped (escape.Text): the document is well-formed whatever AWS said.
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
func WriteNUnit3(w io.Writer, r *Report) error {
	r = r.Outcomes().escaped(escape.Text)
	b := r.Benchmark
	root := &nunitSuite{ID: b.ID, Name: b.Title}
	groups := map[string]*nunitSuite{b.ID: root}
	controls := map[string]*nunitSuite{}
	for _, f := range r.Findings {
		c, _ := b.Control(f.RuleID)
		ctl, ok := controls[f.RuleID]
		if !ok {
			group, ok := groups[c.GroupID]
			if !ok {
				group = &nunitSuite{ID: c.GroupID, Name: c.GroupTitle}
				groups[c.GroupID] = group
				root.Suites = append(root.Suites, group)
			}
			ctl = &nunitSuite{ID: c.ControlID, Name: c.FullName}
			controls[f.RuleID] = ctl
			group.Suites = append(group.Suites, ctl)
		}
		props := []nunitProperty{{"steampipe:status", f.Status}, {"steampipe:reason", f.Reason}}
		for _, d := range b.Dimensions {
			props = append(props, nunitProperty{"steampipe:dimension:" + d.Key, f.dimension(d)})
		}
		idx := strconv.Itoa(len(ctl.Cases))
		tc := nunitCase{ID: c.RuleID + "::" + idx, Name: c.FullName + "::" + idx, Result: nunitStatus(f.Status), Properties: props}
		tc.Reason.Message.Text = f.Reason
		ctl.Cases = append(ctl.Cases, tc)
		ctl.tally.add(f.Status)
	}
	run := nunitRun{Suites: []*nunitSuite{root}}
	run.nunitCounts = nunitCountsOf(root.count())
	return writeXML(w, run, "NUnit3")
}

// count fills in the counts of s and its children and returns s's tally.
func (s *nunitSuite) count() testTally {
	for _, c := range s.Suites {
		s.tally.merge(c.count())
	}
	s.nunitCounts = nunitCountsOf(s.tally)
	return s.tally
}

// writeXML writes v as an indented XML document.
func writeXML(w io.Writer, v any, what string) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
