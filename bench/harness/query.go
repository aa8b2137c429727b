package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// FindingTable is the table whose full query evaluates every rule.
const FindingTable = "cloudtrailcc_finding"

// FindingColumns are the columns of the finding table a run of the rules
// reads, as select * would: every column but the tags, which read what no
// rule needs (cloudtrail:ListTags, s3:GetBucketTagging).
func FindingColumns(ctx context.Context, c *inproc.Client) ([]string, error) {
	schema, err := c.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the plugin schema: %w", err)
	}
	var out []string
	for _, col := range schema[FindingTable] {
		if col.Name != cloudtrailcc.FindingTagsColumn {
			out = append(out, col.Name)
		}
	}
	return out, nil
}

// QueryAll runs `select columns from table` on every connection of c at
// once and returns the rows by connection and the wall time from the first
// query's start to the last one's end.
func QueryAll(ctx context.Context, c *inproc.Client, table string, columns []string) (map[string][]inproc.Row, time.Duration, error) {
	var mu sync.Mutex
	out := map[string][]inproc.Row{}
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	for _, conn := range c.Connections() {
		g.Go(func() error {
			rows, err := c.Query(gctx, conn, table, columns, nil)
			if err != nil {
				return fmt.Errorf("connection %s: %w", conn, err)
			}
			mu.Lock()
			out[conn] = rows
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	return out, time.Since(start), err
}

// CountAll runs `select columns from table` on every connection of c at
// once, passing each row to count as it comes off the plugin's stream (one
// call at a time), before any value is decoded: the reader of a measured
// run does what Steampipe's foreign data wrapper does in this process and
// leaves the rest to PostgreSQL, so the process's time and memory are the
// plugin's. It returns the wall time from the first query's start to the
// last one's end.
func CountAll(ctx context.Context, c *inproc.Client, table string, columns []string, count func(*proto.Row)) (time.Duration, error) {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	for _, conn := range c.Connections() {
		g.Go(func() error {
			err := c.ScanWire(gctx, conn, table, columns, func(r *proto.Row) error {
				mu.Lock()
				defer mu.Unlock()
				count(r)
				return nil
			})
			if err != nil {
				return fmt.Errorf("connection %s: %w", conn, err)
			}
			return nil
		})
	}
	err := g.Wait()
	return time.Since(start), err
}
