// Package exceptions reads a file of accepted findings (exceptions) and
// applies it to the rules' findings: an alarm an unexpired entry matches is
// suppressed (it keeps its status and gains the entry's reason, expiry and
// owner), an alarm that only an expired entry matches says so in its reason,
// and an entry that matches no alarm is reported as a stale exception.
//
// The file is HCL or YAML, chosen by its extension, and is treated as
// untrusted input: whoever can write it can hide alarms, so it must be a
// regular file, not a symbolic link and not writable by everyone, and every
// mistake in it is an error naming the file and the line.
package exceptions

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// DateLayout is the layout of an entry's expiry date (YYYY-MM-DD).
const DateLayout = "2006-01-02"

// AnyRule is the rule pattern that matches every rule.
const AnyRule = "*"

// Entry is one accepted finding pattern of the file.
type Entry struct {
	// Line is the entry's line in the file (1-based).
	Line int
	// Rule is a rule id, or AnyRule.
	Rule string
	// Resource is a resource ARN; "*" matches any run of characters.
	Resource string
	// Account is a 12-digit account id; empty matches every account.
	Account string
	// Region is a region name; empty matches every region (and findings
	// without one).
	Region string
	// Reason says why the finding is accepted.
	Reason string
	// Expires is the last day (UTC) the entry suppresses.
	Expires time.Time
	// Permanent lifts the one-year limit on Expires.
	Permanent bool
	// Owner is who answers for the exception; optional.
	Owner string
}

// ExpiresText is the expiry date as written: YYYY-MM-DD.
func (e *Entry) ExpiresText() string { return e.Expires.Format(DateLayout) }

// Expired reports whether the entry no longer suppresses at now: its expiry
// day (UTC) is over.
func (e *Entry) Expired(now time.Time) bool {
	return today(now).After(e.Expires)
}

// matches reports whether the entry's patterns match the finding (whatever
// its status).
func (e *Entry) matches(f *rules.Finding) bool {
	return (e.Rule == AnyRule || e.Rule == f.RuleID) &&
		glob(e.Resource, f.Resource) &&
		(e.Account == "" || e.Account == f.AccountID) &&
		(e.Region == "" || e.Region == f.Region)
}

// today is now's date at midnight UTC.
func today(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// glob reports whether s matches pattern, where "*" stands for any run of
// characters (":" and "/" included) and everything else for itself.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// fields are the attributes an entry may have, in the order errors list them.
var fields = []string{"rule", "resource", "account", "region", "reason", "expires", "permanent", "owner"}

// value is one attribute as read from either format.
type value struct {
	line int
	str  string
	// isBool is set for a boolean (permanent); b is its value.
	isBool, b bool
}

// rawEntry is one entry's attributes as read, before validation.
type rawEntry struct {
	line  int
	attrs map[string]value
}

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// lineError is a mistake at one line of the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func errAt(line int, format string, args ...any) error {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// entry validates r into an Entry. now bounds expires to a year ahead.
func (r rawEntry) entry(now time.Time) (Entry, error) {
	for name, v := range r.attrs {
		if !slices.Contains(fields, name) {
			return Entry{}, errAt(v.line, "unknown attribute %q; an exception has %s", name, strings.Join(fields, ", "))
		}
		if v.isBool != (name == "permanent") {
			want := "a string"
			if name == "permanent" {
				want = "true or false"
			}
			return Entry{}, errAt(v.line, "%s must be %s", name, want)
		}
	}
	for _, name := range []string{"rule", "resource", "reason", "expires"} {
		if v, ok := r.attrs[name]; !ok || strings.TrimSpace(v.str) == "" {
			return Entry{}, errAt(r.line, "exception has no %s; rule, resource, reason and expires are required", name)
		}
	}
	e := Entry{Line: r.line, Rule: r.attrs["rule"].str, Resource: r.attrs["resource"].str, Account: r.attrs["account"].str,
		Region: r.attrs["region"].str, Reason: strings.TrimSpace(r.attrs["reason"].str), Owner: strings.TrimSpace(r.attrs["owner"].str),
		Permanent: r.attrs["permanent"].b}
	if _, ok := rules.Lookup(e.Rule); !ok && e.Rule != AnyRule {
		var ids []string
		for _, x := range rules.Catalogue() {
			ids = append(ids, x.ID)
		}
		return Entry{}, errAt(r.attrs["rule"].line, "rule %q is not a rule; use %q or one of %s", e.Rule, AnyRule, strings.Join(ids, ", "))
	}
	if e.Resource != "*" && !strings.HasPrefix(e.Resource, "arn:") {
		return Entry{}, errAt(r.attrs["resource"].line, "resource %q is not an ARN; give the finding's resource ARN (\"*\" matches any characters) or \"*\"", e.Resource)
	}
	if e.Account != "" && !accountPattern.MatchString(e.Account) {
		return Entry{}, errAt(r.attrs["account"].line, "account %q is not a 12-digit account id", e.Account)
	}
	if e.Region != "" && !regionPattern.MatchString(e.Region) {
		return Entry{}, errAt(r.attrs["region"].line, "region %q is not a region name such as us-east-1", e.Region)
	}
	exp := r.attrs["expires"]
	d, err := time.Parse(DateLayout, strings.TrimSpace(exp.str))
	if err != nil {
		return Entry{}, errAt(exp.line, "expires %q is not a date; write YYYY-MM-DD", exp.str)
	}
	e.Expires = d
	if limit := today(now).AddDate(1, 0, 0); d.After(limit) && !e.Permanent {
		return Entry{}, errAt(exp.line, "expires %s is more than a year ahead (at most %s); review the exception sooner, or write permanent = true to accept it for longer",
			e.ExpiresText(), limit.Format(DateLayout))
	}
	return e, nil
}
