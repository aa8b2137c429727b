// Package inventory reads the CloudTrail-related facts of one AWS account
// into a *snapshot.Account: caller identity, enabled regions, trails with
// their status, selectors and tags, the S3 buckets, SNS topics and KMS keys
// they use, and CloudTrail configuration-change events.
//
// It only calls Describe/Get/List/Lookup APIs. Each fact is read once per
// cache period however many concurrent Snapshot calls ask for it; calls are
// retried on throttling and 5xx, bounded per service and region, and
// LookupEvents keeps to CloudTrail's 2 requests per second. A successful
// reply without its API's shape (guard.go, shape.go) is a read error with
// code MalformedResponse, never a fact.
package inventory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Collector reads facts of one account (one connection) and caches them.
// It is safe for concurrent use.
type Collector struct {
	cfg        Config
	log        hclog.Logger
	ignore     *errorFilter
	eventNames []string
	cache      *factCache

	setupMu sync.Mutex
	setup   *awsSetup
	account atomic.Value // string: the caller's account id, once known

	bucketMu sync.Mutex // guards Bucket.NotFound, set by parallel reads

	clientsMu sync.Mutex
	clients   map[string]func() any // service/region -> its client, built once

	countMu  sync.Mutex
	calls    map[string]int
	attempts map[string]int

	progressMu sync.Mutex
	progress   func(Progress)
}

// Progress reports how far a Snapshot has got in one phase ("identity",
// "regions", "trails", "trail details", "buckets", "topics", "keys",
// "config changes"): Done of Total reads finished.
type Progress struct {
	Phase       string
	Done, Total int
}

// New validates cfg and returns a Collector; it performs no I/O.
func New(cfg Config) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid inventory configuration: %w", err)
	}
	cfg = cfg.withDefaults()
	names, dropped := changeEventNames(cfg.ConfigChangeEvents)
	if len(dropped) > 0 {
		cfg.Logger.Warn("read-only event names never count as configuration changes; ignoring them", "config_change_events", dropped)
	}
	return &Collector{
		cfg:        cfg,
		log:        cfg.Logger,
		ignore:     newErrorFilter(cfg),
		eventNames: names,
		cache:      newFactCache(cfg.CacheTTL),
		clients:    map[string]func() any{},
		calls:      map[string]int{},
		attempts:   map[string]int{},
	}, nil
}

// SetProgress installs a hook called as reads finish (from several
// goroutines, one call at a time); nil removes it.
func (c *Collector) SetProgress(fn func(p Progress)) {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.progress = fn
}

// APICalls returns the completed AWS operations so far by IAM action
// (e.g. "cloudtrail:DescribeTrails"), whatever their outcome.
func (c *Collector) APICalls() map[string]int {
	c.countMu.Lock()
	defer c.countMu.Unlock()
	return maps.Clone(c.calls)
}

// APIAttempts returns the HTTP attempts so far by IAM action, retries included.
func (c *Collector) APIAttempts() map[string]int {
	c.countMu.Lock()
	defer c.countMu.Unlock()
	return maps.Clone(c.attempts)
}

func (c *Collector) count(m *map[string]int, action string) {
	c.countMu.Lock()
	(*m)[action]++
	c.countMu.Unlock()
}

func (c *Collector) accountID() string {
	s, _ := c.account.Load().(string)
	return s
}

// tracker counts the reads of one phase for the progress hook.
type tracker struct {
	c     *Collector
	phase string
	total int
	done  atomic.Int64
}

func (c *Collector) track(phase string, total int) *tracker {
	t := &tracker{c: c, phase: phase, total: total}
	t.report(0)
	return t
}

// step marks one read of the phase finished.
func (t *tracker) step() { t.report(int(t.done.Add(1))) }

func (t *tracker) report(done int) {
	t.c.progressMu.Lock()
	defer t.c.progressMu.Unlock()
	if t.c.progress != nil {
		t.c.progress(Progress{Phase: t.phase, Done: done, Total: t.total})
	}
}

// Snapshot returns the facts need asks for (plus the caller identity), read
// or taken from the cache. The *snapshot.Account is the caller's own; the
// fact values it points to are shared and must not be modified.
//
// The error is a *SetupError when nothing can be read (no or invalid
// credentials, unreachable endpoint), or the context's error; a fact that
// could not be read is recorded as a *snapshot.ReadError in the snapshot.
func (c *Collector) Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Account, error) {
	need = need.WithDependencies()
	acct := &snapshot.Account{ReadAt: time.Now().UTC(), Loaded: need}
	setup, err := c.loadAWS(ctx)
	if err != nil {
		return nil, err
	}
	id, err := c.identity(ctx, setup)
	if err != nil {
		return nil, err
	}
	acct.AccountID, acct.Partition, acct.CallerARN = id.AccountID, id.Partition, id.ARN
	if !need.Has(snapshot.NeedRegions) {
		return acct, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	var own result[map[string]bool]
	trailsReady, ownReady := make(chan struct{}), make(chan struct{})
	if need.NeedsBucket() {
		// ListBuckets needs no region list: it runs beside DescribeRegions
		// and DescribeTrails, off the critical path.
		g.Go(func() error {
			GrowStack()
			defer close(ownReady)
			var err error
			own, err = c.ownBuckets(gctx, acct)
			return err
		})
		g.Go(func() error {
			for _, ch := range []chan struct{}{trailsReady, ownReady} {
				select {
				case <-ch:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return c.fillBuckets(gctx, acct, need, own)
		})
	}
	g.Go(func() error {
		GrowStack()
		if err := c.fillRegions(gctx, acct, setup); err != nil {
			return err
		}
		if need.Has(snapshot.NeedConfigChanges) {
			g.Go(func() error {
				GrowStack()
				return c.fillConfigChanges(gctx, acct)
			})
		}
		if !need.Has(snapshot.NeedTrails) {
			return nil
		}
		err := c.fillTrails(gctx, acct)
		close(trailsReady)
		if err != nil {
			return err
		}
		return c.fillTrailDetails(gctx, acct, need)
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return acct, nil
}

// Extend returns a copy of acct that also holds need. acct may come from
// another process (a disk cache) for the same account and configuration.
// When all that is missing are details of the trails acct lists (status,
// selectors, insight selectors, tags, SNS topics, KMS keys) or the tags of
// the buckets it read, only those are read, and the copy keeps acct's other
// facts and its ReadAt; otherwise the whole snapshot is collected again for
// need and what acct holds.
func (c *Collector) Extend(ctx context.Context, acct *snapshot.Account, need snapshot.Need) (*snapshot.Account, error) {
	missing := need.WithDependencies() &^ acct.Loaded
	if missing == 0 {
		return acct.Clone()
	}
	addable := snapshot.NeedTrailDetails
	if acct.Loaded.NeedsBucket() {
		addable |= snapshot.NeedBucketTags // the buckets, their owners and regions are known
	}
	if missing&^addable != 0 || !acct.Loaded.Has(snapshot.NeedTrails) {
		return c.Snapshot(ctx, need|acct.Loaded)
	}
	if _, err := c.loadAWS(ctx); err != nil {
		return nil, err
	}
	out, err := acct.Clone()
	if err != nil {
		return nil, err
	}
	c.account.Store(out.AccountID)
	if err := c.fillTrailDetails(ctx, out, missing); err != nil {
		return nil, err
	}
	if missing.Has(snapshot.NeedBucketTags) {
		if err := c.fillBucketTags(ctx, out); err != nil {
			return nil, err
		}
	}
	out.Loaded |= missing
	return out, nil
}

// iamActions are the IAM actions the inventory may call: all reads.
var iamActions = []string{
	"cloudtrail:DescribeTrails",
	"cloudtrail:GetEventSelectors",
	"cloudtrail:GetInsightSelectors",
	"cloudtrail:GetTrailStatus",
	"cloudtrail:ListTags",
	"cloudtrail:LookupEvents",
	"ec2:DescribeRegions",
	"kms:DescribeKey",
	"s3:GetAccountPublicAccessBlock",
	"s3:GetBucketAcl",
	"s3:GetBucketLocation",
	"s3:GetBucketLogging",
	"s3:GetBucketOwnershipControls",
	"s3:GetBucketPolicyStatus",
	"s3:GetBucketPublicAccessBlock",
	"s3:GetBucketTagging",
	"s3:GetBucketVersioning",
	"s3:ListAllMyBuckets",
	"sns:GetTopicAttributes",
	"sts:GetCallerIdentity",
}

// IAMActions returns the IAM actions a Collector may call, sorted: the
// minimal IAM policy for a full snapshot.
func IAMActions() []string { return slices.Clone(iamActions) }
