package inventory

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// identity is the caller, from sts:GetCallerIdentity.
type identity struct {
	AccountID, Partition, ARN string
}

// identity reads the caller identity (or takes it from Config.CallerARN);
// any failure is a *SetupError, since nothing can be evaluated without the
// account.
func (c *Collector) identity(ctx context.Context, setup *awsSetup) (identity, error) {
	if a, err := arn.Parse(c.cfg.CallerARN); err == nil && a.AccountID != "" {
		c.account.Store(a.AccountID)
		return identity{AccountID: a.AccountID, ARN: c.cfg.CallerARN, Partition: a.Partition}, nil
	}
	v, err := c.cache.get(ctx, "sts:GetCallerIdentity", func(ctx context.Context) (any, error) {
		t := c.track("identity", 1)
		defer t.step()
		out, err := c.sts(setup.cfg.Region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, identityError(err, setup.endpoint, setup.cfg.Region)
		}
		id := identity{AccountID: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), Partition: "aws"}
		if a, err := arn.Parse(id.ARN); err == nil {
			id.Partition = a.Partition
		}
		return id, nil
	})
	if err != nil {
		return identity{}, err
	}
	id := v.(identity)
	c.account.Store(id.AccountID)
	return id, nil
}

// fillRegions sets the evaluated regions: the enabled ones narrowed by the
// configured patterns. When DescribeRegions fails, it is the configured
// exact regions (else the SDK's region), and RegionsErr is set unless every
// configured region is named exactly (then nothing is left unsearched).
func (c *Collector) fillRegions(ctx context.Context, acct *snapshot.Account, setup *awsSetup) error {
	r, err := readFact(c, ctx, "ec2:DescribeRegions", "", func(ctx context.Context) ([]string, error) {
		t := c.track("regions", 1)
		defer t.step()
		out, err := c.ec2(setup.cfg.Region).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, r := range out.Regions {
			name := aws.ToString(r.RegionName)
			if regionPartition(name) != acct.Partition {
				// AWS lists only the caller's partition.
				c.log.Warn("ignoring a region of another partition listed by DescribeRegions", "region", name, "partition", acct.Partition)
				continue
			}
			switch aws.ToString(r.OptInStatus) {
			case "", "opt-in-not-required", "opted-in":
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil, malformed("no enabled region of partition " + acct.Partition)
		}
		return names, nil
	})
	if err != nil {
		return err
	}
	if r.Err != nil {
		acct.Regions = exactRegions(c.cfg.Regions)
		if len(acct.Regions) > 0 && !slices.ContainsFunc(c.cfg.Regions, func(p string) bool { return strings.Contains(p, "*") }) {
			// Every configured region is named: nothing is left unsearched.
			c.log.Warn("cannot read the enabled regions; evaluating the configured regions as named",
				"regions", strings.Join(acct.Regions, ","), "error", r.Err.Message)
			return nil
		}
		acct.RegionsErr = r.Err
		if len(acct.Regions) == 0 {
			acct.Regions = []string{setup.cfg.Region}
		}
		return nil
	}
	kept, unmatched := narrowRegions(r.V, c.cfg.Regions)
	if len(unmatched) > 0 {
		c.log.Warn("configured regions are not enabled in the account; skipping them", "regions", strings.Join(unmatched, ","))
	}
	if len(kept) == 0 {
		c.log.Warn("no enabled region matches the configured regions; nothing to evaluate", "regions", strings.Join(c.cfg.Regions, ","))
	}
	acct.Regions = kept
	return nil
}

// failure sorts a failed call: a setup error or the caller's cancellation
// is returned as err; anything else becomes the fact's ReadError.
func failure(ctx context.Context, action string, err error) (*snapshot.ReadError, error) {
	if se := fatalError(err); se != nil {
		return nil, se
	}
	if ctx.Err() != nil && isContextError(err) {
		return nil, err
	}
	return readError(action, err), nil
}

// parallel runs tasks concurrently (the SDK clients bound in-flight calls
// per service and region), reporting progress under phase (none when
// phase is empty); the first
// error cancels the rest.
func (c *Collector) parallel(ctx context.Context, phase string, tasks []func(context.Context) error) error {
	if len(tasks) == 0 {
		return nil
	}
	var t *tracker
	if phase != "" {
		t = c.track(phase, len(tasks))
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, task := range tasks {
		g.Go(func() error {
			GrowStack()
			if t != nil {
				defer t.step()
			}
			return task(gctx)
		})
	}
	return g.Wait()
}

// arnRegionAccount returns the region and account of an ARN ("" when s is
// not an ARN; region "" when the ARN's is not a valid region name).
func arnRegionAccount(s string) (region, account string) {
	a, err := arn.Parse(s)
	if err != nil {
		return "", ""
	}
	if !validRegion(a.Region) {
		return "", a.AccountID
	}
	return a.Region, a.AccountID
}
