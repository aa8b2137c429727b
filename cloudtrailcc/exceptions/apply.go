package exceptions

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// StaleRule is the rule under which an entry for every rule (AnyRule) that
// matches no alarm is reported; an entry for one rule is reported under it.
const StaleRule = "multi_region"

// Suppression is the exception a suppressed finding carries.
type Suppression struct {
	// Reason is the entry's reason.
	Reason string
	// Expires is the entry's expiry date, YYYY-MM-DD.
	Expires string
	// Owner is the entry's owner (may be empty).
	Owner string
}

// Judged is a finding after the exceptions were applied.
type Judged struct {
	rules.Finding
	// Suppression is set when an unexpired entry matches the alarm.
	Suppression *Suppression
}

// Outcome is the status and reason a benchmark control reports for a
// finding: a suppressed alarm is skip, with the reason "suppressed until
// DATE by OWNER: REASON (was: ORIGINAL REASON)"; any other finding is
// reported as evaluated. The mod's controls, the CLI's table and CSV and
// every benchmark-style export show this.
func Outcome(status rules.Status, reason string, s *Suppression) (rules.Status, string) {
	if s == nil || status != rules.StatusAlarm {
		return status, reason
	}
	return rules.StatusSkip, fmt.Sprintf("%s (was: %s)", s, reason)
}

// String is "suppressed until DATE by OWNER: REASON" (without " by OWNER"
// when the exception names no owner).
func (s *Suppression) String() string {
	by := ""
	if s.Owner != "" {
		by = " by " + s.Owner
	}
	return fmt.Sprintf("suppressed until %s%s: %s", s.Expires, by, s.Reason)
}

// Rules returns the rules to evaluate so that the findings of the rules
// asked for (none: all) can be judged: those asked, or all of them when an
// entry for every rule could be reported stale under StaleRule (only the
// findings of every rule show it matches nothing). A nil List needs no more
// than asked.
func (l *List) Rules(asked []string) []string {
	if l == nil || len(asked) == 0 || !slices.Contains(asked, StaleRule) {
		return asked
	}
	for _, e := range l.Entries {
		if e.Rule == AnyRule {
			return nil
		}
	}
	return asked
}

// Apply judges found, the findings of the rules l.Rules(asked) returns,
// and returns those of the rules asked (none: all) in the order found, then
// one info finding per stale entry. An alarm that an unexpired entry
// matches is suppressed by the first such entry; one that only expired
// entries match keeps its status and its reason says when its exception
// expired. An entry is stale when it matches no alarm; it is reported only
// when every rule it names was evaluated. Findings other than alarms are
// never changed: an exception accepts a failed check, never an unread fact.
// account is the account a stale entry without one is reported under.
func (l *List) Apply(found []rules.Finding, asked []string, account, partition string, now time.Time) []Judged {
	return slices.Collect(l.Judge(slices.Values(found), asked, account, partition, now))
}

// Judge is Apply over a stream of findings: each is judged as it comes and
// passed on, so no more than one finding is held; the stale and allow_all
// entries, which need every finding, come after the last.
func (l *List) Judge(found iter.Seq[rules.Finding], asked []string, account, partition string, now time.Time) iter.Seq[Judged] {
	return func(yield func(Judged) bool) {
		var counts []int
		if l != nil {
			counts = make([]int, len(l.Entries))
		}
		for f := range found {
			j := Judged{Finding: f}
			if active, expired := l.match(&f, now); active != nil {
				j.Suppression = &Suppression{Reason: active.Reason, Expires: active.ExpiresText(), Owner: active.Owner}
			} else if expired != nil {
				j.Reason = fmt.Sprintf("%s (its exception, %s:%d, expired on %s)", j.Reason, l.Name(), expired.Line, expired.ExpiresText())
			}
			l.count(counts, &f)
			if (len(asked) == 0 || slices.Contains(asked, f.RuleID)) && !yield(j) {
				return
			}
		}
		if l == nil {
			return
		}
		evaluated := l.Rules(asked)
		for i, e := range l.Entries {
			rule := e.Rule
			if rule == AnyRule {
				rule = StaleRule
			}
			judgedAll := len(evaluated) == 0 || e.Rule != AnyRule && slices.Contains(evaluated, e.Rule)
			if counts[i] > 0 || !judgedAll || len(asked) > 0 && !slices.Contains(asked, rule) {
				continue
			}
			if !yield(Judged{Finding: l.stale(&l.Entries[i], rule, account, partition)}) {
				return
			}
		}
		if len(asked) == 0 || slices.Contains(asked, StaleRule) {
			for i, e := range l.Entries {
				if e.AllowAll && !e.Expired(now) && !yield(Judged{Finding: l.acceptsAll(&l.Entries[i], counts[i], account, partition)}) {
					return
				}
			}
		}
	}
}

// Warnings are the lines to log on every run: one for each unexpired entry
// that accepts every alarm (allow_all). A nil List has none.
func (l *List) Warnings(now time.Time) []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, e := range l.Entries {
		if e.AllowAll && !e.Expired(now) {
			out = append(out, fmt.Sprintf("exceptions_file %s:%d accepts every alarm of every rule and resource until %s (allow_all = true), critical ones included; narrow its rule or resource once the accepted risk is past",
				l.Path, e.Line, e.ExpiresText()))
		}
	}
	return out
}

// match returns the first unexpired and the first expired entry that
// match f, when f is an alarm.
func (l *List) match(f *rules.Finding, now time.Time) (active, expired *Entry) {
	if l == nil || f.Status != rules.StatusAlarm {
		return nil, nil
	}
	for i := range l.Entries {
		e := &l.Entries[i]
		switch {
		case !e.matches(f):
		case !e.Expired(now):
			return e, nil
		case expired == nil:
			expired = e
		}
	}
	return nil, expired
}

// Matches counts, for each entry, the alarms of found it matches.
func (l *List) Matches(found []rules.Finding) []int {
	counts := make([]int, len(l.Entries))
	for i := range found {
		l.count(counts, &found[i])
	}
	return counts
}

// count adds f to the counts of the entries that match it, when f is an
// alarm (counts has one slot per entry).
func (l *List) count(counts []int, f *rules.Finding) {
	if l == nil || f.Status != rules.StatusAlarm {
		return
	}
	for i := range l.Entries {
		if l.Entries[i].matches(f) {
			counts[i]++
		}
	}
}

// acceptsAll is the info finding of an unexpired allow_all entry, under
// StaleRule, saying how many alarms it matches.
func (l *List) acceptsAll(e *Entry, matched int, account, partition string) rules.Finding {
	f := l.stale(e, StaleRule, account, partition)
	f.Reason = fmt.Sprintf("exception %s:%d accepts every alarm of every rule and resource until %s (allow_all = true): it matches %d alarms, critical ones included; narrow its rule or resource once the accepted risk is past",
		l.Name(), e.Line, e.ExpiresText(), matched)
	f.Evidence["allow_all"] = true
	f.Evidence["matched_alarms"] = matched
	return f
}

// stale is the info finding of an entry that matches no alarm, on the
// account it names (else account).
func (l *List) stale(e *Entry, rule, account, partition string) rules.Finding {
	if e.Account != "" {
		account = e.Account
	}
	if partition == "" {
		partition = "aws"
	}
	sev := rules.SeverityLow
	if r, ok := rules.Lookup(rule); ok {
		sev = r.Severity
	}
	return rules.Finding{
		RuleID:    rule,
		Status:    rules.StatusInfo,
		Reason:    fmt.Sprintf("stale exception %s:%d (rule %s, resource %s) matches no alarm; remove it or correct its patterns", l.Name(), e.Line, e.Rule, e.Resource),
		Resource:  fmt.Sprintf("arn:%s:::%s", partition, account),
		AccountID: account,
		Severity:  sev,
		Evidence: map[string]any{"exceptions_file": l.Path, "line": e.Line, "rule": e.Rule, "resource": e.Resource,
			"account": nilIfEmpty(e.Account), "region": nilIfEmpty(e.Region), "expires": e.ExpiresText()},
	}
}

// nilIfEmpty is s, or nil (JSON null) when empty.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
