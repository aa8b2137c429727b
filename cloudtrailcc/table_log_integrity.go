package cloudtrailcc

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/go-hclog"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin/transform"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
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
	{"trail_arn", proto.ColumnType_STRING, "ARN of the trail whose files were verified.", func(x integrityRow) any { return x.trail }},
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

// awsConfig is the connection's SDK configuration: the credentials that
// read the trails' buckets and CloudTrail's public keys.
func (s *sources) awsConfig(ctx context.Context, conn *plugin.Connection, logger hclog.Logger) (aws.Config, error) {
	e, err := s.get(conn, logger)
	if err != nil {
		return aws.Config{}, err
	}
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
	if err == nil {
		// Every reply is judged by its declared shape, as the inventory's.
		cfg.APIOptions = append(cfg.APIOptions, inventory.ReplyGuards()...)
	}
	if err != nil {
		return aws.Config{}, readError(err)
	}
	return cfg, nil
}

// listLogIntegrity verifies each trail with log file validation (one at a
// time; each verification reads in parallel) and streams its verdicts.
func (s *sources) listLogIntegrity(ctx context.Context, d *plugin.QueryData, _ *plugin.HydrateData) (any, error) {
	start, end, err := integrityWindow(d, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	q := newQuery(d, []string{"trail_arn", accountIDColumn})
	org, err := s.snapshot(ctx, d, snapshot.NeedTrails|snapshot.NeedTrailStatus)
	if err != nil {
		return nil, err
	}
	cfg, err := s.awsConfig(ctx, d.Connection, d.Table.Plugin.Logger)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for acct := range org.Each() {
		for _, t := range acct.Trails {
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
			if err := verifyTrail(ctx, d, cfg, tr, q.equals[accountIDColumn], start, end); err != nil {
				return nil, err
			}
			if d.RowsRemaining(ctx) == 0 {
				return nil, nil
			}
		}
	}
	return nil, nil
}

// verifyTrail streams the verdicts of one trail. A trail whose target
// cannot be worked out (its bucket unreadable) is one error row.
func verifyTrail(ctx context.Context, d *plugin.QueryData, cfg aws.Config, tr logintegrity.Trail, accounts []string, start, end time.Time) error {
	home, owner, _, err := logintegrity.ParseTrailARN(tr.ARN)
	if err != nil {
		return err
	}
	a := logintegrity.NewAWS(cfg, home)
	target, err := a.TargetOf(ctx, tr, accounts, start, end)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(accounts) > 0 && !slices.Contains(accounts, owner) && !tr.Organization {
			return nil
		}
		d.StreamListItem(ctx, integrityRow{trail: tr.ARN, start: start, end: end, r: logintegrity.Result{
			Kind: logintegrity.KindGap, Account: owner, Region: home, Bucket: tr.Bucket, Status: logintegrity.Error,
			Detail: err.Error(), Start: start, End: end}})
		return nil
	}
	_, err = logintegrity.Verify(ctx, a, a, target, logintegrity.Options{}, func(r logintegrity.Result) {
		d.StreamListItem(ctx, integrityRow{trail: tr.ARN, r: r, start: start, end: end})
	})
	if err != nil && ctx.Err() == nil {
		d.StreamListItem(ctx, integrityRow{trail: tr.ARN, start: start, end: end, r: logintegrity.Result{
			Kind: logintegrity.KindGap, Account: owner, Region: home, Bucket: tr.Bucket, Status: logintegrity.Error,
			Detail: err.Error(), Start: start, End: end}})
	}
	return nil
}
