package rules

// Which trails a rule evaluates, and the trail facts it may use.

import (
	"fmt"
	"slices"
	"sort"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// noTrailsReason is the reason of the account-level skip a per-trail or
// per-bucket rule gives when there is nothing to evaluate.
const noTrailsReason = "no CloudTrail trails in this account"

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
