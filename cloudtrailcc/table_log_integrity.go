package cloudtrailcc

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin/transform"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// logIntegrityTable is the name of the log file integrity table.
const logIntegrityTable = "cloudtrailcc_log_integrity"

// defaultIntegrityWindow is how far back cloudtrailcc_log_integrity
// verifies when the query bounds neither period_start nor period_end.
const defaultIntegrityWindow = 24 * time.Hour

// integrityRow is one verdict of a trail's verification.
type integrityRow struct {
	trail      string
	r          logintegrity.Result
	start, end time.Time // the window verified
}

// controlStatus maps a verdict to a benchmark status: ok for valid, info
// for hours without digests that nothing names, error when the file could
// not be judged, alarm for every sign of tampering.
func controlStatus(s logintegrity.Status) string {
	switch s {
	case logintegrity.Valid:
		return "ok"
	case logintegrity.NotFound:
		return "info"
	case logintegrity.Error:
		return "error"
	}
	return "alarm"
}

// integrityColumn is one column of cloudtrailcc_log_integrity.
type integrityColumn struct {
	name string
	typ  proto.ColumnType
	desc string
	get  func(integrityRow) any
}

func optTimeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

var integrityColumns = []integrityColumn{
	{"trail_arn", proto.ColumnType_STRING, "ARN of the trail whose files were verified; null for an error row about an account or region whose trails could not be read.", func(x integrityRow) any { return optString(x.trail) }},
	{"kind", proto.ColumnType_STRING, "What the row is about: digest (a digest file), log (a log file) or gap (hours of the window without digests).", func(x integrityRow) any { return string(x.r.Kind) }},
	{"status", proto.ColumnType_STRING, "The verdict: valid, modified, deleted, not_found (hours no digest covers and nothing names), unknown_key (signed with a key CloudTrail never published), uncovered (a file no digest or chain lists) or error (the file could not be judged).", func(x integrityRow) any { return string(x.r.Status) }},
	{"control_status", proto.ColumnType_STRING, "The verdict as a benchmark status: ok (valid), info (not_found), error, or alarm (any sign of tampering).", func(x integrityRow) any { return controlStatus(x.r.Status) }},
	{"detail", proto.ColumnType_STRING, "Why the file is not valid; null when it is.", func(x integrityRow) any { return optString(x.r.Detail) }},
	{"account_id", proto.ColumnType_STRING, "The account whose files these are (a member account for an organization trail).", func(x integrityRow) any { return x.r.Account }},
	{"region", proto.ColumnType_STRING, "The region the files were delivered for.", func(x integrityRow) any { return x.r.Region }},
	{"bucket", proto.ColumnType_STRING, "The S3 bucket holding the file.", func(x integrityRow) any { return x.r.Bucket }},
	{"object_key", proto.ColumnType_STRING, "The S3 key of the file; null for a gap no surviving digest names.", func(x integrityRow) any { return optString(x.r.Key) }},
	{"s3_uri", proto.ColumnType_STRING, "s3://bucket/key of the file; null for a gap.", func(x integrityRow) any {
		if x.r.Key == "" {
			return nil
		}
		return "s3://" + x.r.Bucket + "/" + x.r.Key
	}},
	{"period_start", proto.ColumnType_TIMESTAMP, "Start of the digest's period (digestStartTime), of the gap, or the log file's oldest event. Bounds on it set the window verified (default: the last 24 hours).", func(x integrityRow) any { return optTimeValue(x.r.Start) }},
	{"period_end", proto.ColumnType_TIMESTAMP, "End of the digest's period (digestEndTime), of the gap, or the log file's newest event. Bounds on it set the window verified.", func(x integrityRow) any { return optTimeValue(x.r.End) }},
	{"digest_key", proto.ColumnType_STRING, "For a log file, the key of the digest file that lists it.", func(x integrityRow) any { return optString(x.r.Digest) }},
	{"window_start", proto.ColumnType_TIMESTAMP, "Start of the window verified.", func(x integrityRow) any { return x.start }},
	{"window_end", proto.ColumnType_TIMESTAMP, "End of the window verified.", func(x integrityRow) any { return x.end }},
}

// logIntegrityTableOf is cloudtrailcc_log_integrity: the verification of
// every trail with log file validation, one row per digest file, log file
// and gap in the window.
func logIntegrityTableOf(srcs *sources) *plugin.Table {
	timeOps := []string{"=", ">", ">=", "<", "<="}
	tbl := &plugin.Table{
		Name:        logIntegrityTable,
		Description: "CloudTrail log file integrity: each trail with log file validation, its digest chain walked and verified over a time window (default the last 24 hours; bound period_start or period_end to choose), one row per digest file, log file and gap, as valid, modified, deleted, not_found, unknown_key, uncovered or error.",
		List: &plugin.ListConfig{
			Hydrate: srcs.listLogIntegrity,
			KeyColumns: plugin.KeyColumnSlice{
				{Name: "trail_arn", Require: plugin.Optional, Operators: []string{"="}},
				{Name: accountIDColumn, Require: plugin.Optional, Operators: []string{"="}},
				{Name: "period_start", Require: plugin.Optional, Operators: timeOps},
				{Name: "period_end", Require: plugin.Optional, Operators: timeOps},
			},
		},
	}
	for _, c := range integrityColumns {
		get := c.get
		tbl.Columns = append(tbl.Columns, &plugin.Column{Name: c.name, Type: c.typ, Description: c.desc,
			Transform: transform.From(func(_ context.Context, td *transform.TransformData) (any, error) {
				row, ok := td.HydrateItem.(integrityRow)
				if !ok {
					return nil, fmt.Errorf("column %s: unexpected row type %T", td.ColumnName, td.HydrateItem)
				}
				return get(row), nil
			})})
	}
	return tbl
}

// integrityWindow reads the window from the quals on period_start and
// period_end: the lowest lower bound and the highest upper bound.
func integrityWindow(d *plugin.QueryData, now time.Time) (time.Time, time.Time, error) {
	var start, end time.Time
	for _, col := range []string{"period_start", "period_end"} {
		qs := d.Quals[col]
		if qs == nil {
			continue
		}
		for _, q := range qs.Quals {
			ts := q.Value.GetTimestampValue()
			if ts == nil {
				continue
			}
			t := ts.AsTime()
			switch q.Operator {
			case ">", ">=":
				if start.IsZero() || t.Before(start) {
					start = t
				}
			case "<", "<=":
				if end.IsZero() || t.After(end) {
					end = t
				}
			case "=":
				if start.IsZero() || t.Before(start) {
					start = t
				}
				if end.IsZero() || t.After(end) {
					end = t.Add(time.Second)
				}
			}
		}
	}
	if end.IsZero() {
		end = now
	}
	if start.IsZero() {
		start = end.Add(-defaultIntegrityWindow)
	}
	if err := logintegrity.CheckWindow(start, end, now); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("%s: %w", logIntegrityTable, err)
	}
	return start, end, nil
}

// awsConfig is a single-account connection's SDK configuration: the
// credentials that read the trails' buckets and CloudTrail's public keys.
func (s *sources) awsConfig(ctx context.Context, conn *plugin.Connection, e *sourceEntry) (aws.Config, error) {
	col := e.col
	if col == nil {
		st, _, err := s.conns.settings(conn)
		if err != nil {
			return aws.Config{}, fmt.Errorf("connection %s: %w", conn.Name, err)
		}
		cfg := st.Inventory
		cfg.HTTPClient = s.http
		if col, err = inventory.New(cfg); err != nil {
			return aws.Config{}, fmt.Errorf("connection %s: %w", conn.Name, err)
		}
	}
	cfg, err := col.LoadedAWS(ctx)
	if err != nil {
		return aws.Config{}, readError(err)
	}
	return guarded(cfg), nil
}

// guarded is cfg with every reply judged by its declared shape, as the
// inventory's are.
func guarded(cfg aws.Config) aws.Config {
	cfg.APIOptions = slices.Concat(cfg.APIOptions, inventory.ReplyGuards())
	return cfg
}

// integrityAccess gives each trail's verification the credentials it reads
// through: a single-account connection's own; in an organization
// connection, the bucket through the audited account that owns it and
// CloudTrail through the trail's home account, each assumed once a query.
type integrityAccess struct {
	single *aws.Config
	org    *organization.Collector
	snap   *snapshot.Organization
	byID   map[string]accountAccess
}

type accountAccess struct {
	cfg aws.Config
	err error
}

// account is the configuration that reads as the audited account id.
func (a *integrityAccess) account(ctx context.Context, partition, id string) (aws.Config, error) {
	if got, ok := a.byID[id]; ok {
		return got.cfg, got.err
	}
	cfg, err := a.org.AccountAWS(ctx, partition, id)
	if err == nil {
		cfg = guarded(cfg)
	} else {
		err = readError(err)
	}
	a.byID[id] = accountAccess{cfg, err}
	return cfg, err
}

// readers returns the readers of trail tr, or why its bucket or keys
// cannot be read through the accounts that own them.
func (a *integrityAccess) readers(ctx context.Context, tr logintegrity.Trail) (*logintegrity.AWS, error) {
	home, trailAccount, _, err := logintegrity.ParseTrailARN(tr.ARN)
	if err != nil {
		return nil, err
	}
	if a.org == nil {
		return logintegrity.NewAWS(*a.single, home), nil
	}
	partition := strings.SplitN(tr.ARN, ":", 3)[1]
	owner := a.snap.BucketOwner(tr.Bucket)
	if owner == "" {
		return nil, fmt.Errorf("organization mode reads a bucket only through the audited account that owns it, and no audited account's s3:ListAllMyBuckets lists %s%s", tr.Bucket, a.unread())
	}
	bucketCfg, err := a.account(ctx, partition, owner)
	if err != nil {
		return nil, fmt.Errorf("cannot read bucket %s through its owner, account %s: %w", tr.Bucket, owner, err)
	}
	if a.snap.Account(trailAccount) == nil {
		return nil, fmt.Errorf("organization mode calls cloudtrail:ListPublicKeys through the trail's home account %s, which was not read%s", trailAccount, a.unread())
	}
	trailCfg, err := a.account(ctx, partition, trailAccount)
	if err != nil {
		return nil, fmt.Errorf("cannot call cloudtrail:ListPublicKeys through the trail's home account %s: %w", trailAccount, err)
	}
	r := logintegrity.NewAWSAs(bucketCfg, trailCfg, home)
	if b := a.snap.Account(owner).Buckets[tr.Bucket]; b != nil {
		r.KnowBucketRegion(tr.Bucket, b.Region)
	}
	return r, nil
}

// unread says which accounts could not be read or list their buckets: an
// owner may be among them.
func (a *integrityAccess) unread() string {
	var out []string
	for _, f := range a.snap.Failed {
		out = append(out, fmt.Sprintf("account %s was not read (%s)", f.AccountID, f.Err.Error()))
	}
	for acct := range a.snap.Each() {
		if acct.OwnBucketsErr != nil {
			out = append(out, fmt.Sprintf("account %s did not list its buckets (%s)", acct.AccountID, acct.OwnBucketsErr.Error()))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "; " + strings.Join(out, "; ")
}

// listLogIntegrity verifies each trail with log file validation (one at a
// time; each verification reads in parallel) and streams its verdicts.
// What keeps a trail from being verified at all (its account or region's
// trails unread, its readers unavailable) is an error row, never no row.
func (s *sources) listLogIntegrity(ctx context.Context, d *plugin.QueryData, _ *plugin.HydrateData) (any, error) {
	start, end, err := integrityWindow(d, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	q := newQuery(d, []string{"trail_arn", accountIDColumn})
	e, err := s.get(d.Connection, d.Table.Plugin.Logger)
	if err != nil {
		return nil, err
	}
	need := snapshot.NeedTrails | snapshot.NeedTrailStatus
	if e.orgCol != nil {
		need |= snapshot.NeedBucketOwner // who owns each trail bucket, and where
	}
	org, err := s.snapshot(ctx, d, need)
	if err != nil {
		return nil, err
	}
	access := &integrityAccess{org: e.orgCol, snap: org, byID: map[string]accountAccess{}}
	if e.orgCol == nil {
		cfg, err := s.awsConfig(ctx, d.Connection, e)
		if err != nil {
			return nil, err
		}
		access.single = &cfg
	}
	fail := func(trail, account, region, bucket, detail string) {
		d.StreamListItem(ctx, integrityRow{trail: trail, start: start, end: end, r: logintegrity.Result{
			Kind: logintegrity.KindGap, Account: account, Region: region, Bucket: bucket, Status: logintegrity.Error,
			Detail: detail, Start: start, End: end}})
	}
	for _, f := range org.Failed {
		if q.match(accountIDColumn, f.AccountID) {
			fail("", f.AccountID, "", "", "the account's trails could not be read, so none was verified: "+f.Err.Error())
		}
	}
	seen := map[string]bool{}
	for acct := range org.Each() {
		if q.match(accountIDColumn, acct.AccountID) {
			if acct.RegionsErr != nil {
				fail("", acct.AccountID, "", "", "the account's regions could not be read, so trails homed in some may not be verified: "+acct.RegionsErr.Error())
			}
			for _, region := range slices.Sorted(maps.Keys(acct.TrailListErrors)) {
				fail("", acct.AccountID, region, "", "the region's trails could not be read, so none was verified: "+acct.TrailListErrors[region].Error())
			}
		}
		for _, t := range acct.Trails {
			t = org.OwnerCopy(acct.AccountID, t) // its owner read its status
			if seen[t.ARN] || !t.LogFileValidationEnabled || t.S3BucketName == "" || !q.match("trail_arn", t.ARN) {
				continue
			}
			seen[t.ARN] = true
			tr := logintegrity.Trail{ARN: t.ARN, Bucket: t.S3BucketName, Prefix: t.S3KeyPrefix,
				Organization: t.IsOrganizationTrail, MultiRegion: t.IsMultiRegionTrail}
			if t.Status != nil && t.Status.LatestDigestDeliveryTime != nil {
				tr.LatestDigestDelivery = *t.Status.LatestDigestDeliveryTime
			}
			if t.Status != nil && t.Status.IsLogging && t.Status.StartLoggingTime != nil {
				tr.LoggingSince = *t.Status.StartLoggingTime
			}
			if t.Status == nil && t.StatusErr != nil {
				tr.StatusUnread = t.StatusErr.Error()
			}
			if !t.IsOrganizationTrail && !q.match(accountIDColumn, t.OwnerAccountID) {
				continue
			}
			// What keeps the whole trail from being verified stands for
			// every account whose files it holds, so that a query of one
			// account sees it.
			failTrail := func(detail string) {
				for _, id := range trailAccounts(org, t, q.equals[accountIDColumn]) {
					fail(t.ARN, id, t.HomeRegion, t.S3BucketName, detail)
				}
			}
			if t.StatusErr != nil && t.Status == nil {
				// Without the latest digest delivery, digests missing at the
				// end of the window cannot be told deleted from not delivered.
				failTrail("the trail's status could not be read, so digests missing at the end of the window cannot be told deleted: " + t.StatusErr.Error())
			}
			readers, err := access.readers(ctx, tr)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				failTrail(err.Error())
				continue
			}
			if err := verifyTrail(ctx, d, readers, tr, q.equals[accountIDColumn], start, end, failTrail); err != nil {
				return nil, err
			}
			if d.RowsRemaining(ctx) == 0 {
				return nil, nil
			}
		}
	}
	return nil, nil
}

// trailAccounts are the accounts whose files trail t holds, as far as the
// audit knows them: its owner's; for an organization trail the accounts
// asked for, else every audited account.
func trailAccounts(org *snapshot.Organization, t *snapshot.Trail, asked []string) []string {
	if !t.IsOrganizationTrail {
		return []string{t.OwnerAccountID}
	}
	if len(asked) > 0 {
		return asked
	}
	ids := append([]string{t.OwnerAccountID}, org.IDs()...)
	for _, f := range org.Failed {
		ids = append(ids, f.AccountID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// verifyTrail streams the verdicts of one trail. A trail whose target
// cannot be worked out (its bucket unreadable) or whose keys cannot be
// read is reported through fail.
func verifyTrail(ctx context.Context, d *plugin.QueryData, a *logintegrity.AWS, tr logintegrity.Trail, accounts []string, start, end time.Time, fail func(detail string)) error {
	target, err := a.TargetOf(ctx, tr, accounts, start, end)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fail(err.Error())
		return nil
	}
	_, err = logintegrity.Verify(ctx, a, a, target, logintegrity.Options{}, func(r logintegrity.Result) {
		d.StreamListItem(ctx, integrityRow{trail: tr.ARN, r: r, start: start, end: end})
	})
	if err != nil && ctx.Err() == nil {
		fail(err.Error())
	}
	return nil
}
