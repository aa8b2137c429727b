package cloudtrailcc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/go-hclog"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapcache"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// source is what the tables read facts through: an inventory.Collector,
// optionally behind a disk cache.
type source = snapcache.Source

// sources holds one source per connection. It is created on first use,
// shared by every table and hydrate of the connection (so each AWS fact is
// read once per cache period however many tables ask), and replaced when
// the connection's configuration changes.
type sources struct {
	mu     sync.Mutex
	byName map[string]*sourceEntry
	// progress, when set, hears how far each organization audit is.
	progress func(connection string, done, total int)
	// http carries the calls of every connection: one connection pool for
	// the process instead of one per connection or per member account.
	http aws.HTTPClient
	// conns are the connections' parsed settings.
	conns *connections
}

type sourceEntry struct {
	key string
	src source
	// col is the collector behind src: it reads the identity alone, which
	// a disk cache in front of it would not.
	col *inventory.Collector
	// org reads an organization audit (src and col are nil then): an
	// organization.Collector, optionally behind a disk cache.
	org snapcache.OrganizationSource
	// orgCol is the organization.Collector behind org: it assumes the
	// role of one account alone, which a disk cache in front of it would
	// not.
	orgCol *organization.Collector
}

func newSources() *sources {
	return &sources{byName: map[string]*sourceEntry{}, http: awstransport.NewPool(), conns: newConnections()}
}

// get returns the source of conn, creating or replacing it as needed.
func (s *sources) get(conn *plugin.Connection, logger hclog.Logger) (*sourceEntry, error) {
	st, _, err := s.conns.settings(conn)
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", conn.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byName[conn.Name]; ok && e.key == st.Key {
		return e, nil
	}
	cfg := st.Inventory
	if logger != nil {
		cfg.Logger = logger.Named("inventory")
	}
	cfg.HTTPClient = s.http
	if st.Organization != nil {
		oc := *st.Organization
		oc.Inventory = cfg
		org, err := organization.New(oc)
		if err != nil {
			return nil, fmt.Errorf("connection %s: %w", conn.Name, err)
		}
		if s.progress != nil {
			name := conn.Name
			org.SetProgress(func(done, total int) { s.progress(name, done, total) })
		}
		e := &sourceEntry{key: st.Key, org: org, orgCol: org}
		if st.CacheDir != "" {
			e.org = snapcache.NewOrganization(s.cacheConfig(st, cfg), org)
		}
		s.byName[conn.Name] = e
		return e, nil
	}
	col, err := inventory.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", conn.Name, err)
	}
	var src source = col
	if st.CacheDir != "" {
		src = snapcache.New(s.cacheConfig(st, cfg), col)
	}
	e := &sourceEntry{key: st.Key, src: src, col: col}
	s.byName[conn.Name] = e
	return e, nil
}

// cacheConfig is the disk cache of a connection: one collection serves a
// whole benchmark run (every fact the rules read, plus what the query asks
// for).
func (s *sources) cacheConfig(st settings, cfg inventory.Config) snapcache.Config {
	return snapcache.Config{Dir: st.CacheDir, Key: st.Key, TTL: cfg.CacheTTL, Base: rules.NeedsOf()}
}

// snapshot returns the connection's snapshots holding at least need: its
// account's, or every audited account's for an organization audit. A fatal
// setup problem (no or invalid credentials, endpoint unreachable, the
// organization's accounts not listable) is returned as a one-line error;
// per-fact and per-account failures are in the snapshots.
func (s *sources) snapshot(ctx context.Context, d *plugin.QueryData, need snapshot.Need) (*snapshot.Organization, error) {
	e, err := s.get(d.Connection, d.Table.Plugin.Logger)
	if err != nil {
		return nil, err
	}
	var org *snapshot.Organization
	if e.org != nil {
		org, err = e.org.Snapshot(ctx, need)
	} else {
		var acct *snapshot.Account
		acct, err = e.src.Snapshot(ctx, need)
		org = snapshot.Single(acct)
	}
	if err != nil {
		return nil, readError(err)
	}
	return org, nil
}

// mayHold reports whether conn can have rows of one of the accounts ids.
// A single-account connection holds only its own account, known from its
// identity (sts:GetCallerIdentity, cached with the connection's other
// facts) and read alone, so a query about another account makes no other
// AWS call. An organization connection may hold any of them; its rows are
// filtered by account.
func (s *sources) mayHold(ctx context.Context, conn *plugin.Connection, logger hclog.Logger, ids []string) (bool, error) {
	e, err := s.get(conn, logger)
	if err != nil {
		return false, err
	}
	if e.org != nil {
		return true, nil
	}
	acct, err := e.col.Snapshot(ctx, 0)
	if err != nil {
		return false, readError(err)
	}
	return slices.Contains(ids, acct.AccountID), nil
}

// readError is the one-line error a query reports when a source fails.
func readError(err error) error {
	var se *inventory.SetupError
	if errors.As(err, &se) {
		return errors.New(se.Error())
	}
	return fmt.Errorf("reading AWS facts: %w", err)
}
