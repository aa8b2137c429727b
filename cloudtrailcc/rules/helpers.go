package rules

// Helpers shared by the rules: resource ARNs, finding constructors, read
// errors, which trails and which buckets are evaluated, and small formatting
// helpers. No rule decides anything here.

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// noTrailsReason is the reason of the account-level skip a per-trail or
// per-bucket rule gives when there is nothing to evaluate.
const noTrailsReason = "no CloudTrail trails in this account"

// codeNotRead is the error code of a fact that was not read into the snapshot.
const codeNotRead = "NotRead"

// ---------------------------------------------------------------- ARNs

// partition returns the audited account's partition ("aws" when unknown).
func (c *evalCtx) partition() string {
	if c.acct.Partition != "" {
		return c.acct.Partition
	}
	return "aws"
}

// bucketARN is arn:PARTITION:s3:::NAME.
func (c *evalCtx) bucketARN(name string) string {
	return "arn:" + c.partition() + ":s3:::" + name
}

// accountARN is arn:PARTITION:::ACCOUNT, the resource of account-level findings.
func (c *evalCtx) accountARN() string {
	return "arn:" + c.partition() + ":::" + c.acct.AccountID
}

// regionARN is arn:PARTITION::REGION:ACCOUNT, the resource of region-level findings.
func (c *evalCtx) regionARN(region string) string {
	return "arn:" + c.partition() + "::" + region + ":" + c.acct.AccountID
}

// trailARNFromName is the ARN of the audited account's trail NAME in region.
func (c *evalCtx) trailARNFromName(region, name string) string {
	return "arn:" + c.partition() + ":cloudtrail:" + region + ":" + c.acct.AccountID + ":trail/" + name
}

// arnAccount returns the account field of an ARN ("" when it has none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// ---------------------------------------------------------------- findings

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
	c.emit(StatusError, resource, region, "could not read "+what+": "+describeErr(err), ev)
}

// ---------------------------------------------------------------- read errors

// notRead is the error of a fact that is absent from the snapshot.
func notRead(action string) *snapshot.ReadError {
	return &snapshot.ReadError{Action: action, Code: codeNotRead,
		Message: "the fact was not read into this snapshot", Class: snapshot.ClassOther}
}

// factErr returns nil when a fact is usable; otherwise its read error, or a
// NotRead error when it was not loaded or is absent.
func (c *evalCtx) factErr(need snapshot.Need, action string, present bool, err *snapshot.ReadError) *snapshot.ReadError {
	switch {
	case err != nil:
		return err
	case !c.acct.Loaded.Has(need) || !present:
		return notRead(action)
	}
	return nil
}

// describeErr names the action and the error code of a failed read.
func describeErr(err *snapshot.ReadError) string {
	switch {
	case err == nil:
		return "unknown error"
	case err.Code == codeNotRead:
		return err.Action + " was not called for this report (" + codeNotRead + ")"
	case err.Code == "":
		return err.Action + " failed: " + err.Message
	}
	return err.Action + " failed with " + err.Code
}

// errEvidence is a read error as evidence.
func errEvidence(err *snapshot.ReadError) map[string]any {
	if err == nil {
		return nil
	}
	return map[string]any{"action": err.Action, "code": err.Code, "message": err.Message, "class": string(err.Class)}
}

// isUnreadableForeign reports whether err on another account's resource
// means "only its owner may read it" (AccessDenied, TrailNotFound,
// CloudTrailARNInvalid and the like) rather than a failure to report.
func isUnreadableForeign(err *snapshot.ReadError) bool {
	if err == nil || err.Code == codeNotRead {
		return false
	}
	switch err.Class {
	case snapshot.ClassAccessDenied, snapshot.ClassNotFound, snapshot.ClassInvalid:
		return true
	}
	for _, s := range []string{"AccessDenied", "AuthorizationError", "TrailNotFound", "ARNInvalid"} {
		if strings.Contains(err.Code, s) {
			return true
		}
	}
	return false
}

// isNotFound reports whether err says the resource does not exist.
func isNotFound(err *snapshot.ReadError) bool {
	return err != nil && (err.Class == snapshot.ClassNotFound || strings.Contains(err.Code, "NotFound") || err.Code == "NoSuchBucket")
}

// isDenied reports whether err is an access denial.
func isDenied(err *snapshot.ReadError) bool {
	return err != nil && (err.Class == snapshot.ClassAccessDenied ||
		strings.Contains(err.Code, "AccessDenied") || err.Code == "AuthorizationError")
}

// ---------------------------------------------------------------- trails

// trails returns the evaluated trails (each once, by ARN, sorted), or false
// after emitting an account-level error when DescribeTrails was not read.
func (c *evalCtx) trails() ([]*snapshot.Trail, bool) {
	if !c.acct.Loaded.Has(snapshot.NeedTrails) {
		c.readError(c.accountARN(), "", "the trails of this account", notRead("cloudtrail:DescribeTrails"), nil)
		return nil, false
	}
	seen := map[string]bool{}
	var out []*snapshot.Trail
	for _, t := range c.acct.Trails {
		if t == nil || seen[t.ARN] {
			continue
		}
		seen[t.ARN] = true
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, true
}

// listErrorRegions returns the regions whose DescribeTrails failed, sorted.
func (c *evalCtx) listErrorRegions() []string {
	regions := make([]string, 0, len(c.acct.TrailListErrors))
	for r := range c.acct.TrailListErrors {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	return regions
}

// trailListErrors emits one region-level error per region whose
// DescribeTrails failed (trails homed there may be missing), and one
// account-level error when the enabled regions are unknown (trails homed in
// the regions that were not searched may be missing).
func (c *evalCtx) trailListErrors() {
	for _, r := range c.listErrorRegions() {
		c.readError(c.regionARN(r), r, "the trails of region "+r, c.acct.TrailListErrors[r], nil)
	}
	if c.acct.RegionsErr != nil {
		c.readError(c.accountARN(), "", c.unsearchedRegions(), c.acct.RegionsErr,
			map[string]any{"searched_regions": nonNil(c.acct.Regions)})
	}
}

// unsearchedRegions says what unknown enabled regions leave out.
func (c *evalCtx) unsearchedRegions() string {
	if len(c.acct.Regions) == 0 {
		return "the enabled regions, so no region was searched for trails"
	}
	return "the enabled regions, so trails homed in regions other than " + shortList(c.acct.Regions, 5) + " were not listed"
}

// trailListIncomplete reports whether trails of this account may be
// missing: a region's DescribeTrails failed, or the enabled regions are
// unknown.
func (c *evalCtx) trailListIncomplete() bool {
	return len(c.acct.TrailListErrors) > 0 || c.acct.RegionsErr != nil
}

// globalTrailsMayBeMissing reports whether a trail that receives global
// service events may be missing: a region's DescribeTrails failed, or the
// enabled regions are unknown and us-east-1 was not searched (multi-region
// trails show in every region; a regional trail receives global service
// events only when homed in us-east-1).
func (c *evalCtx) globalTrailsMayBeMissing() bool {
	return len(c.acct.TrailListErrors) > 0 || (c.acct.RegionsErr != nil && !slices.Contains(c.acct.Regions, "us-east-1"))
}

// trailListErrorAccount emits one account-level error for an account-level
// rule whose answer could change with the trails that could not be listed.
func (c *evalCtx) trailListErrorAccount(ev map[string]any) {
	if ev == nil {
		ev = map[string]any{}
	}
	regions := c.listErrorRegions()
	if c.acct.RegionsErr != nil {
		ev["regions_error"] = errEvidence(c.acct.RegionsErr)
		ev["searched_regions"] = nonNil(c.acct.Regions)
	}
	if len(regions) == 0 {
		c.readError(c.accountARN(), "", c.unsearchedRegions(), c.acct.RegionsErr, ev)
		return
	}
	errs := map[string]any{}
	for _, r := range regions {
		errs[r] = errEvidence(c.acct.TrailListErrors[r])
	}
	ev["trail_list_errors"] = errs
	c.readError(c.accountARN(), "", "the trails of region(s) "+shortList(regions, 5),
		c.acct.TrailListErrors[regions[0]], ev)
}

// listedTrails returns the evaluated trails of a per-trail or per-bucket
// rule, after reporting the trails that could not be listed; false when
// there is nothing to evaluate (the trails were not read, or the
// account-level "no trails" skip was given).
func (c *evalCtx) listedTrails() ([]*snapshot.Trail, bool) {
	ts, ok := c.trails()
	if !ok {
		return nil, false
	}
	c.trailListErrors()
	if len(ts) == 0 && !c.trailListIncomplete() {
		c.skip(c.accountARN(), "", noTrailsReason, map[string]any{"trails": 0})
		return nil, false
	}
	return ts, true
}

// forEachTrail runs fn for each evaluated trail of a per-trail rule (see
// listedTrails for what is reported when there is none).
func (c *evalCtx) forEachTrail(fn func(t *snapshot.Trail)) {
	ts, _ := c.listedTrails()
	here := c.judgedHere(ts)
	if len(ts) > 0 && len(here) == 0 {
		c.judgedElsewhere(ts)
		return
	}
	for _, t := range here {
		fn(t)
	}
}

// isForeign reports whether the trail belongs to another account.
func (c *evalCtx) isForeign(t *snapshot.Trail) bool {
	return t.OwnerAccountID != "" && !t.IsOwnedBy(c.acct.AccountID)
}

// trailLabel names a trail in a reason ("trail NAME", plus its owner when
// it is another account's).
func (c *evalCtx) trailLabel(t *snapshot.Trail) string {
	name := t.Name
	if name == "" {
		name = t.ARN
	}
	if c.isForeign(t) {
		return "trail " + name + " of account " + t.OwnerAccountID
	}
	return "trail " + name
}

// trailEvidence is the identity of a trail as evidence.
func trailEvidence(t *snapshot.Trail) map[string]any {
	return map[string]any{"trail_arn": t.ARN, "home_region": t.HomeRegion, "owner_account_id": t.OwnerAccountID}
}

// usableTrailFact checks a per-trail fact of a per-trail rule. When it is
// usable it returns true; otherwise it emits the finding (skip for another
// account's trail that only its owner may read, error otherwise) and
// returns false.
func (c *evalCtx) usableTrailFact(t *snapshot.Trail, need snapshot.Need, action, what string, present bool, rerr *snapshot.ReadError) bool {
	err := c.factErr(need, action, present, rerr)
	if err == nil {
		return true
	}
	ev := trailEvidence(t)
	if c.isForeign(t) && isUnreadableForeign(err) {
		ev["error"] = errEvidence(err)
		c.skip(t.ARN, t.HomeRegion, fmt.Sprintf("trail %s belongs to account %s; its %s cannot be read from this account (%s: %s)",
			t.Name, t.OwnerAccountID, what, err.Action, err.Code), ev)
		return false
	}
	c.readError(t.ARN, t.HomeRegion, "the "+what+" of "+c.trailLabel(t), err, ev)
	return false
}

// status returns the trail's GetTrailStatus, or emits skip/error and returns nil.
func (c *evalCtx) status(t *snapshot.Trail) *snapshot.TrailStatus {
	if !c.usableTrailFact(t, snapshot.NeedTrailStatus, "cloudtrail:GetTrailStatus", "status", t.Status != nil, t.StatusErr) {
		return nil
	}
	return t.Status
}

// selectors returns the trail's GetEventSelectors, or emits skip/error and returns nil.
func (c *evalCtx) selectors(t *snapshot.Trail) *snapshot.EventSelectors {
	if !c.usableTrailFact(t, snapshot.NeedEventSelectors, "cloudtrail:GetEventSelectors", "event selectors", t.Selectors != nil, t.SelectorsErr) {
		return nil
	}
	return t.Selectors
}

// statusErr returns the error that keeps the trail's status from being
// used (nil when usable), for account-level rules.
func (c *evalCtx) statusErr(t *snapshot.Trail) *snapshot.ReadError {
	return c.factErr(snapshot.NeedTrailStatus, "cloudtrail:GetTrailStatus", t.Status != nil, t.StatusErr)
}

// selectorsErr returns the error that keeps the trail's event selectors
// from being used (nil when usable), for account-level rules.
func (c *evalCtx) selectorsErr(t *snapshot.Trail) *snapshot.ReadError {
	return c.factErr(snapshot.NeedEventSelectors, "cloudtrail:GetEventSelectors", t.Selectors != nil, t.SelectorsErr)
}

// isLogging reports whether the trail's status was read and says logging.
func isLogging(t *snapshot.Trail) bool { return t.Status != nil && t.Status.IsLogging }

// notLoggingSince says since when a trail is not logging.
func notLoggingSince(st *snapshot.TrailStatus) string {
	if st.StopLoggingTime != nil {
		return "not logging since " + fmtTime(*st.StopLoggingTime)
	}
	return "not logging (logging was never started)"
}

// unreadableStatus splits trails whose status cannot be used into those of
// other accounts that only their owner may read (info) and the rest (error).
func (c *evalCtx) unreadableStatus(ts []*snapshot.Trail) (foreign, failed []*snapshot.Trail) {
	for _, t := range ts {
		err := c.statusErr(t)
		switch {
		case err == nil:
		case c.isForeign(t) && isUnreadableForeign(err):
			foreign = append(foreign, t)
		default:
			failed = append(failed, t)
		}
	}
	return foreign, failed
}

// statusUnreadableFinding emits the account-level finding for trails whose
// status decides an account-level rule but cannot be read: error when one of
// ours failed, info naming the owning accounts otherwise. It returns false
// when there was nothing to report.
func (c *evalCtx) statusUnreadableFinding(what string, ts []*snapshot.Trail, ev map[string]any) bool {
	foreign, failed := c.unreadableStatus(ts)
	if ev == nil {
		ev = map[string]any{}
	}
	if len(failed) > 0 {
		t := failed[0]
		ev["trail_arn"] = t.ARN
		c.readError(c.accountARN(), "", "the status of "+c.trailLabel(t)+", "+what, c.statusErr(t), ev)
		return true
	}
	if len(foreign) > 0 {
		t := foreign[0]
		err := c.statusErr(t)
		ev["trail_arn"] = t.ARN
		ev["owner_account_id"] = t.OwnerAccountID
		ev["error"] = errEvidence(err)
		c.info(c.accountARN(), "", fmt.Sprintf("%s is %s, but its status can be read only by its owner, account %s (%s: %s)",
			c.trailLabel(t), what, t.OwnerAccountID, err.Action, err.Code), ev)
		return true
	}
	return false
}

// ---------------------------------------------------------------- buckets

// bucketFact names one per-bucket fact: its need and IAM action.
type bucketFact struct {
	need   snapshot.Need
	action string
}

// forEachBucket runs fn for each distinct S3 bucket named by the evaluated
// trails that this account owns and that exists. Buckets of other accounts,
// missing buckets and buckets whose facts were not read are reported here;
// "no trails" gives the account-level skip.
func (c *evalCtx) forEachBucket(fact bucketFact, fn func(b *snapshot.Bucket, resource string, ev map[string]any)) {
	var byBucket map[string][]string
	if c.org != nil {
		var ok bool
		if byBucket, ok = c.orgBuckets(); !ok {
			return
		}
	} else {
		ts, ok := c.listedTrails()
		if !ok {
			return
		}
		byBucket = map[string][]string{}
		for _, t := range ts {
			if t.S3BucketName != "" {
				byBucket[t.S3BucketName] = append(byBucket[t.S3BucketName], t.ARN)
			}
		}
		if len(byBucket) == 0 && len(ts) > 0 {
			c.skip(c.accountARN(), "", "no CloudTrail trail in this account names an S3 bucket", map[string]any{"trails": len(ts)})
			return
		}
	}
	names := make([]string, 0, len(byBucket))
	for n := range byBucket {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		res := c.bucketARN(name)
		ev := map[string]any{"bucket": name, "trails": byBucket[name]}
		b := c.acct.Buckets[name]
		if b == nil || !c.acct.Loaded.Has(fact.need) {
			c.readError(res, "", "bucket "+name, notRead(fact.action), ev)
			continue
		}
		if b.Region != "" {
			ev["bucket_region"] = b.Region
		}
		switch {
		case b.NotFound:
			ev["not_found"] = true
			c.skip(res, b.Region, "bucket "+name+" does not exist (NoSuchBucket); delivery_failing reports what this does to the trail", ev)
		case b.OwnedKnown && !b.Owned:
			ev["owned"] = false
			c.skip(res, b.Region, "bucket "+name+" belongs to another account"+c.outsideAudit()+" (it is not in this account's ListBuckets)", ev)
		case !b.OwnedKnown:
			// Another account's bucket would be skipped: without ListBuckets
			// no verdict is safe.
			err := c.acct.OwnBucketsErr
			if err == nil {
				err = notRead("s3:ListAllMyBuckets")
			}
			c.readError(res, b.Region, "whether bucket "+name+" belongs to this account", err, ev)
		default:
			fn(b, res, ev)
		}
	}
}

// usableBucketFact checks one fact of an own bucket: true when usable;
// otherwise it emits skip (NoSuchBucket) or error and returns false.
func (c *evalCtx) usableBucketFact(b *snapshot.Bucket, res string, ev map[string]any, action string, present bool, rerr *snapshot.ReadError) bool {
	err := c.factErr(0, action, present, rerr)
	if err == nil {
		return true
	}
	if err.Code == "NoSuchBucket" {
		ev["error"] = errEvidence(err)
		c.skip(res, b.Region, "bucket "+b.Name+" does not exist ("+action+": NoSuchBucket)", ev)
		return false
	}
	c.readError(res, b.Region, "bucket "+b.Name, err, ev)
	return false
}

// ---------------------------------------------------------------- event selectors

// describeScope says a management scope in words: "ReadWriteType All, no
// excluded event sources" or "advanced selector, readOnly true, excluding
// kms.amazonaws.com".
func describeScope(s snapshot.ManagementScope) string {
	out := "ReadWriteType " + s.ReadWriteType
	if s.Advanced {
		out = "advanced selector, read and write (no readOnly condition)"
		if s.ReadOnly != "" {
			out = "advanced selector, readOnly " + s.ReadOnly
		}
	}
	if len(s.ExcludedSources) > 0 {
		return out + ", excluding " + strings.Join(s.ExcludedSources, ", ")
	}
	return out + ", no excluded event sources"
}

// rawEvidence returns a raw JSON response as a value that serialises
// cleanly (decoded JSON, or the text when it is not valid JSON).
func rawEvidence(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return v
}

// ---------------------------------------------------------------- formatting

// fmtTime formats a time for reasons and evidence (RFC 3339, UTC).
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago says how long before now t was, in hours or days.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d/time.Minute))
	case d < 72*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// fmtDuration formats a lookback window ("24h", "7d", "90m").
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return d.Round(time.Minute).String()
}

// shortList joins items, shortening to the first max and a count.
func shortList(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

// nonNil returns s, or an empty slice for nil (so evidence shows [] not null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// orNone returns s, or "none" when empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// quoteOrEmpty quotes s, or says "(none)" when empty.
func quoteOrEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return `"` + s + `"`
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }
