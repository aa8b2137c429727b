package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
)

// Replay makes calls (a least-calls graph, bound.Graph.Calls) against the
// emulator at url with bare SDK clients, each call as soon as the calls it
// depends on returned, and returns the wall time from the first call to the
// last answer. Each call is a parameterless read of its service standing in
// for the action (cloudtrail:DescribeTrails for every CloudTrail action,
// s3:ListBuckets for S3's, and so on): it measures what the SDK alone costs
// for the same number of calls in the same order, the floor under the
// plugin's own wall time. keys maps an account id to its access key and
// secret key.
func Replay(ctx context.Context, url string, keys map[string][2]string, calls []bound.Call) (time.Duration, error) {
	pool := awstransport.Wrap(awstransport.NewPool())
	var mu sync.Mutex
	clients := map[string]func(context.Context) error{}
	callFor := func(service, account string) (func(context.Context) error, error) {
		mu.Lock()
		defer mu.Unlock()
		key := service + "|" + account
		if f, ok := clients[key]; ok {
			return f, nil
		}
		k, ok := keys[account]
		if !ok {
			return nil, fmt.Errorf("replay: no keys for account %s", account)
		}
		cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: pool,
			Credentials: credentials.NewStaticCredentialsProvider(k[0], k[1], ""), RetryMaxAttempts: 1}
		var f func(context.Context) error
		switch service {
		case "sts":
			c := sts.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.GetCallerIdentity(ctx, nil); return err }
		case "ec2":
			c := ec2.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.DescribeRegions(ctx, nil); return err }
		case "cloudtrail":
			c := cloudtrail.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.DescribeTrails(ctx, nil); return err }
		case "s3":
			c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
			f = func(ctx context.Context) error { _, err := c.ListBuckets(ctx, nil); return err }
		case "sns":
			c := sns.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.ListTopics(ctx, nil); return err }
		case "kms":
			c := kms.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.ListKeys(ctx, nil); return err }
		case "organizations":
			c := organizations.NewFromConfig(cfg)
			f = func(ctx context.Context) error { _, err := c.ListAccounts(ctx, nil); return err }
		default:
			return nil, fmt.Errorf("replay: no stand-in call for service %s", service)
		}
		clients[key] = f
		return f, nil
	}
	done := make([]chan struct{}, len(calls))
	for i := range done {
		done[i] = make(chan struct{})
	}
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	for i, c := range calls {
		service, _, _ := strings.Cut(c.Action, ":")
		call, err := callFor(service, c.Account)
		if err != nil {
			return 0, err
		}
		g.Go(func() error {
			defer close(done[i])
			for _, d := range c.Deps {
				select {
				case <-done[d]:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			if err := call(gctx); err != nil {
				return fmt.Errorf("replay: %s as %s: %w", c.Action, c.Account, err)
			}
			return nil
		})
	}
	err := g.Wait()
	return time.Since(start), err
}
