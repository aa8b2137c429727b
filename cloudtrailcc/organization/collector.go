// Package organization audits several AWS accounts in one connection: the
// accounts of an AWS Organization (organizations:ListAccounts) or a list,
// each read with its own credentials (sts:AssumeRole into a role of the
// account; the caller's own account with the caller's credentials) by its
// own inventory.Collector, with its own API limits, at most
// MaxConcurrentAccounts at once, their starts spread over an account's read
// time (accountPacer). What an account keeps once read is its
// snapshot: its collector, clients and replies are released. The buckets,
// KMS keys and SNS topics that one account's trails use and another audited
// account owns are then read once, with the owner's credentials, into the
// owner's snapshot.
package organization

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Collector reads the accounts of an organization audit and caches the
// result for the inventory's CacheTTL. It is safe for concurrent use.
type Collector struct {
	cfg    Config
	http   aws.HTTPClient
	caller *inventory.Collector

	auditedMu sync.RWMutex
	audited   *snapshot.AccountSet // the accounts of the last collection

	mu       sync.Mutex // one collection at a time
	cached   *snapshot.Organization
	cachedAt time.Time
	loaded   snapshot.Need

	progressMu sync.Mutex
	progress   func(done, total int)
}

// New validates cfg and returns a Collector; it performs no I/O.
func New(cfg Config) (*Collector, error) {
	if err := errors.Join(cfg.Validate(), cfg.Inventory.Validate()); err != nil {
		return nil, fmt.Errorf("invalid organization configuration: %w", err)
	}
	c := &Collector{cfg: cfg.withDefaults(), http: cfg.Inventory.HTTPClient}
	if c.http == nil {
		c.http = awstransport.NewPool()
	}
	caller, err := inventory.New(c.inventoryConfig())
	if err != nil {
		return nil, err
	}
	c.caller = caller
	return c, nil
}

// Identity returns the caller's account id and ARN (sts:GetCallerIdentity,
// read once per cache period): whom the audit runs as.
func (c *Collector) Identity(ctx context.Context) (accountID, callerARN string, err error) {
	return c.caller.Identity(ctx)
}

// SetProgress installs a hook called as accounts finish (done of total).
func (c *Collector) SetProgress(fn func(done, total int)) {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.progress = fn
}

func (c *Collector) report(done, total int) {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	if c.progress != nil {
		c.progress(done, total)
	}
}

// inventoryConfig is the collector configuration of the caller's own
// account, with the caller's credentials.
func (c *Collector) inventoryConfig() inventory.Config {
	inv := c.cfg.Inventory
	inv.HTTPClient, inv.Audited = c.http, c.isAudited
	return inv
}

// memberConfig is the inventory configuration of a member account read
// with creds, the member's temporary credentials: its SDK configuration
// derives from the caller's, so the environment, shared files and CA bundle
// are read once per audit, not once per account. Incomplete credentials
// are an error, never a fall back to the caller's own.
func (c *Collector) memberConfig(ctx context.Context, account string, creds aws.Credentials) (inventory.Config, error) {
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" || creds.SessionToken == "" {
		return inventory.Config{}, fmt.Errorf("account %s: no complete credentials of its audit role", account)
	}
	base, err := c.caller.LoadedAWS(ctx)
	if err != nil {
		return inventory.Config{}, err
	}
	cfg := c.inventoryConfig()
	cfg.Profile = ""
	cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken
	cfg.DeriveFrom = &base
	return cfg, nil
}

// logger is where the collector's warnings go.
func (c *Collector) logger() hclog.Logger {
	if l := c.cfg.Inventory.Logger; l != nil {
		return l
	}
	return hclog.NewNullLogger()
}

func (c *Collector) isAudited(id string) bool {
	c.auditedMu.RLock()
	defer c.auditedMu.RUnlock()
	return c.audited != nil && c.audited.Has(id)
}

// Snapshot returns the organization's facts holding at least need, read
// now or taken from the last collection while it is younger than the
// cache TTL. The error is a *inventory.SetupError when the caller's own
// credentials or the account list cannot be had; an account that cannot be
// read is a Failed entry of the result.
func (c *Collector) Snapshot(ctx context.Context, need snapshot.Need) (*snapshot.Organization, error) {
	need = need.WithDependencies()
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := c.cached != nil && time.Since(c.cachedAt) < cmpOr(c.cfg.Inventory.CacheTTL, inventory.DefaultCacheTTL)
	if fresh && c.loaded.Has(need) {
		return c.cached, nil
	}
	if fresh {
		need |= c.loaded
	} else {
		// an expired collection is never read again: let it go before
		// reading the next one, so that two are not held at once
		c.cached = nil
	}
	start := time.Now()
	org, err := c.collect(ctx, need)
	if err != nil {
		return nil, err
	}
	org.ReadAt, org.Loaded = start, need
	c.cached, c.cachedAt, c.loaded = org, start, need
	return org, nil
}

func cmpOr(d, dflt time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return dflt
}

func (c *Collector) collect(ctx context.Context, need snapshot.Need) (*snapshot.Organization, error) {
	self, err := c.caller.Snapshot(ctx, 0)
	if err != nil {
		return nil, err
	}
	listed, suspended, err := c.accounts(ctx, self.AccountID)
	if err != nil {
		return nil, err
	}
	// 8 bytes an account, where the listed strings take 32
	ids := snapshot.NewAccountSet(listed)
	c.auditedMu.Lock()
	c.audited = ids
	c.auditedMu.Unlock()

	org := &snapshot.Organization{Multi: true, Suspended: suspended, BucketOwners: map[string]string{},
		CallerAccountID: self.AccountID, CallerARN: self.CallerARN}
	org.ExpectAccounts(ids.Len())
	if err := org.SpillTo(""); err != nil {
		// memory then grows with the organization, a few KiB an account
		c.logger().Warn("keeping the organization's snapshots in memory", "error", err)
	}
	// the members' role keys, kept sealed until resolution, are forgotten
	// (and their file closed) when the collection ends
	members, err := newSealedKeys(ids)
	if err != nil {
		return nil, err
	}
	defer func() {
		// the facts read stand: a file that will not close is only told
		if err := members.Close(); err != nil {
			c.logger().Warn("releasing the members' sealed role keys", "error", err)
		}
	}()
	if err := members.spillTo(""); err != nil {
		// memory then grows with the organization, up to ~1 KiB an account
		c.logger().Warn("keeping the members' sealed role keys in memory", "error", err)
	}
	var mu sync.Mutex
	done := 0
	c.report(0, ids.Len())
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.MaxConcurrentAccounts)
	pace := newAccountPacer(c.cfg.MaxConcurrentAccounts)
	for i := range ids.Len() {
		id := ids.At(i)
		g.Go(func() error {
			readEnded, err := pace.start(gctx)
			if err != nil {
				return err
			}
			inventory.GrowStack()
			acct, creds, fail, err := c.readAccount(gctx, self, id, need)
			if err != nil {
				return err
			}
			readEnded()
			mu.Lock()
			defer mu.Unlock()
			if fail != nil {
				org.Failed = append(org.Failed, snapshot.AccountFailure{AccountID: id, Partition: self.Partition, Err: fail})
			} else {
				// what resolution needs of the account is its buckets'
				// names; the rest is kept packed from now on
				org.NoteOwned(id, acct.OwnedBucketNames)
				kept := *acct // the caller's snapshot stays its collector's
				kept.OwnedBucketNames = nil
				if err := org.AddPacked(&kept); err != nil {
					return err
				}
				if id != self.AccountID { // the caller's own are its collector's
					if err := members.put(id, creds); err != nil {
						return err
					}
				}
			}
			done++
			c.report(done, ids.Len())
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// kept compressed until the cache expires: a query decodes one
	// account at a time
	if err := org.Pack(); err != nil {
		return nil, err
	}
	if err := c.resolve(ctx, org, self, members, need); err != nil {
		return nil, err
	}
	return org, nil
}

// readAccount reads one account: the caller's own with its collector, a
// member through its role. fail is the account-level read error of an
// account that cannot be read; err stops the whole audit (context).
func (c *Collector) readAccount(ctx context.Context, self *snapshot.Account, id string, need snapshot.Need) (acct *snapshot.Account, creds aws.Credentials, fail *snapshot.ReadError, err error) {
	if id == self.AccountID {
		acct, err = c.caller.Snapshot(ctx, need)
		return acct, creds, nil, err
	}
	creds, roleARN, fail, err := c.assumeRole(ctx, self.Partition, id)
	if fail != nil || err != nil {
		return nil, creds, fail, err
	}
	cfg, err := c.memberConfig(ctx, id, creds)
	if err != nil {
		return nil, creds, nil, err
	}
	cfg.CallerARN = roleARN // the member's identity, without sts:GetCallerIdentity
	col, err := inventory.New(cfg)
	if err != nil {
		return nil, creds, nil, err
	}
	acct, err = col.Snapshot(ctx, need)
	var se *inventory.SetupError
	if errors.As(err, &se) {
		return nil, creds, snapshot.NewReadError("sts:GetCallerIdentity", "", se.Reason), nil
	}
	return acct, creds, nil, err
}

// assumeRole gets the temporary credentials of the audit role in account,
// and the assumed-role ARN they sign as.
func (c *Collector) assumeRole(ctx context.Context, partition, account string) (aws.Credentials, string, *snapshot.ReadError, error) {
	cfg, err := c.caller.ClientConfig(ctx, "")
	if err != nil {
		return aws.Credentials{}, "", nil, err
	}
	in := &sts.AssumeRoleInput{RoleArn: aws.String(c.cfg.roleARN(partition, account)), RoleSessionName: aws.String(c.cfg.SessionName)}
	if c.cfg.ExternalID != "" {
		in.ExternalId = aws.String(c.cfg.ExternalID)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, in)
	if err != nil {
		if ctx.Err() != nil {
			return aws.Credentials{}, "", nil, ctx.Err()
		}
		return aws.Credentials{}, "", inventory.ReadErrorOf("sts:AssumeRole", err), nil
	}
	// The reply's shape (inventory) holds complete credentials and the
	// assumed-role ARN; they must be the account's, not another's.
	cr, user := out.Credentials, out.AssumedRoleUser
	if cr == nil || user == nil {
		return aws.Credentials{}, "", inventory.ReadErrorOf("sts:AssumeRole", inventory.MalformedReply("no Credentials or AssumedRoleUser")), nil
	}
	roleARN := aws.ToString(user.Arn)
	if got := arnAccount(roleARN); got != account {
		return aws.Credentials{}, "", inventory.ReadErrorOf("sts:AssumeRole", inventory.MalformedReply(
			fmt.Sprintf("AssumedRoleUser.Arn %q is not of account %s", roleARN, account))), nil
	}
	return aws.Credentials{AccessKeyID: aws.ToString(cr.AccessKeyId), SecretAccessKey: aws.ToString(cr.SecretAccessKey),
		SessionToken: aws.ToString(cr.SessionToken)}, roleARN, nil, nil
}

// accounts returns the accounts to audit (sorted) and the suspended ones:
// the configured list, or every account of the organization.
func (c *Collector) accounts(ctx context.Context, caller string) (ids, suspended []string, err error) {
	if !c.cfg.listsAll() {
		ids = slices.Clone(c.cfg.Accounts)
	} else {
		ids, suspended, err = c.listAccounts(ctx, caller)
		if err != nil {
			return nil, nil, err
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(c.cfg.ExcludeAccounts, id) })
	suspended = slices.DeleteFunc(suspended, func(id string) bool { return slices.Contains(c.cfg.ExcludeAccounts, id) })
	slices.Sort(ids)
	return slices.Compact(ids), suspended, nil
}

// listAccounts pages through organizations:ListAccounts: ACTIVE accounts
// are audited, the others (SUSPENDED, PENDING_CLOSURE, ...) only listed.
// Each page's shape (inventory) holds an Accounts list of 12-digit ids
// with known states. A listing without the caller's own account, a member
// of its organization, lists nobody to audit: an error, never an audit of
// no one.
func (c *Collector) listAccounts(ctx context.Context, caller string) (active, suspended []string, err error) {
	cfg, err := c.caller.ClientConfig(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			re := inventory.ReadErrorOf("organizations:ListAccounts", err)
			return nil, nil, &inventory.SetupError{Err: err, Reason: fmt.Sprintf(
				"cannot list the organization's accounts: %s; the caller must be the management account or a delegated administrator allowed organizations:ListAccounts, or name the accounts to audit with accounts = [\"111122223333\", ...] (no Organizations access needed)", re.Error())}
		}
		for _, a := range page.Accounts {
			// a copy: the SDK's string points into the whole page's text,
			// which the audit would otherwise keep for each id
			id := strings.Clone(aws.ToString(a.Id))
			if inventory.AccountState(a) == string(orgtypes.AccountStateActive) {
				active = append(active, id)
			} else {
				suspended = append(suspended, id)
			}
		}
	}
	if !slices.Contains(active, caller) && !slices.Contains(suspended, caller) {
		err := inventory.MalformedReply(fmt.Sprintf("%d accounts listed, not the caller's own %s", len(active)+len(suspended), caller))
		return nil, nil, &inventory.SetupError{Err: err, Reason: "cannot list the organization's accounts: " +
			inventory.ReadErrorOf("organizations:ListAccounts", err).Error()}
	}
	return active, suspended, nil
}
