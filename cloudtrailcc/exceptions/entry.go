// Package exceptions reads a file of accepted findings (exceptions) and
// applies it to the rules' findings: an alarm an unexpired entry matches is
// suppressed (it keeps its status and gains the entry's reason, expiry and
// owner), an alarm that only an expired entry matches says so in its reason,
// and an entry that matches no alarm is reported as a stale exception.
//
// The file is HCL or YAML, chosen by its extension, and is treated as
// untrusted input: whoever can write it can hide alarms, so it and every
// directory above it must be writable only by root and this user (package
// filetrust), it must be a regular file and not a symbolic link, of bounded
// size and nesting, and every mistake in it is an error naming the file and
// the line. An entry that would accept every alarm (rule "*" and a
// resource pattern matching any resource) must say allow_all = true, and is
// reported on every run while it has not expired.
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
	// AllowAll is set on an entry that matches every rule and every
	// resource: it says the file means to accept every alarm.
	AllowAll bool
}

// MatchesAll reports whether the entry matches every rule and every kind
// of resource the rules report (whatever its account and region).
func (e *Entry) MatchesAll() bool {
	if e.Rule != AnyRule {
		return false
	}
	for _, partition := range partitions {
		all := true
		for _, r := range resourceShapes {
			if !glob(e.Resource, strings.ReplaceAll(r, "PARTITION", partition)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// partitions are the AWS partitions, and resourceShapes the kinds of
// resource ARN findings name (PARTITION stands for the partition): a
// pattern matching all of them in one partition matches every resource.
var (
	partitions     = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
	resourceShapes = []string{
		"arn:PARTITION:::123456789012",
		"arn:PARTITION:s3:::b",
		"arn:PARTITION:cloudtrail:us-east-1:123456789012:trail/t",
		"arn:PARTITION:cloudtrail:us-east-1:123456789012:eventdatastore/e",
		"arn:PARTITION:kms:us-east-1:123456789012:key/k",
		"arn:PARTITION:logs:us-east-1:123456789012:log-group:g",
		"arn:PARTITION:sns:us-east-1:123456789012:t",
		"arn:PARTITION:iam::123456789012:role/r",
		"arn:PARTITION:organizations::123456789012:organization/o-x",
	}
)

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
var fields = []string{"rule", "resource", "account", "region", "reason", "expires", "permanent", "owner", "allow_all"}

// booleans are the fields that are true or false.
var booleans = []string{"permanent", "allow_all"}

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
		if isBool := slices.Contains(booleans, name); v.isBool != isBool {
			want := "a string"
			if isBool {
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
		Permanent: r.attrs["permanent"].b, AllowAll: r.attrs["allow_all"].b}
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
	switch all := e.MatchesAll(); {
	case all && !e.AllowAll:
		return Entry{}, errAt(r.line, "this exception matches every rule and every resource, so it would hide every alarm, critical ones included; narrow its rule or resource, or write allow_all = true to accept that (it is then reported on every run)")
	case e.AllowAll && !all:
		return Entry{}, errAt(r.attrs["allow_all"].line, "allow_all = true is only for an exception matching every rule (rule = \"*\") and every resource; remove it")
	}
	return e, nil
}
