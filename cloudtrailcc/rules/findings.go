package rules

// The evaluation context of one rule on one account and the constructors
// of its findings.

import (
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// evalCtx is one rule's evaluation of one account: the inputs and the
// findings produced so far.
type evalCtx struct {
	acct *snapshot.Account
	rule *Rule
	now  time.Time
	out  []Finding
	// org is the organization audit acct is part of (nil for one account).
	org *orgView
}

// emit appends a finding of the rule being evaluated.
// Absent values in ev become JSON null (cleanEvidence).
func (c *evalCtx) emit(st Status, resource, region, reason string, ev map[string]any) {
	c.out = append(c.out, Finding{
		RuleID:    c.rule.ID,
		Status:    st,
		Reason:    reason,
		Resource:  resource,
		AccountID: c.acct.AccountID,
		Region:    region,
		Severity:  c.rule.Severity,
		Evidence:  cleanEvidence(ev),
	})
}

// ok, alarm, info and skip emit a finding of their status.
func (c *evalCtx) ok(resource, region, reason string, ev map[string]any) {
	c.emit(StatusOK, resource, region, reason, ev)
}

func (c *evalCtx) alarm(resource, region, reason string, ev map[string]any) {
	c.emit(StatusAlarm, resource, region, reason, ev)
}

func (c *evalCtx) info(resource, region, reason string, ev map[string]any) {
	c.emit(StatusInfo, resource, region, reason, ev)
}

func (c *evalCtx) skip(resource, region, reason string, ev map[string]any) {
	c.emit(StatusSkip, resource, region, reason, ev)
}

// readError emits an error finding: "could not read WHAT: ACTION failed with CODE".
func (c *evalCtx) readError(resource, region, what string, err *snapshot.ReadError, ev map[string]any) {
	if ev == nil {
		ev = map[string]any{}
	}
	ev["error"] = errEvidence(err)
	reason := "could not read " + what + ": " + describeErr(err)
	if err != nil && err.Ignored != "" {
		// ignored by the connection's option: not evaluated, never ok
		c.emit(StatusSkip, resource, region, "not evaluated: "+reason+", ignored by "+err.Ignored, ev)
		return
	}
	c.emit(StatusError, resource, region, reason, ev)
}
