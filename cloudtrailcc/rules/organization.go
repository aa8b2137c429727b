package rules

import (
	"fmt"
	"iter"
	"maps"
	"slices"
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
			for a := range org.Each() {
				if !each(Evaluate(a, ids...)) {
					return
				}
			}
			return
		}
		ov := newOrgView(org)
		for a := range org.Each() {
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
				if r.ID == suspendedRule && !yield(accountFinding(r, id, ov.partition, StatusSkip,
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

// orgView is what the rules of one account need to know of the others,
// gathered in one pass over the accounts so that judging them keeps no
// more than one account's snapshot besides it. It keeps only what crosses
// accounts, so that what outlives each account's judgment does not grow
// with the accounts that share nothing: the facts of another read
// account's trails, keys and topics that an account uses, and the trails
// that deliver to a bucket from accounts other than its owner.
type orgView struct {
	org *snapshot.Organization
	// trails maps the ARN of each trail that an account reads and another
	// read account owns (an organization trail in its members) to the
	// owner's copy.
	trails map[string]*snapshot.Trail
	// keys and topics map the KMS keys and SNS topics that a trail read in
	// one account uses and another read account owns and holds, to the
	// owner's facts.
	keys   map[string]*snapshot.Key
	topics map[string]*snapshot.Topic
	// sharedTrails maps a bucket to the trails (ARNs, sorted) that deliver
	// to it as read in the accounts other than its owner (in every account
	// for a bucket no read account owns). The owner's own are in listed
	// when it is judged.
	sharedTrails map[string][]string
	// namedOwned maps an account to the buckets Organization.BucketOwners
	// gives it: its buckets that another account's trails name.
	namedOwned map[string][]string
	// listed maps each bucket that the trails of the account being judged
	// deliver to, to their ARNs (view sets it: accounts are judged one at
	// a time).
	listed map[string][]string
	// unlisted is the first read account (by id) whose
	// s3:ListAllMyBuckets failed, and that error.
	unlisted    string
	unlistedErr *snapshot.ReadError
	// partition is the first partition an account names ("aws" if none).
	partition string
}

func newOrgView(org *snapshot.Organization) *orgView {
	ov := &orgView{org: org, trails: map[string]*snapshot.Trail{}, keys: map[string]*snapshot.Key{},
		topics: map[string]*snapshot.Topic{}, sharedTrails: map[string][]string{}, namedOwned: map[string][]string{}}
	// owned keeps the owner's copy of every organization trail, and of any
	// trail already seen in another account: those are the trails other
	// accounts read. foreign are the trails read outside their owner.
	owned, foreign := map[string]*snapshot.Trail{}, map[string]bool{}
	// used are the keys and topics that a trail read in an account other
	// than their owner uses, by owner; use notes them (refs is a trail's
	// key and topic), but for those of reader itself and of accounts not
	// read
	used := map[string]map[string]bool{}
	use := func(reader string, refs ...string) {
		for _, ref := range refs {
			if owner := arnAccount(ref); ref != "" && owner != reader && org.Has(owner) {
				if used[owner] == nil {
					used[owner] = map[string]bool{}
				}
				used[owner][ref] = true
			}
		}
	}
	for a := range org.Each() {
		if ov.partition == "" {
			ov.partition = a.Partition
		}
		if ov.unlisted == "" && a.OwnBucketsErr != nil {
			ov.unlisted, ov.unlistedErr = a.AccountID, a.OwnBucketsErr
		}
		for _, t := range a.Trails {
			switch {
			case !t.IsOwnedBy(a.AccountID):
				foreign[t.ARN] = true
			case t.IsOrganizationTrail || foreign[t.ARN]:
				owned[t.ARN] = t
			}
			if name := t.S3BucketName; name != "" && org.BucketOwner(name) != a.AccountID {
				ov.sharedTrails[name] = append(ov.sharedTrails[name], t.ARN)
			}
			use(a.AccountID, t.KmsKeyID, t.SnsTopicARN)
		}
	}
	// a trail that is no organization trail, read in another account
	// after its owner was passed: a second look at its owner
	missing := map[string]bool{}
	for arn := range foreign {
		if owned[arn] == nil {
			missing[arnAccount(arn)] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(missing)) {
		a := org.Account(id)
		if a == nil {
			continue
		}
		for _, t := range a.Trails {
			if foreign[t.ARN] && t.IsOwnedBy(a.AccountID) {
				owned[t.ARN] = t
			}
		}
	}
	for arn := range foreign {
		if t := owned[arn]; t != nil {
			ov.trails[arn] = t
			// the owner's copy stands in for the reader's: its key and
			// topic are used outside their owner too, whoever that is
			use("", t.KmsKeyID, t.SnsTopicARN)
		}
	}
	// the owners' facts of the keys and topics used elsewhere, one owner
	// decoded at a time
	for _, id := range slices.Sorted(maps.Keys(used)) {
		a := org.Account(id)
		if a == nil {
			continue
		}
		for ref := range used[id] {
			if k := a.Keys[ref]; k != nil {
				ov.keys[ref] = k
			}
			if t := a.Topics[ref]; t != nil {
				ov.topics[ref] = t
			}
		}
	}
	if ov.partition == "" {
		ov.partition = "aws"
	}
	for name, arns := range ov.sharedTrails {
		slices.Sort(arns)
		ov.sharedTrails[name] = slices.Compact(arns)
	}
	for name, owner := range org.BucketOwners {
		ov.namedOwned[owner] = append(ov.namedOwned[owner], name)
	}
	return ov
}

// view is acct as its rules see it: another read account's trails carry
// their owner's facts, and the KMS keys and SNS topics of other read
// accounts that its trails use are their owners' facts. It also notes the
// buckets acct's trails deliver to (listed) for the per-bucket rules.
func (ov *orgView) view(acct *snapshot.Account) *snapshot.Account {
	v := *acct
	v.Trails = make([]*snapshot.Trail, len(acct.Trails))
	v.Keys, v.Topics = maps.Clone(acct.Keys), maps.Clone(acct.Topics)
	ov.listed = map[string][]string{}
	for i, t := range acct.Trails {
		if name := t.S3BucketName; name != "" {
			ov.listed[name] = append(ov.listed[name], t.ARN)
		}
		if o := ov.trails[t.ARN]; o != nil && !t.IsOwnedBy(acct.AccountID) {
			t = o
		}
		v.Trails[i] = t
		if k := ov.keys[t.KmsKeyID]; k != nil {
			if v.Keys == nil {
				v.Keys = map[string]*snapshot.Key{}
			}
			v.Keys[t.KmsKeyID] = k
		}
		if topic := ov.topics[t.SnsTopicARN]; topic != nil {
			if v.Topics == nil {
				v.Topics = map[string]*snapshot.Topic{}
			}
			v.Topics[t.SnsTopicARN] = topic
		}
	}
	return &v
}

// bucketTrails are the trails of every read account that deliver to
// bucket name (ARNs, sorted), as the account being judged sees them.
func (ov *orgView) bucketTrails(name string) []string {
	out := append(slices.Clone(ov.listed[name]), ov.sharedTrails[name]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ownedBuckets are the buckets account owns: those its snapshot holds as
// its own, and those Organization.BucketOwners gives it.
func (ov *orgView) ownedBuckets(acct *snapshot.Account) []string {
	out := slices.Clone(ov.namedOwned[acct.AccountID])
	for name, b := range acct.Buckets {
		if b != nil && b.Owned {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// judgedHere keeps the trails the per-trail rules judge in this account:
// all but those of another read account (judged in their owner).
func (c *evalCtx) judgedHere(ts []*snapshot.Trail) []*snapshot.Trail {
	if c.org == nil {
		return ts
	}
	var out []*snapshot.Trail
	for _, t := range ts {
		if !c.isForeign(t) || !c.org.org.Has(t.OwnerAccountID) {
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
	for _, name := range c.org.ownedBuckets(c.acct) {
		if trails := c.org.bucketTrails(name); len(trails) > 0 {
			out[name] = trails
		}
	}
	var elsewhere []string
	for _, t := range c.judgedHere(ts) {
		name := t.S3BucketName
		switch owner := c.org.org.BucketOwner(name); {
		case name == "":
		case owner == "":
			out[name] = c.org.bucketTrails(name)
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
	if c.org.org.Has(account) {
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
	return c.org.unlisted, c.org.unlistedErr
}

// outsideAudit qualifies "another account" in an organization audit.
func (c *evalCtx) outsideAudit() string {
	if c.org == nil {
		return ""
	}
	return ", outside the audited accounts,"
}
