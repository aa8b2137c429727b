package rules

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// suspendedRule is the rule under which a suspended account is listed
// once: the account-level rule that asks whether CloudTrail records the
// account at all.
const suspendedRule = "multi_region"

// EvaluateOrganization runs the given rules over every account of an
// audit. For an organization audit (org.Multi) each resource is judged in
// the account that owns it: a bucket, KMS key or SNS topic that another
// audited account owns is judged with its owner's facts (a bucket once,
// under its owner, naming every trail that delivers to it); a trail of
// another audited account (an organization trail in its members) counts for
// the account-level rules with its owner's facts and is not judged again
// by the per-trail rules. An account that could not be read gives one
// account-level error per rule; a suspended account one skip (under
// multi_region). Otherwise the findings are Evaluate's of each account.
func EvaluateOrganization(org *snapshot.Organization, ids ...string) []Finding {
	return slices.Collect(OrganizationFindings(org, ids...))
}

// OrganizationFindings yields EvaluateOrganization's findings account by
// account, in the same order, without holding more than one account's
// findings: an organization of thousands of accounts is judged in the
// memory of one.
func OrganizationFindings(org *snapshot.Organization, ids ...string) iter.Seq[Finding] {
	return func(yield func(Finding) bool) {
		if org == nil {
			return
		}
		each := func(fs []Finding) bool {
			for _, f := range fs {
				if !yield(f) {
					return false
				}
			}
			return true
		}
		if !org.Multi {
			for _, a := range org.Accounts {
				if !each(Evaluate(a, ids...)) {
					return
				}
			}
			return
		}
		ov := newOrgView(org)
		for _, a := range org.Accounts {
			if !each(evaluate(ov.view(a), ov, ids)) {
				return
			}
		}
		for _, f := range org.Failed {
			for _, r := range selected(ids) {
				st, reason := StatusError, failureReason(f)
				if f.Err != nil && f.Err.Ignored != "" {
					st, reason = StatusSkip, "not evaluated: "+reason+", ignored by "+f.Err.Ignored
				}
				if !yield(accountFinding(r, f.AccountID, f.Partition, st, reason,
					map[string]any{"error": errEvidence(f.Err)})) {
					return
				}
			}
		}
		for _, id := range org.Suspended {
			for _, r := range selected(ids) {
				if r.ID == suspendedRule && !yield(accountFinding(r, id, partitionOf(org), StatusSkip,
					"account "+id+" is suspended in the organization (organizations:ListAccounts), so it is not audited: no rule is evaluated for it",
					map[string]any{"account_status": "SUSPENDED", "audited": false})) {
					return
				}
			}
		}
	}
}

// failureReason is "sts:AssumeRole into 210987654321 failed: AccessDenied".
func failureReason(f snapshot.AccountFailure) string {
	what := f.Err.Code
	if what == "" {
		what = f.Err.Message
	}
	return fmt.Sprintf("account %s could not be audited: %s into %s failed: %s", f.AccountID, f.Err.Action, f.AccountID, what)
}

func accountFinding(r *Rule, account, partition string, st Status, reason string, ev map[string]any) Finding {
	if partition == "" {
		partition = "aws"
	}
	return Finding{RuleID: r.ID, Status: st, Reason: reason, Resource: "arn:" + partition + ":::" + account,
		AccountID: account, Severity: r.Severity, Evidence: ev}
}

func partitionOf(org *snapshot.Organization) string {
	for _, a := range org.Accounts {
		if a.Partition != "" {
			return a.Partition
		}
	}
	return "aws"
}

// orgView is what the rules of one account need to know of the others.
type orgView struct {
	org *snapshot.Organization
	// trails maps the ARN of each trail of a read account to the owner's copy.
	trails map[string]*snapshot.Trail
	// bucketTrails maps a bucket to the trails of every read account that
	// deliver to it (ARNs, sorted).
	bucketTrails map[string][]string
	// bucketOwner maps a bucket to the read account that owns it.
	bucketOwner map[string]string
}

func newOrgView(org *snapshot.Organization) *orgView {
	ov := &orgView{org: org, trails: map[string]*snapshot.Trail{}, bucketTrails: map[string][]string{},
		bucketOwner: maps.Clone(org.BucketOwners)}
	if ov.bucketOwner == nil {
		ov.bucketOwner = map[string]string{}
	}
	for _, a := range org.Accounts {
		for _, t := range a.Trails {
			if t.IsOwnedBy(a.AccountID) {
				ov.trails[t.ARN] = t
			}
			if name := t.S3BucketName; name != "" && !slices.Contains(ov.bucketTrails[name], t.ARN) {
				ov.bucketTrails[name] = append(ov.bucketTrails[name], t.ARN)
			}
		}
		for name, b := range a.Buckets {
			if b.Owned {
				ov.bucketOwner[name] = a.AccountID
			}
		}
	}
	for _, arns := range ov.bucketTrails {
		sort.Strings(arns)
	}
	return ov
}

// view is acct as its rules see it: another read account's trails carry
// their owner's facts, and the KMS keys and SNS topics of other read
// accounts that its trails use are their owners' facts.
func (ov *orgView) view(acct *snapshot.Account) *snapshot.Account {
	v := *acct
	v.Trails = make([]*snapshot.Trail, len(acct.Trails))
	v.Keys, v.Topics = maps.Clone(acct.Keys), maps.Clone(acct.Topics)
	for i, t := range acct.Trails {
		if o := ov.trails[t.ARN]; o != nil && !t.IsOwnedBy(acct.AccountID) {
			t = o
		}
		v.Trails[i] = t
		if owner := ov.org.Account(arnAccount(t.KmsKeyID)); owner != nil && owner.Keys[t.KmsKeyID] != nil {
			if v.Keys == nil {
				v.Keys = map[string]*snapshot.Key{}
			}
			v.Keys[t.KmsKeyID] = owner.Keys[t.KmsKeyID]
		}
		if owner := ov.org.Account(arnAccount(t.SnsTopicARN)); owner != nil && owner.Topics[t.SnsTopicARN] != nil {
			if v.Topics == nil {
				v.Topics = map[string]*snapshot.Topic{}
			}
			v.Topics[t.SnsTopicARN] = owner.Topics[t.SnsTopicARN]
		}
	}
	return &v
}

// judgedHere keeps the trails the per-trail rules judge in this account:
// all but those of another read account (judged in their owner).
func (c *evalCtx) judgedHere(ts []*snapshot.Trail) []*snapshot.Trail {
	if c.org == nil {
		return ts
	}
	var out []*snapshot.Trail
	for _, t := range ts {
		if !c.isForeign(t) || c.org.org.Account(t.OwnerAccountID) == nil {
			out = append(out, t)
		}
	}
	return out
}

// judgedElsewhere gives the account-level skip of a per-trail rule whose
// trails are all judged in the accounts that own them.
func (c *evalCtx) judgedElsewhere(ts []*snapshot.Trail) {
	var names []string
	var arns []string
	for _, t := range ts {
		names = append(names, c.trailLabel(t))
		arns = append(arns, t.ARN)
	}
	c.skip(c.accountARN(), "", "this account's only trails belong to other audited accounts and are judged there: "+strings.Join(names, ", "),
		map[string]any{"trails": arns})
}

// orgBuckets returns the buckets a per-bucket rule judges in this account of
// an organization audit, each with the trails of every read account that
// deliver to it: the buckets it owns, and those of its own trails that no
// read account owns. false after reporting that there is none.
func (c *evalCtx) orgBuckets() (map[string][]string, bool) {
	ts, ok := c.trails()
	if !ok {
		return nil, false
	}
	c.trailListErrors()
	out := map[string][]string{}
	for name, owner := range c.org.bucketOwner {
		if owner == c.acct.AccountID && len(c.org.bucketTrails[name]) > 0 {
			out[name] = c.org.bucketTrails[name]
		}
	}
	var elsewhere []string
	for _, t := range c.judgedHere(ts) {
		name := t.S3BucketName
		switch owner := c.org.bucketOwner[name]; {
		case name == "":
		case owner == "":
			out[name] = c.org.bucketTrails[name]
		case owner != c.acct.AccountID:
			elsewhere = append(elsewhere, "bucket "+name+" of account "+owner)
		}
	}
	if len(out) > 0 {
		return out, true
	}
	switch {
	case len(ts) == 0 && !c.trailListIncomplete():
		c.skip(c.accountARN(), "", noTrailsReason, map[string]any{"trails": 0})
	case len(elsewhere) > 0:
		slices.Sort(elsewhere)
		c.skip(c.accountARN(), "", "the S3 buckets of this account's trails belong to other audited accounts and are judged there: "+
			strings.Join(slices.Compact(elsewhere), ", "), map[string]any{"trails": len(ts)})
	case len(ts) > 0 && len(c.judgedHere(ts)) == 0:
		c.judgedElsewhere(ts)
	case len(ts) > 0:
		c.skip(c.accountARN(), "", "no CloudTrail trail in this account names an S3 bucket", map[string]any{"trails": len(ts)})
	}
	return nil, false
}

// auditedOwner says what the audit knows of account, the owner of a key,
// topic or bucket another account's trail uses: read is true when the
// account was read in this organization audit; failed is its failure when
// it is an audited account that could not be read (nil otherwise, and
// always nil outside an organization audit).
func (c *evalCtx) auditedOwner(account string) (read bool, failed *snapshot.AccountFailure) {
	if c.org == nil || account == "" {
		return false, nil
	}
	if c.org.org.Account(account) != nil {
		return true, nil
	}
	for i := range c.org.org.Failed {
		if c.org.org.Failed[i].AccountID == account {
			return false, &c.org.org.Failed[i]
		}
	}
	return false, nil
}

// unlistedBuckets is the first read account of an organization audit
// (by id) whose s3:ListAllMyBuckets failed, with that error: a bucket no
// listing names may then still be that account's, so "outside the audited
// accounts" cannot be said. "" outside an organization audit.
func (c *evalCtx) unlistedBuckets() (string, *snapshot.ReadError) {
	if c.org == nil {
		return "", nil
	}
	for _, a := range c.org.org.Accounts {
		if a.OwnBucketsErr != nil {
			return a.AccountID, a.OwnBucketsErr
		}
	}
	return "", nil
}

// outsideAudit qualifies "another account" in an organization audit.
func (c *evalCtx) outsideAudit() string {
	if c.org == nil {
		return ""
	}
	return ", outside the audited accounts,"
}
